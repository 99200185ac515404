"""Validate a CSV against a Table Schema: fast where certain, frictionless where it matters.

1. Parse into string columns (:mod:`.tabular`), exactly as frictionless would.
2. Clear certainly-valid rows with vectorised checks (:mod:`.fastchecks`).
3. Let frictionless 5.21 validate the remaining "suspect" rows: its findings are
   the findings (types, constraints, missing/extra cells, blank rows).
4. Check unique fields, the primary key and foreign keys over the whole table,
   following frictionless's own rules (first occurrence wins, all-empty keys).

Files whose header does not match the schema, or that frictionless cannot
read as text, are validated by frictionless alone.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frictionless
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .fastchecks import INT_RE, certainly_valid
from .messages import finding_from_frictionless
from .report import Report
from .tabular import SourceProblem, Table, read_table

Lookups = dict[tuple[str, tuple[str, ...]], set[tuple[Any, ...]]]
"""(referenced dataset, its key fields) -> set of key tuples (canonical strings)."""


@dataclass(frozen=True)
class Target:
    """What is validated: a name for messages and the bytes."""

    dataset: str
    file: str
    data: bytes


def _field_list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _detail_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema without whole-table checks (done here over all rows)."""
    detail = copy.deepcopy(schema)
    detail.pop("primaryKey", None)
    detail.pop("foreignKeys", None)
    for f in detail.get("fields", []):
        f.get("constraints", {}).pop("unique", None)
    return detail


def _frictionless_validate(
    source: Any, schema: dict[str, Any], **options: Any
) -> frictionless.Report:
    with frictionless.system.use_context(trusted=True):
        resource = frictionless.Resource(
            source, schema=frictionless.Schema.from_descriptor(schema), **options
        )
        return resource.validate(limit_errors=10**9)


def _only_frictionless(target: Target, schema: dict[str, Any], report: Report) -> Report:
    """Validate a whole file with frictionless (header mismatch, unreadable text)."""
    detail = copy.deepcopy(schema)
    detail.pop("foreignKeys", None)  # no package here; checked by the caller's lookups
    result = _frictionless_validate(target.data, detail, format="csv")
    for error in result.tasks[0].errors if result.tasks else result.errors:
        report.add(finding_from_frictionless(error.to_descriptor(), schema))
    report.rows = int(result.tasks[0].stats.get("rows") or 0) if result.tasks else 0
    report.engine = "frictionless"
    return report


def _suspect_rows(
    table: Table, fields: list[dict[str, Any]], missing_values: list[str]
) -> tuple[list[int], list[pa.Array]]:
    n = table.n_rows
    row_ok = pa.array([True] * n, type=pa.bool_())
    missing_count = pa.array([0] * n, type=pa.int64())
    oks = []
    for field, column in zip(fields, table.columns, strict=True):
        ok, missing = certainly_valid(field, column, missing_values)
        oks.append(ok)
        row_ok = pc.and_(row_ok, ok)
        missing_count = pc.add(missing_count, pc.cast(missing, pa.int64()))
    blank = pc.equal(missing_count, len(fields))
    row_ok = pc.and_(row_ok, pc.invert(blank))
    suspects = set(pc.indices_nonzero(pc.invert(row_ok)).to_pylist()) | set(table.irregular)
    return sorted(suspects), oks


def _row_cells(table: Table, index: int) -> list[str]:
    if index in table.irregular:
        return table.irregular[index]
    return [str(c[index].as_py()) for c in table.columns]


def _detail(table: Table, suspects: list[int], schema: dict[str, Any], report: Report) -> None:
    if not suspects:
        return
    rows = [table.labels] + [_row_cells(table, i) for i in suspects]
    result = _frictionless_validate(rows, _detail_schema(schema))
    for error in result.tasks[0].errors:
        desc = error.to_descriptor()
        if desc.get("rowNumber"):
            desc["rowNumber"] = suspects[desc["rowNumber"] - 2] + 2
            report.add(finding_from_frictionless(desc, schema))


def canonical_values(
    table: Table, field: dict[str, Any], index: int, suspects: set[int], missing_values: list[str]
) -> list[str | None]:
    """Parsed value of every cell of one column as a comparable string (None: empty/invalid)."""
    reader = frictionless.Field.from_descriptor(field).create_cell_reader()
    ftype, raw = field.get("type"), table.columns[index]
    simple = field.get("format", "default") == "default"
    if ftype == "integer" and simple:
        ok = pc.match_substring_regex(raw, INT_RE)
        fast = pc.cast(pc.cast(pc.if_else(ok, raw, None), pa.int64()), pa.string())
    elif ftype in ("string", "date") and simple:
        fast = raw
    else:
        fast, suspects = pa.nulls(len(raw), pa.string()), set(range(len(raw)))
    missing = pc.is_in(raw, value_set=pa.array(missing_values, pa.string()))
    out: list[str | None] = pc.if_else(missing, None, fast).to_pylist()
    for i in suspects:
        cells = table.irregular.get(i)
        if cells is not None:
            cell = cells[index] if index < len(cells) else None
        else:
            cell = raw[i].as_py()
        value, notes = reader(cell)
        out[i] = None if value is None or (notes and "type" in notes) else str(value)
    return out


