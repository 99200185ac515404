"""64-bit cell and row hashes (``rowhash``): equal cells hash equal, whatever the chunks."""

from __future__ import annotations

import pyarrow as pa

from opendata_pipeline import rowhash


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
