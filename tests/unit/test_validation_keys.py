"""Key checks on 64-bit hashes with an exact second pass (``validate/keys.py``).

Memory keeps a hash per key cell; only rows whose hash repeats are compared on their
real keys. These tests force collisions with tiny hash functions and show that the
findings stay exactly frictionless's (and exactly those of the real hash).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from opendata_pipeline.validate import keys
from opendata_pipeline.validate.engine import validate_file

from .validation_generators import Tally, frictionless_keys, run_quick

Hasher = Any


def _constant(arr: pa.Array) -> np.ndarray:
    """Every present key collides with every other."""
    h = np.ones(len(arr), dtype=np.uint64)
    h[np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)] = keys.NULL_HASH
    return h


def _by_length(arr: pa.Array) -> np.ndarray:
    """Three buckets by the key's length: many collisions between different keys."""
    length = pc.fill_null(pc.utf8_length(arr), 0).to_numpy(zero_copy_only=False)
    h = (np.asarray(length, dtype=np.uint64) % np.uint64(3)) + np.uint64(1)
    h[np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)] = keys.NULL_HASH
    return h


class Counting:
    """A tiny hasher that also counts the rows it hashed and the colliding ones it saw."""

    def __init__(self, inner: Hasher) -> None:
        self.inner = inner
        self.rows = 0

    def __call__(self, arr: pa.Array) -> np.ndarray:
        self.rows += len(arr)
        result: np.ndarray = self.inner(arr)
        return result


@pytest.fixture(params=[_constant, _by_length], ids=["constant", "by-length"])
def tiny_hash(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Counting]:
    hasher = Counting(request.param)
    monkeypatch.setattr(keys, "key_hashes", hasher)
    yield hasher


def _ours(path: Path, schema: dict[str, Any], batch_rows: int = 3) -> Counter[Any]:
    report = validate_file(
        path, schema, dataset="t", format="csv", cap=10**9, batch_rows=batch_rows
    ).report
    return Counter(f.key() for f in report.findings)


def _details(path: Path, schema: dict[str, Any]) -> list[tuple[Any, ...]]:
    report = validate_file(path, schema, dataset="t", format="csv", cap=10**9, batch_rows=3).report
    return [(f.row, f.field, f.type, f.message) for f in report.findings]  # in report order


SCHEMA = {
    "fields": [
        {"name": "a", "type": "integer"},
        {"name": "b", "type": "number", "constraints": {"unique": True}},
        {"name": "s", "type": "string", "constraints": {"unique": True}},
        {"name": "t", "type": "datetime"},
    ],
    "primaryKey": ["a", "t"],
}
ROWS = [
    "a,b,s,t",
    "1,1,ab,2020-01-01T10:00:00Z",
    "2,1.0,ba,2020-01-01T10:00:00Z",
    "1,2.00,ab,2020-01-01T12:00:00+02:00",  # pk = row 2's (same instant); s = row 2's
    "3,NaN,cd,",
    "3,NaN,dc,",  # NaN never repeats; pk (3, empty) repeats row 5's
    ",,q,",  # all-empty primary key
    "4,-0,x,2021-05-05T00:00:00",
    "5,0,y,2021-05-05T00:00:00",  # -0 == 0
    "6,2,ab,2021-05-05T00:00:00",  # s repeats rows 2 and 4: reported against row 4
    "7,7,zz,2022-01-01T00:00:00",
]


def test_forced_collisions_give_frictionless_findings(tmp_path: Path, tiny_hash: Counting) -> None:
    path = tmp_path / "t.csv"
    path.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    expected = frictionless_keys(path, SCHEMA)
    assert expected is not None
    found = _ours(path, SCHEMA)
    assert tiny_hash.rows >= 3 * 10  # a, t and the two unique fields went through it
    assert found == expected
    assert found[(4, None, "primary-key")] == 1 and found[(6, None, "primary-key")] == 1
    assert found[(7, None, "primary-key")] == 1  # all empty
    assert found[(3, "b", "unique-error")] == 1 and found[(9, "b", "unique-error")] == 1
    assert found[(10, "b", "unique-error")] == 1
    assert found[(4, "s", "unique-error")] == 1 and found[(10, "s", "unique-error")] == 1
    assert sum(found.values()) == 8


def test_forced_collisions_change_no_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.csv"
    path.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    real = _details(path, SCHEMA)
    for tiny in (_constant, _by_length):
        monkeypatch.setattr(keys, "key_hashes", tiny)
        assert _details(path, SCHEMA) == real
    assert any("the same as in the row at position 4" in r[3] for r in real)  # the latest one


def test_generated_tables_agree_with_frictionless_under_collisions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(keys, "key_hashes", _by_length)
    tally = Tally()
    run_quick(tally, 120)
    shown = [(c.schema, c.data[:300], dict(o - t), dict(t - o)) for c, o, t in tally.disagreements]
    assert tally.disagreements == [], shown[:3]
    assert tally.coverage["constraint:unique"] + tally.coverage["constraint:primaryKey"] >= 20


def test_key_hashes_equal_keys_equal_hashes() -> None:
    values = ["n:1", "", "s:ä€", None, "n:1", "x" * 5000, "", None, "s:ä€"]
    arr = pa.array(values, pa.string())
    h = keys.key_hashes(arr)
    assert h.dtype == np.uint64 and len(h) == len(values)
    assert h[3] == h[7] == keys.NULL_HASH
    assert keys.NULL_HASH not in h[[0, 1, 2, 4, 5, 6, 8]]
    assert h[0] == h[4] and h[1] == h[6] and h[2] == h[8]
    assert len({int(x) for x in h[[0, 1, 2, 5]]}) == 4
    # the same keys hash the same however they are held: slices, large strings, chunks
    assert list(keys.key_hashes(arr.slice(4, 5))) == list(h[4:])
    assert list(keys.key_hashes(arr.cast(pa.large_string()))) == list(h)
    chunked = pa.chunked_array([arr.slice(0, 2), arr.slice(2)])
    assert list(keys.key_hashes(chunked)) == list(h)  # type: ignore[arg-type]
    assert len(keys.key_hashes(pa.array([], pa.string()))) == 0
    assert list(keys.key_hashes(pa.array([None, None], pa.string()))) == [0, 0]


def test_key_hashes_spread_distinct_keys() -> None:
    texts = [f"s:{i}" for i in range(200_000)] + [f"n:{i}.5" for i in range(200_000)]
    h = keys.key_hashes(pa.array(texts, pa.string()))
    assert len(np.unique(h)) == len(texts)
    one_byte = keys.key_hashes(pa.array([chr(c) for c in range(1, 256)], pa.string()))
    assert len(np.unique(one_byte)) == 255


def test_stored_hashes_keep_empty_and_present_apart() -> None:
    h = np.array([0, 1, 1 << 40, (1 << 40) + 7, 2**64 - 1], dtype=np.uint64)
    packed = keys._pack(h)
    assert packed.shape == (5, keys.STORED_BITS // 8) and packed.dtype == np.uint8
    back = keys._unpack(packed)
    assert list(back) == [0, 1, 1, 7, (1 << keys.STORED_BITS) - 1]  # 1 << 40: present, not empty
