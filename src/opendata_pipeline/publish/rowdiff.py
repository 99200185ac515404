"""Rows added, removed and changed between two versions of a table, by primary key.

Streams: each version is read with Arrow's CSV reader in blocks of about 1 MB, every
cell as text, and reduced to two 64-bit hashes per row (its key and its whole row),
so memory grows by 16 bytes per row, not by the table. The hashes are computed over
the cells' bytes with NumPy (:mod:`..rowhash`), never per Python object: a
1,000,000-row table takes about a second. Two different keys or rows with the same
64-bit hash would be miscounted; the chance is about n²/2⁶⁵ (10⁻⁷ for 1,000,000 rows).

The hashes of a file in the ``cache`` folder (the stage, where files are named by
their sha256 and never change) are kept beside it, so that the next version is
compared with them without reading the previous table again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..rowhash import cell_hashes, combined

if TYPE_CHECKING:  # imported where rows are compared: a no-op run never does
    import numpy as np
    import pyarrow as pa

#: Bytes of CSV read per block (each block's hashing needs about 40 times as much).
BLOCK_BYTES = 1 << 20


@dataclass(frozen=True)
class RowDiff:
    """Counts of rows added, removed and changed (same key, other values)."""

    added: int
    removed: int
    changed: int

    def summary(self) -> str:
        return f"{self.added} added, {self.removed} removed, {self.changed} changed"


def columns_of(path: Path) -> list[str]:
    """The header of a CSV file (UTF-8)."""
    import pyarrow.csv as pacsv

    with pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES)) as reader:
        return list(reader.schema.names)


def _blocks(path: Path) -> Iterator[pa.RecordBatch]:
    """A CSV file's rows in blocks, every cell a string (empty cells '')."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = columns_of(path)
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    with reader:
        yield from reader


def _cache_path(path: Path, columns: list[str], key: list[str]) -> Path:
    shape = hashlib.sha256(json.dumps([columns, key]).encode()).hexdigest()[:16]
    return path.with_name(f"{path.name}.{shape}.rowhashes.npy")


def table_hashes(
    path: Path, columns: list[str], key: list[str], cache: Path | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the hash of its key and of the whole row (over ``columns``, missing = '').

    Args:
        cache: the folder whose files never change under their names (the stage): the
            hashes of a file in it are read from, or written to, a file beside it.
    """
    import numpy as np

    cached = _cache_path(path, columns, key) if cache and path.parent == cache else None
    if cached is not None and cached.exists():
        both = np.load(cached)
        return both[0], both[1]
    keys, rows = [], []
    with np.errstate(over="ignore"):
        empty_cell: np.ndarray | None = None
        for block in _blocks(path):
            n = block.num_rows
            present = set(block.schema.names)
            cells: dict[str, np.ndarray] = {}
            for name in columns:
                if name in present:
                    cells[name] = cell_hashes(block.column(name))
                else:
                    if empty_cell is None:
                        import pyarrow as pa

                        empty_cell = cell_hashes(pa.array([""], pa.string()))
                    cells[name] = np.repeat(empty_cell, n)
            keys.append(combined([cells[k] for k in key], n))
            rows.append(combined(list(cells.values()), n))
    if not keys:
        empty = np.empty(0, dtype=np.uint64)
        return empty, empty
    key_hashes, row_hashes = np.concatenate(keys), np.concatenate(rows)
    if cached is not None:
        _save(cached, np.stack([key_hashes, row_hashes]))
    return key_hashes, row_hashes


def _save(path: Path, array: Any) -> None:
    """Write an array through a temporary name (a reader never sees half of it)."""
    import numpy as np

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npy")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, array)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def row_count(path: Path) -> int:
    """The number of rows of a CSV file (header excluded)."""
    return sum(block.num_rows for block in _blocks(path))


def _as_file(data: bytes | Path, folder: Path) -> Path:
    if isinstance(data, Path):
        return data
    path = folder / f"table-{hashlib.sha256(data).hexdigest()}.csv"
    path.write_bytes(data)
    return path


def row_diff(
    old: bytes | Path | None, new: bytes | Path, key: list[str], cache: Path | None = None
) -> RowDiff:
    """Compare two CSV versions (bytes or files) by ``key`` (whole rows when there is no key).

    Columns only one side has count as empty on the other side.

    Args:
        cache: the stage folder: hashes of files in it are kept beside them and reused.
    """
    import numpy as np

    with tempfile.TemporaryDirectory(prefix="odp-rowdiff-") as tmp:
        new_path = _as_file(new, Path(tmp))
        if old is None:
            return RowDiff(row_count(new_path), 0, 0)
        old_path = _as_file(old, Path(tmp))
        new_columns, old_columns = columns_of(new_path), columns_of(old_path)
        columns = list(dict.fromkeys([*new_columns, *old_columns]))
        usable = [k for k in key if k in old_columns and k in new_columns]
        if not usable or len(usable) < len(key):
            usable = columns
        old_keys, old_rows = table_hashes(old_path, columns, usable, cache)
        new_keys, new_rows = table_hashes(new_path, columns, usable, cache)
    old_k, old_r = _first_of_each_key(old_keys, old_rows)
    del old_keys, old_rows
    new_k, new_r = _first_of_each_key(new_keys, new_rows)
    del new_keys, new_rows
    common = changed = 0
    if len(old_k) and len(new_k):
        at = np.searchsorted(old_k, new_k)  # where each new key is, or would be, in the old
        np.minimum(at, len(old_k) - 1, out=at)
        found = old_k[at] == new_k
        common = int(found.sum())
        changed = int((old_r[at[found]] != new_r[found]).sum())
    return RowDiff(len(new_k) - common, len(old_k) - common, changed)


def _first_of_each_key(keys: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct key hashes, sorted, and the row hash of each one's first row.

    Sorts in one pass with one index array (8 bytes a row), where ``np.unique`` with
    indices and ``np.intersect1d`` needed several: a new version of 5,000,000 rows
    peaked at 1 GB in the comparison.
    """
    import numpy as np

    order = np.argsort(keys, kind="stable")  # stable: the first row of a key comes first
    keys, rows = keys[order], rows[order]
    del order
    first = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    return keys[first], rows[first]
