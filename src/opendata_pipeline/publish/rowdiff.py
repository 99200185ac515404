"""Rows added, removed and changed between two versions of a table, by primary key."""

from __future__ import annotations

from dataclasses import dataclass

from .artifacts import published_frame


@dataclass(frozen=True)
class RowDiff:
    """Counts of rows added, removed and changed (same key, other values)."""

    added: int
    removed: int
    changed: int

    def summary(self) -> str:
        return f"{self.added} added, {self.removed} removed, {self.changed} changed"


def row_diff(old: bytes | None, new: bytes, key: list[str]) -> RowDiff:
    """Compare two CSV versions by ``key`` (whole rows when there is no key).

    Columns only one side has count as empty on the other side.
    """
    new_frame = published_frame(new)
    if old is None:
        return RowDiff(len(new_frame), 0, 0)
    old_frame = published_frame(old)
    columns = list(dict.fromkeys([*new_frame.columns, *old_frame.columns]))
    old_frame = old_frame.reindex(columns=columns, fill_value="")
    new_frame = new_frame.reindex(columns=columns, fill_value="")
    usable = [k for k in key if k in old_frame.columns and k in new_frame.columns]
    if not usable or len(usable) < len(key):
        usable = columns
    old_idx = old_frame.set_index(usable, drop=False)
    new_idx = new_frame.set_index(usable, drop=False)
    old_keys, new_keys = set(old_idx.index), set(new_idx.index)
    common = sorted(old_keys & new_keys, key=str)
    changed = 0
    if common:
        a = old_idx.loc[common, columns].to_numpy()
        b = new_idx.loc[common, columns].to_numpy()
        changed = int((a != b).any(axis=1).sum())
    return RowDiff(len(new_keys - old_keys), len(old_keys - new_keys), changed)
