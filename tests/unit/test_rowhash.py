"""64-bit cell and row hashes (``rowhash``) and the repeats found through them."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from opendata_pipeline import rowhash
from opendata_pipeline.validate import keys as K


def test_equal_cells_hash_equal_whatever_the_chunks_slices_or_nulls() -> None:
    values = ["", "a", "ab", "ba", "a", "Äpfel", "", "x" * 300]
    whole = rowhash.cell_hashes(pa.array(values, pa.string()))
    chunked = pa.chunked_array([pa.array(values[:3]), pa.array(values[3:])])
    assert list(rowhash.cell_hashes(chunked)) == list(whole)
    large = rowhash.cell_hashes(pa.array(values, pa.large_string()))
    assert list(large) == list(whole)
    assert list(rowhash.cell_hashes(pa.array(values).slice(2, 3))) == list(whole[2:5])
    assert rowhash.cell_hashes(pa.array([None], pa.string()))[0] == whole[0]
    assert whole[1] == whole[4] and whole[0] == whole[6]
    assert len({int(h) for h in whole}) == 6  # the six distinct values


def test_repeating_marks_every_entry_of_a_repeated_hash() -> None:
    hashes = np.array([5, 1, 5, 2, 1, 9], dtype=np.uint64)
    assert list(rowhash.repeating(hashes)) == [True, True, True, False, True, False]
    assert not rowhash.repeating(np.array([3], dtype=np.uint64)).any()


def test_repeats_are_exact_even_when_hashes_collide(monkeypatch: pytest.MonkeyPatch) -> None:
    # every key hashes alike: the exact comparison alone must tell repeats from others
    monkeypatch.setattr(K, "cell_hashes", lambda column: np.zeros(len(column), np.uint64))
    keys = [pa.array(["a", "b", "a", "c", "b"], pa.string())]
    rows = pa.array([2, 3, 4, 5, 6], pa.int64())
    assert K._repeats(keys, rows) == [(4, 2), (6, 3)]


def test_no_repeat_without_a_repeated_key() -> None:
    keys = [pa.array([str(i) for i in range(1000)], pa.string())]
    assert K._repeats(keys, pa.array(range(2, 1002), pa.int64())) == []
