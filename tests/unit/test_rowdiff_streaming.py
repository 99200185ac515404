"""The streaming row diff (hashes in blocks) counts as the whole-table comparison did."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opendata_pipeline.publish import rowdiff
from opendata_pipeline.publish.artifacts import published_frame
from opendata_pipeline.publish.rowdiff import RowDiff, row_diff


def reference(old: bytes | None, new: bytes, key: list[str]) -> RowDiff:
    """The whole-table comparison (pandas frames of both versions) it replaces."""
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


cells = st.sampled_from(["", "a", "b", "Aachen", "1", "1.0", "x y"])


@st.composite
def tables(draw: st.DrawFn, columns: list[str]) -> bytes:
    ids = draw(st.sets(st.integers(0, 30), max_size=25))
    rows = [{"id": str(i), **{c: draw(cells) for c in columns if c != "id"}} for i in ids]
    return pd.DataFrame(rows, columns=columns).to_csv(index=False).encode()


@settings(max_examples=150, deadline=None)
@given(
    st.data(),
    st.sampled_from([["id", "a", "b"], ["id", "a"], ["id", "b", "c"]]),
    st.sampled_from([["id", "a", "b"], ["id", "a"], ["id", "a", "c"]]),
    st.booleans(),
)
def test_same_counts_as_the_whole_table_comparison(
    data: st.DataObject, old_cols: list[str], new_cols: list[str], first: bool
) -> None:
    old = None if first else data.draw(tables(old_cols))
    new = data.draw(tables(new_cols))
    block, rowdiff.BLOCK_BYTES = rowdiff.BLOCK_BYTES, 32  # several blocks per table
    try:
        assert row_diff(old, new, ["id"]) == reference(old, new, ["id"])
    finally:
        rowdiff.BLOCK_BYTES = block


def test_without_a_usable_key_whole_rows_are_compared(monkeypatch: pytest.MonkeyPatch) -> None:
    # (the whole-table comparison miscounted here: a MultiIndex of all columns)
    monkeypatch.setattr(rowdiff, "BLOCK_BYTES", 16)
    old = b"id,a,b\n9,,\n0,,\n"
    new = b"id,a,c\n0,,\n1,,\n"
    assert row_diff(old, new, ["c"]) == RowDiff(added=1, removed=1, changed=0)
    assert row_diff(b"id,a,b\n", new, []) == RowDiff(added=2, removed=0, changed=0)


def test_quoting_does_not_count_as_a_change() -> None:
    old = b'id,a\n1,"x, y"\n2,"b"\n3,""\n'
    new = b'id,a\n1,"x, y"\n2,b\n3,\n4,"zwei\nZeilen"\n'
    assert row_diff(old, new, ["id"]) == RowDiff(added=1, removed=0, changed=0)


def test_cells_are_told_apart_by_their_bytes_not_only_their_set() -> None:
    # same bytes in other columns or another order: a change
    old = b"id,a,b\n1,ab,\n2,x,y\n"
    new = b"id,a,b\n1,a,b\n2,y,x\n"
    assert row_diff(old, new, ["id"]) == RowDiff(added=0, removed=0, changed=2)


def test_hashes_of_staged_files_are_kept_and_reused(tmp_path: Path) -> None:
    old, new = tmp_path / "t-old.csv", tmp_path / "t-new.csv"
    old.write_bytes(b"id,a\n1,x\n2,y\n")
    new.write_bytes(b"id,a\n1,x\n2,z\n3,w\n")
    assert row_diff(old, new, ["id"], cache=tmp_path) == RowDiff(1, 0, 1)
    kept = sorted(p.name for p in tmp_path.glob("*.rowhashes.npy"))
    assert len(kept) == 2 and all(k.startswith(("t-old.csv.", "t-new.csv.")) for k in kept)
    old.write_bytes(b"id,a\n7,q\n")  # a staged file never changes: its kept hashes count
    assert row_diff(old, new, ["id"], cache=tmp_path) == RowDiff(1, 0, 1)
    # outside the stage nothing is kept
    elsewhere = tmp_path / "x"
    elsewhere.mkdir()
    other = elsewhere / "t.csv"
    other.write_bytes(new.read_bytes())
    assert row_diff(other, new, ["id"], cache=tmp_path) == RowDiff(0, 0, 0)
    assert not list(elsewhere.glob("*.npy"))
