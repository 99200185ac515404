"""64-bit hashes of Arrow string columns and of rows, computed with NumPy.

Used where a whole table's rows are compared (the row diff of a new version):
a hash per cell from its bytes, without a Python object per cell. Equal cells
always hash equal; different ones collide with a chance of about 2⁻⁶⁴ per pair,
so callers either accept that (counting) or check the rows whose hashes repeat.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where tables are hashed
    import numpy as np
    import pyarrow as pa

#: Cells hashed at a time (the per-byte work arrays take about 40 bytes per byte).
SLICE_ROWS = 65_536


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, element-wise (uint64, wrapping)."""
    import numpy as np

    u = np.uint64
    x = x ^ (x >> u(30))
    x *= u(0xBF58476D1CE4E5B9)
    x ^= x >> u(27)
    x *= u(0x94D049BB133111EB)
    mixed: np.ndarray = x ^ (x >> u(31))
    return mixed


def cell_hashes(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A 64-bit hash per cell of a string column, from its bytes and length.

    Each byte is mixed with its position in the cell, the mixed values are summed per
    cell (``np.add.reduceat`` over the Arrow offsets), and the sum is mixed with the
    length: no Python object per cell. Null cells hash as empty ones.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    parts = [np.empty(0, dtype=np.uint64)]
    with np.errstate(over="ignore"):
        for chunk in chunks:
            if chunk.null_count:
                chunk = pc.fill_null(chunk, "")
            # slices: the per-byte arrays stay small whatever the column's length
            for at in range(0, len(chunk), SLICE_ROWS):
                parts.append(_hashed(chunk.slice(at, SLICE_ROWS)))
    return np.concatenate(parts)


def _hashed(column: pa.Array) -> np.ndarray:
    import numpy as np
    import pyarrow as pa

    u = np.uint64
    width = np.int64 if pa.types.is_large_string(column.type) else np.int32
    n = len(column)
    _validity, offsets_buf, data_buf = column.buffers()
    offsets = np.frombuffer(
        offsets_buf, dtype=width, count=n + 1, offset=column.offset * np.dtype(width).itemsize
    ).astype(np.int64)
    start, end = int(offsets[0]), int(offsets[-1])
    lengths = np.diff(offsets)
    if end == start:
        data = np.empty(0, dtype=np.uint8)
    else:
        data = np.frombuffer(data_buf, dtype=np.uint8, count=end - start, offset=start)
    starts = offsets[:-1] - start
    within = np.arange(end - start, dtype=np.int64) - np.repeat(starts, lengths)
    terms = _mix((within.astype(u) << u(8)) | data.astype(u))
    sums = np.add.reduceat(np.append(terms, u(0)), np.minimum(starts, end - start))
    sums[lengths == 0] = 0
    return _mix(sums + lengths.astype(u) * u(0x9E3779B97F4A7C15))


def combined(parts: list[np.ndarray], n: int) -> np.ndarray:
    """One hash per row from the hashes of its cells, in column order."""
    import numpy as np

    u = np.uint64
    out = np.full(n, u(0x243F6A8885A308D3), dtype=u)
    with np.errstate(over="ignore"):
        for part in parts:
            out = _mix(out * u(0x100000001B3) + part)
    return out
