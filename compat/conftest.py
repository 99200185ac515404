"""The compatibility check's portals: one stock CKAN per version asked for (``--ckan``).

``make compat`` runs it for CKAN 2.11 and 2.10; the CKAN virtualenvs live in the
portal home (``$ODP_PORTAL_HOME``; ``make compat`` points it at a cache folder
outside the checkout), so they are installed once and reused by every run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from opendata_pipeline.dev.kind import PortalKind
from opendata_pipeline.settings import load_settings
from tests.integration.conftest import prefect_harness  # noqa: F401 - one Prefect API
from tests.portal_fixture import HOME, Portal, start_portal

DEFAULT_VERSIONS = ("2.11", "2.10")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--ckan",
        action="append",
        default=None,
        help=f"CKAN version of a stock portal to check (repeatable; default {DEFAULT_VERSIONS})",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "stock_portal" in metafunc.fixturenames:
        versions = metafunc.config.getoption("ckan") or list(DEFAULT_VERSIONS)
        metafunc.parametrize("stock_portal", versions, indirect=True, scope="session")


@pytest.fixture(scope="session")
def stock_portal(request: pytest.FixtureRequest) -> Iterator[Portal]:
    """A fresh stock portal of the CKAN version the test is parametrised with."""
    home = load_settings().portal_home or HOME
    yield from start_portal("t", PortalKind(request.param, stock=True), home)


@pytest.fixture(scope="session")
def xloader_portal() -> Iterator[Portal]:
    """A stock CKAN 2.12 portal that also runs ckanext-xloader and CKAN's jobs worker."""
    home = load_settings().portal_home or HOME
    yield from start_portal("x", PortalKind("2.12", stock=True, xloader=True), home)
