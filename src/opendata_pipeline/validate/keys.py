"""Unique fields, the primary key and foreign keys over a whole table, as frictionless checks them.

Keys are the comparable strings of typed values (:func:`.values.canonical`), so
``1``, ``1.0`` and ``1.00`` collide and ``NaN`` never does.

While the table streams past, memory keeps only a hash of each unique or
primary-key cell's key (:func:`key_hashes`: 64 bits, of which 40 are kept, 5 bytes
per row and field); the keys themselves go to a spill file on disk, batch by batch.
At the end, the rows whose hash occurs more than once are the only candidates for a
repeat: their real keys are read back from the spill file and compared exactly, so a
hash collision costs time, never a verdict. Foreign keys and the key sets for other
tables stream the spill file once.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..gather.tables import arrow_array

Lookups = dict[tuple[str, tuple[str, ...]], set[tuple[Any, ...]]]
"""(referenced dataset, its key fields) -> set of key tuples (comparable strings)."""

NULL = "\x00null"
ROW = "\x00row"
U64 = np.uint64
NULL_HASH = U64(0)
"""The hash of an empty (null) key; no present key hashes to it (see :func:`key_hashes`)."""

Hasher = Callable[[pa.Array], np.ndarray]


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


# -- hashing ---------------------------------------------------------------------------

_P = U64(0x9E3779B97F4A7C15)  # odd: its powers are odd, a one-byte change always changes the sum
_LENGTH = U64(0xD6E8FEB86659FD93)
_SLICE_ROWS = 8192  # bounds the per-byte work arrays (about 32 bytes per key byte)
_powers = np.ones(1, dtype=U64)


def _power_table(n: int) -> np.ndarray:
    """_P ** k modulo 2**64 for k < n (grown on demand, kept)."""
    global _powers
    if len(_powers) < n:
        steps = np.full(max(n, 2 * len(_powers)), _P, dtype=U64)
        steps[0] = 1
        _powers = np.cumprod(steps, dtype=U64)
    return _powers


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit moves about half the output bits."""
    h = h ^ (h >> U64(30))
    h = h * U64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> U64(27))
    h = h * U64(0x94D049BB133111EB)
    out: np.ndarray = h ^ (h >> U64(31))
    return out


def _string_hashes(arr: pa.Array) -> np.ndarray:
    """Polynomial hash of each string's UTF-8 bytes, mixed with its length (nulls: anything)."""
    n = len(arr)
    bufs = arr.buffers()
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    if bufs[1] is None:
        return np.zeros(n, dtype=U64)
    offsets = np.frombuffer(bufs[1], dtype=width)[arr.offset : arr.offset + n + 1].astype(np.int64)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    data = data[offsets[0] : offsets[-1]]
    starts = offsets[:-1] - offsets[0]
    lengths = np.diff(offsets)
    size = len(data)
    powers = _power_table(int(lengths.max(initial=0)) + 1)
    within = np.arange(size, dtype=np.int64) - np.repeat(starts, lengths)
    terms = np.zeros(size + 1, dtype=U64)  # one extra 0: trailing empty strings index it
    np.multiply(data, powers[within], out=terms[:size], dtype=U64)
    sums = np.add.reduceat(terms, starts) if n else np.zeros(0, dtype=U64)
    sums[lengths == 0] = 0
    return _mix(sums ^ (lengths.astype(U64) * _LENGTH))


def key_hashes(keys: pa.Array) -> np.ndarray:
    """A 64-bit hash per key string: :data:`NULL_HASH` for a null key, never for a present one.

    Equal keys hash equally; different keys rarely do (the checks confirm every repeat
    on the keys themselves).
    """
    keys = _plain(keys)
    parts = [_string_hashes(keys.slice(i, _SLICE_ROWS)) for i in range(0, len(keys), _SLICE_ROWS)]
    h = np.concatenate(parts) if parts else np.zeros(0, dtype=U64)
    h[h == NULL_HASH] = U64(1)
    if keys.null_count:
        h[np.asarray(keys.is_null().to_numpy(zero_copy_only=False), dtype=bool)] = NULL_HASH
    return h


