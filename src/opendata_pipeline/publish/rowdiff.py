"""Rows added, removed and changed between two versions of a table, by primary key.

Streams: each version is read in batches and reduced to two 64-bit hashes per row
(its key and its whole row), so memory grows by 16 bytes per row, not by the
table. Two different keys or rows with the same 64-bit hash would be miscounted;
the chance is about n²/2⁶⁵ (10⁻⁷ for 1,000,000 rows).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where rows are compared: a no-op run never does
    import numpy as np
    import pandas as pd

BATCH_ROWS = 200_000


@dataclass(frozen=True)
class RowDiff:
    """Counts of rows added, removed and changed (same key, other values)."""

    added: int
    removed: int
    changed: int

    def summary(self) -> str:
        return f"{self.added} added, {self.removed} removed, {self.changed} changed"


def _source(data: bytes | Path) -> io.BytesIO | Path:
    return io.BytesIO(data) if isinstance(data, bytes) else data


def _batches(data: bytes | Path) -> Iterator[pd.DataFrame]:
    """A published CSV (bytes or a file) in batches, every cell a string, empty cells ''."""
    import pandas as pd

    yield from pd.read_csv(
        _source(data),
        dtype=str,
        keep_default_na=False,
        encoding="utf-8",
        chunksize=BATCH_ROWS,
    )


def _columns(data: bytes | Path) -> list[str]:
    import pandas as pd

    return [str(c) for c in pd.read_csv(_source(data), dtype=str, nrows=0).columns]


def _row_hashes(frame: pd.DataFrame) -> np.ndarray:
    import pandas as pd

    return pd.util.hash_pandas_object(frame, index=False, categorize=False).to_numpy()


def _hashes(
    data: bytes | Path, columns: list[str], key: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the hash of its key and of the whole row (over ``columns``, missing = '')."""
    import numpy as np

    keys, rows = [], []
    for batch in _batches(data):
        batch = batch.reindex(columns=columns, fill_value="")
        keys.append(_row_hashes(batch[key]))
        rows.append(_row_hashes(batch))
    if not keys:
        empty = np.empty(0, dtype=np.uint64)
        return empty, empty
    return np.concatenate(keys), np.concatenate(rows)


def row_diff(old: bytes | Path | None, new: bytes | Path, key: list[str]) -> RowDiff:
    """Compare two CSV versions (bytes or files) by ``key`` (whole rows when there is no key).

    Columns only one side has count as empty on the other side.
    """
    import numpy as np

    if old is None:
        return RowDiff(sum(len(b) for b in _batches(new)), 0, 0)
    new_columns, old_columns = _columns(new), _columns(old)
    columns = list(dict.fromkeys([*new_columns, *old_columns]))
    usable = [k for k in key if k in old_columns and k in new_columns]
    if not usable or len(usable) < len(key):
        usable = columns
    old_keys, old_rows = _hashes(old, columns, usable)
    new_keys, new_rows = _hashes(new, columns, usable)
    old_k, first = np.unique(old_keys, return_index=True)
    old_r = old_rows[first]
    new_k, first = np.unique(new_keys, return_index=True)
    new_r = new_rows[first]
    common, in_old, in_new = np.intersect1d(old_k, new_k, assume_unique=True, return_indices=True)
    changed = int((old_r[in_old] != new_r[in_new]).sum())
    return RowDiff(len(new_k) - len(common), len(old_k) - len(common), changed)
