"""The rows themselves that a small change added, removed or changed, for the history.

Pure. ``rowdiff`` counts what changed for any size; this lists the rows when few
differ, so that the version history can show them. It reads both versions into
memory, so it runs only for tables up to :data:`MAX_ROWS` rows. Rows are matched by
64-bit hashes of their key and content: two different rows share one with
probability about n^2 / 2^65, and then a row would be missing from the list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .artifacts import published_frame

if TYPE_CHECKING:  # imported where rows are compared: a no-op run never does
    import numpy as np
    import pandas as pd

#: At most this many rows added, removed and changed in total are listed one by one.
LIMIT = 10
#: Larger tables get counts only (both versions are read into memory here).
MAX_ROWS = 200_000


def row_details(
    old: bytes, new: bytes, key: list[str], limit: int = LIMIT
) -> list[dict[str, Any]] | None:
    """The rows that differ between two CSV versions by ``key`` (whole rows without one).

    Returns None when more than ``limit`` rows differ; else one entry per row:
    ``{"change": "added"|"removed", "row": {...}}`` or
    ``{"change": "changed", "key": {...}, "fields": {name: [old, new]}}``.
    Columns only one side has count as empty on the other side.
    """
    import numpy as np
    import pandas as pd

    new_frame, old_frame = published_frame(new), published_frame(old)
    columns = list(dict.fromkeys([*new_frame.columns, *old_frame.columns]))
    old_frame = old_frame.reindex(columns=columns, fill_value="")
    new_frame = new_frame.reindex(columns=columns, fill_value="")
    usable = [k for k in key if k in old_frame.columns and k in new_frame.columns]
    if not usable or len(usable) < len(key):
        usable = columns
    # rows are found by hashes of their key and of their whole content (vectorised)
    old_keys, old_rows = _hashes(old_frame, usable), _hashes(old_frame, columns)
    new_keys, new_rows = _hashes(new_frame, usable), _hashes(new_frame, columns)
    old_at, new_at = _positions(old_keys), _positions(new_keys)
    found = old_at.index.get_indexer(pd.Index(new_keys))  # -1: the key is not in the old version
    added = np.flatnonzero(found < 0)
    removed = np.flatnonzero(new_at.index.get_indexer(pd.Index(old_keys)) < 0)
    if len(added) + len(removed) > limit:
        return None
    both = np.flatnonzero(found >= 0)
    before = old_at.to_numpy()[found]  # old row of each new row (garbage where -1)
    changed = both[old_rows[before[both]] != new_rows[both]]
    if len(added) + len(removed) + len(changed) > limit:
        return None
    details = [{"change": "added", "row": _row(new_frame, int(i))} for i in added]
    details += [{"change": "removed", "row": _row(old_frame, int(i))} for i in removed]
    for i in changed:
        after, previous = _row(new_frame, int(i)), _row(old_frame, int(before[i]))
        fields = {c: [previous[c], after[c]] for c in columns if previous[c] != after[c]}
        row_key = {c: after[c] for c in usable}
        details.append({"change": "changed", "key": row_key, "fields": fields})
    return details


def _positions(keys: np.ndarray) -> pd.Series:
    """Key hash -> row position (the first row where a key occurs twice)."""
    import numpy as np
    import pandas as pd

    first = ~pd.Index(keys).duplicated()
    return pd.Series(np.flatnonzero(first), index=keys[first])


def _hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    import pandas as pd

    return pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()


def _row(frame: pd.DataFrame, position: int) -> dict[str, str]:
    return {str(c): str(v) for c, v in frame.iloc[int(position)].items()}
