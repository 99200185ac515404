"""``odp validate``: check a dataset or a table file against its Table Schema."""

from __future__ import annotations

import contextlib
import importlib.abc
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import options, output

if TYPE_CHECKING:
    from ..validate.report import Report


def _dataset_reports(slug: str, profile: str | None, cap: int) -> list[Report]:
    """Gather and validate a dataset and what its foreign keys reference (in order)."""
    from .. import steps
    from ..catalogue import needed_for, references
    from ..errors import ConfigError
    from ..project import profile_catalogue

    publisher = options.load_profile(profile)
    catalogue = profile_catalogue(publisher)
    if slug not in catalogue:
        raise ConfigError(
            f"{slug!r} is neither a file nor a dataset (datasets: {', '.join(sorted(catalogue))})"
        )
    settings, project = options.settings(), options.project()
    cache = settings.cache_dir or project.default_cache
    workspace = steps.workspace_for(project.root, cache, publisher, settings)
    checked: dict[str, steps.Checked] = {}
    for name in needed_for(catalogue, [slug]):
        spec = catalogue[name]
        staged = steps.gather(spec, workspace)
        refs = [checked[r] for r in references(spec)]
        checked[name] = steps.validate(spec, staged, refs, workspace, cap)
    return [checked[slug].report]


def _file_report(
    path: Path, schema_path: Path | None, profile: str | None, cap: int, formula_cells: str
) -> Report:
    from ..errors import ConfigError
    from ..validate.engine import validate_file
    from ..validate.schema import load_schema

    if schema_path is None:
        from ..project import find_schema

        schema_path = find_schema(options.load_profile(profile).schemas_dirs, path.stem)
        if not schema_path.exists():
            raise ConfigError(f"no schema for {path}: looked at {schema_path}; pass --schema")
    schema = load_schema(schema_path)
    if schema.get("foreignKeys"):
        output.note("note: foreign keys are checked only when validating a dataset by name")
    try:
        with _pyarrow_without_pandas():
            # no other table's foreign keys point here: its key sets are not kept
            return validate_file(
                path,
                schema,
                dataset=path.stem,
                cap=cap,
                formula_cells=formula_cells,
                own_keys=False,
            ).report
    except Exception as exc:  # noqa: BLE001 - one line naming the file, never a traceback
        raise ConfigError(f"{path}: cannot validate: {type(exc).__name__}: {exc}") from exc


class _NoPandas(importlib.abc.MetaPathFinder):
    """An import finder that says pandas is not installed."""

    def find_spec(self, fullname: str, path: object, target: object = None) -> None:
        if fullname == "pandas":
            raise ModuleNotFoundError("pandas is not needed to validate a file", name=fullname)


@contextlib.contextmanager
def _pyarrow_without_pandas() -> Iterator[None]:
    """Keep pyarrow from importing pandas (1-3 s) while ``odp validate FILE`` runs.

    pyarrow 26 asks pandas about every Python value it converts (``pandas-shim.pxi``),
    importing it on first use; validating a file never hands data to pandas. Only when
    pandas is not loaded yet: pyarrow then remembers "no pandas" for this process, which
    ends after the command (the dataset path, which gathers with pandas, is not touched).
    """
    if "pandas" in sys.modules:
        yield
        return
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


@click.command("validate")
@click.argument("target")
@click.option(
    "--schema",
    "schema_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Table Schema for a file (default: <file stem>.schema.json in the profile's schemas).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the full JSON report here.",
)
@click.option(
    "--cap",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Errors kept per error type (totals are always complete).",
)
@click.option(
    "--formula-cells",
    type=click.Choice(["warn", "fail"]),
    default="warn",
    show_default=True,
    help="Cells a spreadsheet would run as formulas (=, +, -, @): warn, or count as errors.",
)
@options.profile
@output.guarded
def validate_cmd(
    target: str,
    schema_path: Path | None,
    json_path: Path | None,
    cap: int,
    formula_cells: str,
    profile: str | None,
) -> None:
    """Validate a dataset (by CKAN name) or a table file against its Table Schema.

    Prints a Markdown report; exits 1 when the data has errors, 2 when the schema does.
    """
    path = Path(target)
    if path.is_file():
        reports = [_file_report(path, schema_path, profile, cap, formula_cells)]
    else:
        reports = _dataset_reports(target, profile, cap)
    for report in reports:
        output.result(report.to_markdown())
        if json_path:
            json_path.write_text(report.to_json(), encoding="utf-8")
    if not all(r.valid for r in reports):
        raise click.exceptions.Exit(output.FAILED)


COMMANDS = [validate_cmd]
