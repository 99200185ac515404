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
from typing import Any

import frictionless
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .fastchecks import INT_RE, certainly_valid
from .messages import finding_from_frictionless, integrity_finding
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


def error_fields(error: Any) -> dict[str, Any]:
    """The descriptor keys of a frictionless error, read from its attributes (fast)."""
    out = {"type": error.type, "note": getattr(error, "note", "")}
    for attr, key in (
        ("row_number", "rowNumber"),
        ("field_name", "fieldName"),
        ("field_number", "fieldNumber"),
        ("cell", "cell"),
        ("label", "label"),
        ("field_names", "fieldNames"),
    ):
        value = getattr(error, attr, None)
        if value is not None:
            out[key] = value
    return out


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
        report.add(finding_from_frictionless(error_fields(error), schema))
    report.rows = int(result.tasks[0].stats.get("rows") or 0) if result.tasks else 0
    report.engine = "frictionless"
    return report


def _suspect_rows(
    table: Table, fields: list[dict[str, Any]], missing_values: list[str]
) -> list[int]:
    """Rows that may hold an error: a cell not certainly valid, blank, or ragged."""
    n = table.n_rows
    row_ok = pa.array(np.ones(n, dtype=bool))
    missing_count = pa.array(np.zeros(n, dtype=np.int64))
    for field, column in zip(fields, table.columns, strict=True):
        ok, missing = certainly_valid(field, column, missing_values)
        row_ok = pc.and_(row_ok, ok)
        missing_count = pc.add(missing_count, pc.cast(missing, pa.int64()))
    blank = pc.equal(missing_count, len(fields))
    row_ok = pc.and_(row_ok, pc.invert(blank))
    suspects = set(pc.indices_nonzero(pc.invert(row_ok)).to_pylist()) | set(table.irregular)
    return sorted(suspects)


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
        desc = error_fields(error)
        if desc.get("rowNumber"):
            desc["rowNumber"] = suspects[desc["rowNumber"] - 2] + 2
            report.add(finding_from_frictionless(desc, schema))


def canonical_values(
    table: Table, field: dict[str, Any], index: int, suspects: list[int], missing_values: list[str]
) -> pa.Array:
    """Parsed value of every cell of one column as a comparable string (null: empty/invalid)."""
    reader = frictionless.Field.from_descriptor(field).create_cell_reader()
    ftype, raw = field.get("type"), table.columns[index]
    simple = field.get("format", "default") == "default"
    if ftype == "integer" and simple:
        ok = pc.match_substring_regex(raw, INT_RE)
        fast = pc.cast(pc.cast(pc.if_else(ok, raw, None), pa.int64()), pa.string())
    elif ftype in ("string", "date") and simple:
        fast = raw
    else:
        fast, suspects = pa.nulls(len(raw), pa.string()), list(range(len(raw)))
    missing = pc.is_in(raw, value_set=pa.array(missing_values, pa.string()))
    values = pc.if_else(missing, pa.scalar(None, pa.string()), fast)
    if not suspects:
        return values
    parsed = []
    for i in suspects:
        cells = table.irregular.get(i)
        if cells is not None:
            cell = cells[index] if index < len(cells) else None
        else:
            cell = raw[i].as_py()
        value, notes = reader(cell)
        parsed.append(None if value is None or (notes and "type" in notes) else str(value))
    mask = np.zeros(len(raw), dtype=bool)
    mask[suspects] = True
    return pc.replace_with_mask(values, pa.array(mask), pa.array(parsed, pa.string()))


def _duplicates(keys: list[pa.Array], rows: pa.Array) -> list[tuple[int, int]]:
    """(row, row of the previous occurrence) for every repeated key, as frictionless reports."""
    if len(keys) == 1 and len(pc.unique(keys[0])) == len(keys[0]):
        return []  # the common case: no repeats, found by one hash pass
    names = [f"k{i}" for i in range(len(keys))]
    tbl = pa.table({**dict(zip(names, keys, strict=True)), "_row": rows})
    counts = tbl.group_by(names).aggregate([("_row", "count")])
    repeated = counts.filter(pc.greater(counts["_row_count"], 1))
    if repeated.num_rows == 0:
        return []
    hit = pc.is_in(_joined(tbl, names), value_set=_joined(repeated, names))
    seen: dict[tuple[Any, ...], int] = {}
    out = []
    for row in tbl.filter(hit).to_pylist():
        key = tuple(row[n] for n in names)
        if key in seen:
            out.append((row["_row"], seen[key]))
        seen[key] = row["_row"]
    return out


