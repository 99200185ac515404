# One entry point for set-up, the demo and the tests (CI runs `make test` via .ci/run).
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.8
VENV := .venv
# Use uv from PATH if present, else install a pinned copy into .tools/.
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)

.PHONY: demo test lint typecheck unit integration compat portal-down clean browser

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install -q "uv==$(UV_VERSION)"

# --compile-bytecode: every odp process starts from .pyc files, also where
# PYTHONDONTWRITEBYTECODE keeps Python from writing them (else it compiles Prefect anew each time).
$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra dev --python 3.11 --compile-bytecode
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/odp demo

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

unit: $(VENV)/.installed
	$(VENV)/bin/pytest tests/unit -q

integration: browser $(VENV)/.installed
	$(VENV)/bin/pytest tests/integration -q

test: browser lint typecheck $(VENV)/.installed
	$(VENV)/bin/pytest tests -q --durations=25

# The publish cycle against stock CKAN 2.11 and 2.10 portals (as municipalities run them;
# `make compat CKAN="2.11"` for one). Their CKAN virtualenvs are cached outside the
# checkout, so that every run, a fresh clone's too, reuses them.
CKAN ?= 2.11 2.10
COMPAT_HOME ?= $(HOME)/.cache/opendata-pipeline/portal
compat: $(VENV)/.installed
	ODP_PORTAL_HOME=$(COMPAT_HOME) $(VENV)/bin/pytest compat -q --durations=10 $(foreach v,$(CKAN),--ckan $(v))

portal-down: $(VENV)/.installed
	$(VENV)/bin/odp portal down

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache

# The browser test drives Debian's headless Chromium; install it when missing and root.
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; } || \
	  { echo "chromium is missing: run 'sudo apt-get install chromium'" >&2; exit 1; }
