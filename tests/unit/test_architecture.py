"""The shape of the package: one settings module, one-way imports, a thin flow.

Checked on the source text (AST), so a new module that breaks a rule fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

from opendata_pipeline.settings import markdown_table
from tests.project import ROOT

PACKAGE = ROOT / "src" / "opendata_pipeline"
SETTINGS = PACKAGE / "settings.py"


def _modules() -> dict[Path, ast.Module]:
    return {p: ast.parse(p.read_text(encoding="utf-8")) for p in PACKAGE.rglob("*.py")}


def _imports(tree: ast.Module, path: Path) -> set[str]:
    """Absolute names of the package modules a module imports."""
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {n for n in found if n.startswith("opendata_pipeline")}


def test_only_the_settings_module_reads_the_environment_or_names_odp_variables() -> None:
    offenders = []
    for path, tree in _modules().items():
        if path == SETTINGS:
            continue
        for node in ast.walk(tree):
            literal = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if literal and node.value.startswith("ODP_"):  # type: ignore[attr-defined]
                offenders.append(f"{path.name}:{node.lineno}: {node.value!r}")  # type: ignore[attr-defined]
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv"):
                offenders.append(f"{path.name}:{node.lineno}: os.{node.attr}")
    assert offenders == []
    # the check itself finds what it looks for
    assert "ODP_CKAN_TOKEN" in SETTINGS.read_text() and "os.environ" in SETTINGS.read_text()


def test_the_publishing_core_never_imports_developer_tooling_or_the_command_line() -> None:
    allowed = ("opendata_pipeline.dev", "opendata_pipeline.cli")
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path, tree in _modules().items()
        if not str(path.relative_to(PACKAGE)).startswith(("dev/", "cli/"))
        for name in _imports(tree, path)
        if name.startswith(allowed)
    ]
    assert offenders == []


def test_nothing_loads_code_by_file_path() -> None:
    """No importlib by path to pass data between layers (a dataset hook is the one exception)."""
    users = sorted(
        path.relative_to(PACKAGE).as_posix()
        for path, tree in _modules().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "spec_from_file_location"
    )
    assert users == ["gather/core.py"]


def test_the_flow_file_shows_the_four_steps_in_order() -> None:
    flow = (ROOT / "flows" / "publish.py").read_text(encoding="utf-8")
    assert len(flow.splitlines()) <= 70
    body = flow.split("def pipeline(", 1)[1].split("\ndef ", 1)[0]
    calls = [s for s in ("gather.submit", "validate.submit", "plan.submit", "apply.submit")]
    positions = [body.index(c) for c in calls]
    assert positions == sorted(positions)


def test_readme_settings_table_is_the_settings_model() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, (
        "README's settings table differs from opendata_pipeline/settings.py; "
        "regenerate it with: python -m opendata_pipeline.settings"
    )


def test_package_version_is_the_project_version() -> None:
    """Validation caches and key files carry it: it must change with every release."""
    import tomllib

    import opendata_pipeline

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert opendata_pipeline.__version__ == project["version"]