def _integrity(
    table: Table,
    schema: dict[str, Any],
    report: Report,
    suspects: list[int],
    lookups: Lookups | None,
) -> dict[str, list[str | None]]:
    fields = schema.get("fields", [])
    index = {f["name"]: i for i, f in enumerate(fields)}
    missing_values = schema.get("missingValues", [""])
    pk = _field_list(schema.get("primaryKey") or [])
    uniques = [f["name"] for f in fields if f.get("constraints", {}).get("unique")]
    fk_fields = [n for fk in schema.get("foreignKeys", []) for n in _field_list(fk["fields"])]
    needed = [n for n in dict.fromkeys(pk + uniques + fk_fields) if n in index]
    suspect_set = set(suspects)
    values = {}
    for name in needed:
        values[name] = canonical_values(
            table, fields[index[name]], index[name], suspect_set, missing_values
        )
    frame = pd.DataFrame(values)
    frame["_row"] = range(2, len(frame) + 2)
    for name in uniques:
        col = frame[[name, "_row"]].dropna(subset=[name])
        dup = col[col.duplicated(subset=[name], keep="first")]
        prev = col.groupby(name)["_row"].shift(1)
        for row, value, before in zip(dup["_row"], dup[name], prev[dup.index], strict=True):
            report.add(
                _integrity_finding(
                    "unique-error",
                    row,
                    name,
                    value,
                    f"the same as in the row at position {int(before)}",
                    index[name] + 1,
                )
            )
    if pk and all(n in index for n in pk):
        keys = frame[pk]
        all_none = keys.isna().all(axis=1)
        for row in frame.loc[all_none, "_row"]:
            report.add(
                _integrity_finding(
                    "primary-key",
                    row,
                    None,
                    None,
                    'cells composing the primary keys are all "None"',
                    None,
                )
            )
        present = frame.loc[~all_none, [*pk, "_row"]].fillna("\x00none")
        dup = present[present.duplicated(subset=pk, keep="first")]
        prev = present.groupby(pk)["_row"].shift(1)
        for row, before in zip(dup["_row"], prev[dup.index], strict=True):
            report.add(
                _integrity_finding(
                    "primary-key",
                    row,
                    None,
                    None,
                    f"the same as in the row at position {int(before)}",
                    None,
                )
            )
    for fk in schema.get("foreignKeys", []):
        _foreign_key(fk, frame, report, lookups)
    return values


def _foreign_key(
    fk: dict[str, Any], frame: pd.DataFrame, report: Report, lookups: Lookups | None
) -> None:
    fields = _field_list(fk["fields"])
    ref = fk["reference"]
    ref_key = (ref["resource"], tuple(_field_list(ref["fields"])))
    if lookups is None or ref_key not in lookups or not all(f in frame for f in fields):
        return
    known = lookups[ref_key]
    keys = frame[fields]
    candidates = frame[~keys.isna().all(axis=1)]
    if len(fields) == 1:
        candidates = candidates[~candidates[fields[0]].isin({k[0] for k in known})]
    for row, *cells in candidates[["_row", *fields]].itertuples(index=False):
        cells_t = tuple(None if pd.isna(c) else c for c in cells)
        if cells_t in known:
            continue
        note = (
            f'for "{", ".join(fields)}": values "{", ".join(str(c) for c in cells_t)}" '
            f'not found in the lookup table "{ref_key[0]}" as "{", ".join(ref_key[1])}"'
        )
        report.add(_integrity_finding("foreign-key", row, ", ".join(fields), None, note, None))


def _integrity_finding(
    kind: str, row: int, field: str | None, cell: Any, note: str, number: int | None
) -> Any:
    from .messages import integrity_finding

    return integrity_finding(
        kind, int(row), field, None if cell is None else str(cell), note, number
    )


def validate_bytes(
    target: Target, schema: dict[str, Any], lookups: Lookups | None = None, cap: int = 100
) -> tuple[Report, dict[str, list[str | None]]]:
    """Validate one CSV; return the report and the canonical key values (for lookups)."""
    started = time.perf_counter()
    report = Report(target.dataset, target.file, rows=0, cap=cap, engine="odp")
    fields = schema.get("fields", [])
    try:
        table = read_table(target.data)
    except SourceProblem:
        table = None
    if table is None or table.labels != [f["name"] for f in fields]:
        _only_frictionless(target, schema, report)
        report.seconds = time.perf_counter() - started
        report.sort()
        return report, {}
    report.rows = table.n_rows
    suspects, _ = _suspect_rows(table, fields, schema.get("missingValues", [""]))
    _detail(table, suspects, schema, report)
    values = _integrity(table, schema, report, suspects, lookups)
    report.sort()
    report.seconds = time.perf_counter() - started
    return report, values


def validate_file(
    path: Path,
    schema: dict[str, Any],
    dataset: str | None = None,
    lookups: Lookups | None = None,
    cap: int = 100,
) -> Report:
    """Validate a CSV file against a Table Schema descriptor."""
    target = Target(dataset or path.stem, str(path), path.read_bytes())
    return validate_bytes(target, schema, lookups, cap)[0]