def _plain(keys: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    if not (pa.types.is_string(keys.type) or pa.types.is_large_string(keys.type)):
        keys = keys.cast(pa.string())
    return keys


STORED_BITS = 40
"""Bits of each hash kept in memory: 5,000,000 distinct keys share one in ~40,000 pairs'
odds of a collision each (about 11 colliding pairs, each settled on the real keys)."""
_STORED_BYTES = STORED_BITS // 8
_STORED_MASK = U64((1 << STORED_BITS) - 1)


def _pack(hashes: np.ndarray) -> np.ndarray:
    """The low :data:`STORED_BITS` of each hash as bytes (a present key's never all zero)."""
    low = hashes & _STORED_MASK
    low[(low == NULL_HASH) & (hashes != NULL_HASH)] = U64(1)
    octets = low.astype("<u8").view(np.uint8).reshape(-1, 8)
    return np.ascontiguousarray(octets[:, :_STORED_BYTES])


def _unpack(packed: np.ndarray) -> np.ndarray:
    """The stored hashes as uint64 again."""
    octets = np.zeros((len(packed), 8), dtype=np.uint8)
    octets[:, :_STORED_BYTES] = packed
    out: np.ndarray = octets.view("<u8").reshape(-1).astype(U64, copy=False)
    return out


def _combined(hashes: list[np.ndarray]) -> np.ndarray:
    """One hash per row for a tuple of keys (equal tuples, equal hashes)."""
    if len(hashes) == 1:
        return hashes[0]
    h = np.zeros(len(hashes[0]), dtype=U64)
    for part in hashes:
        h = _mix(h * _P + part)
    return h


def _repeated(hashes: np.ndarray) -> np.ndarray:
    """The hash values that occur more than once, sorted (NULL_HASH left out); sorts ``hashes``."""
    ordered = hashes
    ordered.sort()
    twice = ordered[1:][ordered[1:] == ordered[:-1]]
    values = np.unique(twice)
    found: np.ndarray = values[values != NULL_HASH]
    return found


def _among(hashes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which hashes are among the sorted ``values``."""
    if not len(values):
        return np.zeros(len(hashes), dtype=bool)
    at = np.searchsorted(values, hashes)
    at[at == len(values)] = 0
    found: np.ndarray = values[at] == hashes
    return found


# -- storage -----------------------------------------------------------------------------


@dataclass
class KeyColumns:
    """The keys of the fields that need them, batch after batch.

    ``names``: fields whose keys are kept (in the spill file); ``hashed``: those whose
    hashes also stay in memory (unique and primary-key fields). Call :meth:`close` when done.
    """

    names: list[str]
    hashed: list[str] = field(default_factory=list)
    hasher: Hasher | None = None  # default: key_hashes (tests force collisions with another)
    rows: list[np.ndarray | tuple[int, int]] = field(default_factory=list)
    hashes: dict[str, list[np.ndarray]] = field(default_factory=dict)
    _dir: str | None = None
    _writer: Any = None
    _sink: Any = None

    def add(self, rows: np.ndarray, keys: dict[str, pa.Array]) -> None:
        """Keep one batch's keys (null: missing or invalid cell)."""
        n = len(rows)
        if n == 0:
            return
        first = int(rows[0])
        contiguous = int(rows[-1]) - first == n - 1 and bool(np.all(np.diff(rows) == 1))
        self.rows.append((first, n) if contiguous else np.asarray(rows, dtype=np.int64).copy())
        hasher = self.hasher or key_hashes
        for name in self.hashed:
            self.hashes.setdefault(name, []).append(_pack(hasher(keys[name])))
        columns = {name: _plain(keys[name]) for name in self.names}
        columns[ROW] = pa.array(np.asarray(rows, dtype=np.int64), pa.int64())
        batch = pa.record_batch(columns)
        if self._writer is None:
            self._dir = tempfile.mkdtemp(prefix="odp-keys-")
            self._sink = pa.OSFile(str(Path(self._dir) / "keys.arrows"), "wb")
            self._writer = pa.ipc.new_stream(self._sink, batch.schema)
        self._writer.write_batch(batch)

    def close(self) -> None:
        """Remove the spill file."""
        self._finish()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def _finish(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._sink.close()
            self._writer = self._sink = None

    def __len__(self) -> int:
        return sum(r[1] if isinstance(r, tuple) else len(r) for r in self.rows)

    def batches(self, wanted: list[np.ndarray] | None = None) -> Iterator[pa.RecordBatch]:
        """The kept keys batch by batch (column ``ROW``: row numbers); with ``wanted``,
        only those rows (one mask per batch)."""
        self._finish()
        if self._dir is None:
            return
        with pa.OSFile(str(Path(self._dir) / "keys.arrows"), "rb") as source:
            reader = pa.ipc.open_stream(source)
            for i, batch in enumerate(reader):
                if wanted is None:
                    yield batch
                elif wanted[i].any():
                    yield batch.filter(pa.array(wanted[i]))

    def chunk(self, name: str, index: int) -> np.ndarray:
        """The stored hashes of a field in one batch (uint64)."""
        return _unpack(self.hashes[name][index])

    def chunks(self, name: str) -> list[np.ndarray]:
        """The stored hashes of a field, packed, one array per batch."""
        return self.hashes.get(name, [])

    def row_numbers(self, index: int) -> np.ndarray:
        rows = self.rows[index]
        if isinstance(rows, tuple):
            return np.arange(rows[0], rows[0] + rows[1], dtype=np.int64)
        return rows


def _candidates(per_batch: list[np.ndarray]) -> list[np.ndarray] | None:
    """Masks of the rows whose (packed) hash occurs more than once (None: no repeats at all)."""
    if not per_batch:
        return None
    values = _repeated(_unpack(np.concatenate(per_batch)))  # a copy, sorted in place
    if not len(values):
        return None
    return [_among(_unpack(h), values) for h in per_batch]


def _picked(cols: KeyColumns, masks: list[np.ndarray], names: list[str]) -> pa.Table:
    """The candidate rows' real keys, in row order."""
    parts = [b.select([*names, ROW]) for b in cols.batches(masks)]
    if not parts:
        return pa.table({**{n: arrow_array([], pa.string()) for n in names}, ROW: []})
    return pa.Table.from_batches(parts).combine_chunks()


# -- checks -------------------------------------------------------------------------------


def _repeats(keys: list[pa.Array], rows: pa.Array) -> list[tuple[int, int]]:
    """(row, row of the previous occurrence) for every repeated key, in row order."""
    if not len(rows):
        return []
    if len(keys) == 1 and pc.count_distinct(keys[0]).as_py() == len(keys[0]):
        return []
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
    masks = _candidates(cols.chunks(name))
    if masks is None:
        return []
    picked = _picked(cols, masks, [name])
    present = pc.is_valid(picked[name])
    out = []
    for row, before in _repeats([picked[name].filter(present)], picked[ROW].filter(present)):
        out.append(Issue("unique-error", row, f"the same as in the row at position {before}", name))
    return out


def primary_key_issues(cols: KeyColumns, pk: list[str]) -> list[Issue]:
    """Primary keys that are all empty or repeated."""
    out = []
    combined = []
    for i in range(len(cols.rows)):
        parts = [cols.chunk(n, i) for n in pk]
        all_null = np.logical_and.reduce([p == NULL_HASH for p in parts])
        if all_null.any():
            out += [
                Issue("primary-key", int(row), 'cells composing the primary keys are all "None"')
                for row in cols.row_numbers(i)[all_null]
            ]
        elif len(pk) == 1:
            combined.append(cols.chunks(pk[0])[i])  # stored as it is
            continue
        h = _combined(parts)
        h[~all_null & (h == NULL_HASH)] = U64(1)
        h[all_null] = NULL_HASH  # all-empty keys are reported above, never as repeats
        combined.append(_pack(h))
    masks = _candidates(combined)
    del combined
    if masks is not None:
        picked = _picked(cols, masks, pk)
        keys = [pc.fill_null(picked[n], NULL) for n in pk]
        for row, before in _repeats(keys, picked[ROW]):
            out.append(Issue("primary-key", row, f"the same as in the row at position {before}"))
    return sorted(out, key=lambda i: i.row)


def foreign_key_issues(
    cols: KeyColumns, fk: dict[str, Any], known: set[tuple[Any, ...]], resource: str
) -> list[Issue]:
    """Rows whose foreign key is not among the referenced table's keys."""
    fields = field_list(fk["fields"])
    ref_fields = field_list(fk["reference"]["fields"])
    known_arr = arrow_array([k[0] for k in known], pa.string()) if len(fields) == 1 else None
    out = []
    for batch in cols.batches():
        values = [batch.column(f) for f in fields]
        candidates = pc.is_valid(values[0])
        for v in values[1:]:
            candidates = pc.or_(candidates, pc.is_valid(v))
        if known_arr is not None:
            candidates = pc.and_(candidates, pc.invert(pc.is_in(values[0], value_set=known_arr)))
        picked = batch.filter(candidates)
        columns = [picked.column(f).to_pylist() for f in fields]
        for row, *cells in zip(picked.column(ROW).to_pylist(), *columns, strict=True):
            if tuple(cells) in known:
                continue
            shown = ", ".join(_shown(c) for c in cells)
            note = (
                f'for "{", ".join(fields)}": values "{shown}" not found in the lookup table '
                f'"{resource}" as "{", ".join(ref_fields)}"'
            )
            out.append(Issue("foreign-key", row, note, ", ".join(fields)))
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
    out: set[tuple[Any, ...]] = set()
    for batch in cols.batches():
        columns = [batch.column(f).to_pylist() for f in fields]
        out.update(t for t in zip(*columns, strict=True) if set(t) != {None})
    return out
