"""Differential test: this project's validator against frictionless 5.21 as the oracle.

Hypothesis generates Table Schemas (every type, format, option and constraint) and CSV
files (dialects, encodings, odd rows and headers, edge values); both validators must
report the same multiset of (row, field, error type) with no error limit. A quick,
derandomised profile runs here; ``benchmarks/differential.py`` runs the long one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from opendata_pipeline.validate import engine, fastchecks

from .validation_generators import Tally, required_features, run_quick


def _run(tally: Tally) -> None:
    run_quick(tally, 330)


@pytest.fixture(scope="module")
def quick_tally() -> Tally:
    tally = Tally()
    _run(tally)
    print(tally.summary())
    for case, ours, theirs in tally.disagreements:
        print("DISAGREE", case.schema, case.data[:400], dict(ours - theirs), dict(theirs - ours))
    return tally


def test_same_findings_as_frictionless_on_generated_tables(quick_tally: Tally) -> None:
    shown = [
        (c.schema, c.data[:400], dict(o - t), dict(t - o))
        for c, o, t in quick_tally.disagreements[:3]
    ]
    assert quick_tally.disagreements == [], shown
    assert quick_tally.tried >= 250


def test_generator_covers_every_type_format_constraint_and_dialect(quick_tally: Tally) -> None:
    minimum = 2
    thin = {f: quick_tally.coverage[f] for f in required_features()}
    assert {f: n for f, n in thin.items() if n < minimum} == {}


@pytest.fixture
def rolled_over_dates(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The old bug: any day 1-31 of any month accepted (what pyarrow's strptime rolled over)."""

    def lenient(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
        return (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & (year >= 1)

    monkeypatch.setattr(fastchecks, "_calendar_ok", lenient)
    yield


@pytest.fixture
def text_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The old bug: unique and primary keys compared as the cells' text."""

    def raw(run: Any, batch: Any, checks: Any, chosen: Any, oracle_keys: Any) -> dict[str, Any]:
        out = {}
        for name in run.key_names:
            j = run.names.index(name)
            col = batch.columns[j]
            out[name] = pa.array(
                [None if checks[j].missing[i] else v for i, v in enumerate(col.to_pylist())],
                pa.string(),
            )
        return out

    monkeypatch.setattr(engine, "_keys", raw)
    yield


@pytest.mark.usefixtures("rolled_over_dates")
def test_mutation_date_roll_over_is_caught() -> None:
    tally = Tally()
    _run(tally)
    assert tally.disagreements, "the differential test cannot see impossible dates accepted"


@pytest.mark.usefixtures("text_keys")
def test_mutation_text_comparison_of_keys_is_caught() -> None:
    tally = Tally()
    _run(tally)
    assert tally.disagreements, "the differential test cannot see keys compared as text"
