"""The validation step of the pipeline: gather a dataset, validate it, with foreign keys.

The command line and the flows both call these functions; there is no second path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..catalogue import DatasetSpec, foreign_key_targets, publish_order
from ..errors import OdpError, TerminalError
from .report import Report

if TYPE_CHECKING:  # the engine (pyarrow) only where a table is validated, never in a no-op run
    from ..gather.core import GatherContext, GatherResult
    from .engine import Validation
    from .keys import Lookups


class ValidationFailed(TerminalError):
    """A dataset did not validate; nothing of it may be published."""

    def __init__(self, report: Report) -> None:
        self.report = report
        kinds = ", ".join(f"{n} {t}" for t, n in sorted(report.counts.items()))
        first = report.findings[0].message if report.findings else ""
        super().__init__(
            f"dataset {report.dataset}: {report.total} validation error(s) ({kinds}) in "
            f"{report.file}; first: {first}. Nothing was published."
        )


@dataclass
class ValidatedDataset:
    """A gathered table, its CSV bytes, its validation report and key values."""

    slug: str
    gathered: GatherResult
    csv_bytes: bytes
    report: Report
    lookups: Lookups


def validate_data(
    spec: DatasetSpec, data: bytes, lookups: Lookups | None = None, cap: int = 100
) -> tuple[Report, Lookups]:
    """Validate a dataset's CSV bytes; return the report and the table's own key values."""
    from .engine import Target, validate_bytes

    result = validate_bytes(
        Target(spec.slug, f"{spec.slug}.csv", data), spec.table_schema(), lookups or {}, cap
    )
    return result.report, result.lookups


def validate_staged(
    spec: DatasetSpec,
    path: Path,
    lookups: Lookups | None = None,
    cap: int = 100,
    own_keys: bool = True,
) -> Validation:
    """Validate a dataset's staged CSV file, streaming; foreign keys against ``lookups``.

    ``own_keys``: also return the table's key sets (for datasets that reference it).
    """
    from .engine import validate_file

    result = validate_file(
        path,
        spec.table_schema(),
        dataset=spec.slug,
        format="csv",
        lookups=lookups or {},
        cap=cap,
        own_keys=own_keys,
    )
    result.report.file = f"{spec.slug}.csv"
    return result


def validate_gathered(
    spec: DatasetSpec, gathered: GatherResult, lookups: Lookups | None = None, cap: int = 100
) -> ValidatedDataset:
    """Validate a gathered table against the dataset's schema."""
    data = gathered.to_csv_bytes()
    report, own = validate_data(spec, data, lookups, cap)
    return ValidatedDataset(spec.slug, gathered, data, report, own)


def needed_for(catalogue: dict[str, DatasetSpec], slugs: list[str]) -> list[str]:
    """The given datasets plus every dataset their foreign keys reach, in publish order."""
    wanted: set[str] = set()
    todo = list(slugs)
    while todo:
        slug = todo.pop()
        if slug in wanted:
            continue
        wanted.add(slug)
        todo += sorted(foreign_key_targets(catalogue[slug].table_schema()) - {slug})
    return [s for wave in publish_order(catalogue) for s in wave if s in wanted]


def validate_each(
    catalogue: dict[str, DatasetSpec], slugs: list[str], ctx: GatherContext, cap: int = 100
) -> Iterator[tuple[str, ValidatedDataset | OdpError]]:
    """Gather and validate datasets (and what their foreign keys need) in order.

    Yields each slug with its result, or with the error that stopped its gathering
    or validation; the following datasets are still processed.
    """
    from ..gather.core import gather_dataset

    lookups: Lookups = {}
    for slug in needed_for(catalogue, slugs):
        try:
            result = validate_gathered(
                catalogue[slug], gather_dataset(catalogue[slug], ctx), lookups, cap
            )
        except OdpError as exc:
            yield slug, exc
            continue
        lookups.update(result.lookups)
        yield slug, result


def validate_datasets(
    catalogue: dict[str, DatasetSpec], slugs: list[str], ctx: GatherContext, cap: int = 100
) -> dict[str, ValidatedDataset]:
    """Gather and validate datasets (and what their foreign keys need); stop at the first error."""
    done: dict[str, ValidatedDataset] = {}
    for slug, result in validate_each(catalogue, slugs, ctx, cap):
        if isinstance(result, OdpError):
            raise result
        done[slug] = result
    return done


def validate_path(path: Path, schema: dict[str, object], cap: int = 100) -> Report:
    """Validate a table file on its own (foreign keys to other tables are not checked)."""
    from .engine import validate_file

    return validate_file(path, schema, dataset=path.stem, cap=cap).report
