"""The outside corpus: frictionless-py's own ``data/`` files, compared like the differential test.

Every table of ``tests/data/frictionless/`` (copied from the frictionless 5.21.0 sdist,
see its README) is validated against each schema listed for it in ``cases.json`` by this
project and by frictionless 5.21 reading the file as a table; both must report the same
multiset of (row, field, error type) with no error limit.
"""

from __future__ import annotations

import copy
import json
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import frictionless
import pytest
from frictionless.resources import TableResource

from opendata_pipeline.validate.engine import validate_file

DATA = Path(__file__).resolve().parents[1] / "data" / "frictionless"
CASES: list[dict[str, Any]] = json.loads((DATA / "cases.json").read_text())

Key = tuple[int | None, str | None, str]

# frictionless 5.21 raises TypeError ("unhashable type") on a unique or primary key over
# object / array values (README, "frictionless bugs"). For these cases the oracle runs
# without those key checks and this project's own key findings are listed here.
UNHASHABLE_KEY_CASES: dict[str, Counter[Key]] = {
    "tables/geopoint__data__geopoint-object.csv": Counter(),
    "tables/issue-833.csv": Counter({(3, None, "primary-key"): 1}),
    "tables/package-dialect-no-header.csv": Counter(),
    "tables/issue-1293__sample.json": Counter(),
}


def frictionless_findings(path: Path, schema: dict[str, Any]) -> Counter[Key]:
    """frictionless's findings for the file read as a table."""
    with warnings.catch_warnings(), frictionless.system.use_context(trusted=True):
        warnings.simplefilter("ignore")
        resource = TableResource(
            path=path.name,
            basepath=str(path.parent),
            schema=frictionless.Schema.from_descriptor(schema),
        )
        report = resource.validate(limit_errors=10**9)
    errors = report.tasks[0].errors if report.tasks else report.errors
    out: Counter[Key] = Counter()
    for e in errors:
        name = getattr(e, "field_name", None) or ", ".join(getattr(e, "field_names", []) or [])
        out[(getattr(e, "row_number", None), name or None, e.type)] += 1
    return out


def our_findings(path: Path, schema: dict[str, Any]) -> Counter[Key]:
    """This project's findings, as ``odp validate`` reads the file (format from its suffix)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = validate_file(path, schema, dataset="t", cap=10**9).report
    return Counter(f.key() for f in report.findings)


def without_unhashable_keys(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema without unique / primary keys over object and array values."""
    out = copy.deepcopy(schema)
    kinds = {f["name"]: f.get("type") for f in out["fields"]}
    for f in out["fields"]:
        if f.get("type") in ("object", "array", "geojson"):
            f.get("constraints", {}).pop("unique", None)
    if any(kinds.get(n) in ("object", "array", "geojson") for n in out.get("primaryKey", [])):
        out.pop("primaryKey")
    return out


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['table'].removeprefix('tables/')} [{case['how']}]"


def test_corpus_spans_formats_outcomes_and_schemas() -> None:
    tables = {c["table"] for c in CASES}
    assert tables == {f"tables/{p.name}" for p in (DATA / "tables").iterdir()}
    suffixes = Counter(Path(t).suffix for t in tables)
    assert suffixes[".csv"] >= 80 and suffixes[".xlsx"] >= 10
    assert suffixes[".json"] >= 2 and suffixes[".tsv"] >= 1
    hows = Counter(c["how"].split(",")[0] for c in CASES)
    assert hows["inferred by frictionless"] == len(tables)
    assert sum(n for h, n in hows.items() if h.startswith("schema of")) >= 20


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_same_findings_as_frictionless(case: dict[str, Any]) -> None:
    path, schema = DATA / case["table"], case["schema"]
    ours = our_findings(path, schema)
    try:
        theirs = frictionless_findings(path, schema)
    except TypeError as exc:
        assert "unhashable" in str(exc) and case["table"] in UNHASHABLE_KEY_CASES
        theirs = frictionless_findings(path, without_unhashable_keys(schema))
        theirs += UNHASHABLE_KEY_CASES[case["table"]]
    assert ours == theirs


def test_corpus_has_invalid_tables_of_every_kind() -> None:
    kinds: Counter[str] = Counter()
    for case in CASES:
        if case["table"].endswith((".xlsx", ".json", ".tsv")) or "required" in case["how"]:
            kinds.update(k[2] for k in our_findings(DATA / case["table"], case["schema"]))
    assert {"type-error", "constraint-error", "unique-error", "primary-key"} <= set(kinds)
