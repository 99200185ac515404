"""Unique fields, the primary key and foreign keys over a whole table, as frictionless checks them.

Keys are the comparable strings of typed values (:func:`.values.canonical`), so
``1``, ``1.0`` and ``1.00`` collide and ``NaN`` never does. Only these keys are
kept while the table streams past. Repeats are found by 64-bit hashes of the keys
first (:mod:`..rowhash`), then compared exactly among the rows whose hashes repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..gather.tables import arrow_array
from ..rowhash import cell_hashes, combined, repeating

Lookups = dict[tuple[str, tuple[str, ...]], set[tuple[Any, ...]]]
"""(referenced dataset, its key fields) -> set of key tuples (comparable strings)."""

NULL = "\x00null"


def field_list(value: Any) -> list[str]:
    """A field name or list of names, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@dataclass
class Issue:
    """An integrity error: what, where, and the note frictionless would give."""

    type: str
    row: int
    note: str
    field: str | None = None
    cell: str | None = None


@dataclass
class KeyColumns:
    """The keys of the fields that need them, batch after batch."""

    names: list[str]
    rows: list[pa.Array] = field(default_factory=list)
    values: dict[str, list[pa.Array]] = field(default_factory=dict)

    def add(self, rows: np.ndarray, keys: dict[str, pa.Array]) -> None:
        """Keep one batch's keys (null: missing or invalid cell)."""
        self.rows.append(pa.array(rows, pa.int64()))
        for name in self.names:
            self.values.setdefault(name, []).append(keys[name])

    def column(self, name: str) -> pa.ChunkedArray:
        """A field's keys, batch by batch (not copied into one array)."""
        return pa.chunked_array(self.values.get(name, []), pa.string())

    def row_numbers(self) -> pa.ChunkedArray:
        return pa.chunked_array(self.rows, pa.int64())


def _repeats(keys: list[pa.Array], rows: pa.Array) -> list[tuple[int, int]]:
    """(row, row of the previous occurrence) for every repeated key, in row order."""
    if not len(rows):
        return []
    # Equal keys hash equal: only rows whose key hash repeats can repeat a key. The
    # exact comparison below then runs on those few rows, not on a hash table of all.
    candidates = repeating(combined([cell_hashes(k) for k in keys], len(rows)))
    if not candidates.any():
        return []
    mask = pa.array(candidates)
    keys, rows = [k.filter(mask) for k in keys], rows.filter(mask)
    names = [f"k{i}" for i in range(len(keys))]
    table = pa.table({**dict(zip(names, keys, strict=True)), "_row": rows})
    counts = table.group_by(names).aggregate([("_row", "count")])
    repeated = counts.filter(pc.greater(counts["_row_count"], 1))
    if repeated.num_rows == 0:
        return []
    hit = pc.is_in(_joined(table, names), value_set=_joined(repeated, names))
    seen: dict[tuple[Any, ...], int] = {}
    out = []
    for rec in table.filter(hit).sort_by("_row").to_pylist():
        key = tuple(rec[n] for n in names)
        if key in seen:
            out.append((rec["_row"], seen[key]))
        seen[key] = rec["_row"]
    return out


def _joined(table: pa.Table, names: list[str]) -> pa.Array:
    if len(names) == 1:
        return table[names[0]]
    return pc.binary_join_element_wise(*[table[n] for n in names], "\x1f")


def unique_issues(cols: KeyColumns, name: str) -> list[Issue]:
    """Repeated values of a unique field (empty cells never repeat)."""
    values, rows = cols.column(name), cols.row_numbers()
    present = pc.is_valid(values)
    out = []
    for row, before in _repeats([values.filter(present)], rows.filter(present)):
        out.append(Issue("unique-error", row, f"the same as in the row at position {before}", name))
    return out


def primary_key_issues(cols: KeyColumns, pk: list[str]) -> list[Issue]:
    """Primary keys that are all empty or repeated."""
    values = [cols.column(n) for n in pk]
    rows = cols.row_numbers()
    if not len(rows):
        return []
    all_null = pc.is_null(values[0])
    for v in values[1:]:
        all_null = pc.and_(all_null, pc.is_null(v))
    out = [
        Issue("primary-key", row, 'cells composing the primary keys are all "None"')
        for row in rows.filter(all_null).to_pylist()
    ]
    keep = pc.invert(all_null)
    keys = [pc.fill_null(v.filter(keep), NULL) for v in values]
    for row, before in _repeats(keys, rows.filter(keep)):
        out.append(Issue("primary-key", row, f"the same as in the row at position {before}"))
    return sorted(out, key=lambda i: i.row)


def foreign_key_issues(
    cols: KeyColumns, fk: dict[str, Any], known: set[tuple[Any, ...]], resource: str
) -> list[Issue]:
    """Rows whose foreign key is not among the referenced table's keys."""
    fields = field_list(fk["fields"])
    ref_fields = field_list(fk["reference"]["fields"])
    values = [cols.column(f) for f in fields]
    rows = cols.row_numbers()
    any_present = pc.is_valid(values[0])
    for v in values[1:]:
        any_present = pc.or_(any_present, pc.is_valid(v))
    candidates = any_present
    if len(fields) == 1:
        known_arr = arrow_array([k[0] for k in known], pa.string())
        candidates = pc.and_(candidates, pc.invert(pc.is_in(values[0], value_set=known_arr)))
    picked = pa.table({**{f"k{i}": v for i, v in enumerate(values)}, "_row": rows}).filter(
        candidates
    )
    out = []
    for rec in picked.to_pylist():
        cells = tuple(rec[f"k{i}"] for i in range(len(fields)))
        if cells in known:
            continue
        shown = ", ".join(_shown(c) for c in cells)
        note = (
            f'for "{", ".join(fields)}": values "{shown}" not found in the lookup table '
            f'"{resource}" as "{", ".join(ref_fields)}"'
        )
        out.append(Issue("foreign-key", rec["_row"], note, ", ".join(fields)))
    return out


def _shown(key: str | None) -> str:
    """The value part of a comparable key, for messages."""
    if key is None:
        return "None"
    return key.split(":", 1)[1] if ":" in key else key


def key_set(cols: KeyColumns, fields: list[str]) -> set[tuple[Any, ...]]:
    """The table's key tuples for these fields (rows whose cells are all empty left out)."""
    if not fields or not all(f in cols.names for f in fields):
        return set()
    columns = [cols.column(f).to_pylist() for f in fields]
    return {t for t in zip(*columns, strict=True) if set(t) != {None}}