def _joined(tbl: pa.Table, names: list[str]) -> pa.Array:
    if len(names) == 1:
        return tbl[names[0]]
    parts = [pc.fill_null(tbl[n], "\x00null") for n in names]
    return pc.binary_join_element_wise(*parts, "\x1f")


def _integrity(
    table: Table,
    schema: dict[str, Any],
    report: Report,
    suspects: list[int],
    lookups: Lookups | None,
) -> dict[str, pa.Array]:
    fields = schema.get("fields", [])
    index = {f["name"]: i for i, f in enumerate(fields)}
    missing_values = schema.get("missingValues", [""])
    pk = _field_list(schema.get("primaryKey") or [])
    uniques = [f["name"] for f in fields if f.get("constraints", {}).get("unique")]
    fk_fields = [n for fk in schema.get("foreignKeys", []) for n in _field_list(fk["fields"])]
    needed = [n for n in dict.fromkeys(pk + uniques + fk_fields) if n in index]
    values = {
        name: canonical_values(table, fields[index[name]], index[name], suspects, missing_values)
        for name in needed
    }
    rows = pa.array(np.arange(2, table.n_rows + 2, dtype=np.int64))
    for name in uniques:
        present = pc.is_valid(values[name])
        col, col_rows = values[name].filter(present), rows.filter(present)
        for row, before in _duplicates([col], col_rows):
            report.add(
                integrity_finding(
                    "unique-error",
                    row,
                    f"the same as in the row at position {before}",
                    field=name,
                    cell=_cell(table, index[name], row),
                    number=index[name] + 1,
                )
            )
    if pk and all(n in index for n in pk):
        all_null = (
            pc.and_kleene(*[pc.is_null(values[n]) for n in pk])
            if len(pk) > 1
            else pc.is_null(values[pk[0]])
        )
        for row in rows.filter(all_null).to_pylist():
            report.add(
                integrity_finding(
                    "primary-key", row, 'cells composing the primary keys are all "None"'
                )
            )
        keep = pc.invert(all_null)
        keys = [values[n].filter(keep) for n in pk]
        for row, before in _duplicates(keys, rows.filter(keep)):
            report.add(
                integrity_finding(
                    "primary-key", row, f"the same as in the row at position {before}"
                )
            )
    for fk in schema.get("foreignKeys", []):
        _foreign_key(fk, values, rows, report, lookups)
    return values


def _cell(table: Table, index: int, row: int) -> str:
    return str(table.columns[index][row - 2].as_py())


def _foreign_key(
    fk: dict[str, Any],
    values: dict[str, pa.Array],
    rows: pa.Array,
    report: Report,
    lookups: Lookups | None,
) -> None:
    fields = _field_list(fk["fields"])
    ref = fk["reference"]
    ref_key = (ref["resource"], tuple(_field_list(ref["fields"])))
    if lookups is None or ref_key not in lookups or not all(f in values for f in fields):
        return
    known = lookups[ref_key]
    cols = [values[f] for f in fields]
    any_present = cols[0].is_valid()
    for col in cols[1:]:
        any_present = pc.or_(any_present, col.is_valid())
    candidates = any_present
    if len(fields) == 1:
        known_arr = pa.array([k[0] for k in known], pa.string())
        candidates = pc.and_(candidates, pc.invert(pc.is_in(cols[0], value_set=known_arr)))
    picked = pa.table({**{f: c for f, c in zip(fields, cols, strict=True)}, "_row": rows}).filter(
        candidates
    )
    for rec in picked.to_pylist():
        cells = tuple(rec[f] for f in fields)
        if cells in known:
            continue
        note = (
            f'for "{", ".join(fields)}": values "{", ".join(str(c) for c in cells)}" '
            f'not found in the lookup table "{ref_key[0]}" as "{", ".join(ref_key[1])}"'
        )
        report.add(integrity_finding("foreign-key", rec["_row"], note, field=", ".join(fields)))


def validate_bytes(
    target: Target, schema: dict[str, Any], lookups: Lookups | None = None, cap: int = 100
) -> tuple[Report, dict[str, pa.Array]]:
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
    suspects = _suspect_rows(table, fields, schema.get("missingValues", [""]))
    _detail(table, suspects, schema, report)
    values = _integrity(table, schema, report, suspects, lookups)
    report.sort()
    report.seconds = time.perf_counter() - started
    return report, values
