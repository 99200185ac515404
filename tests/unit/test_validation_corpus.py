"""The bad-input corpus: every file's findings are asserted, and equal frictionless's own.

Faithfulness is measured on (row, field, error type), the way frictionless names them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import frictionless
import pytest

from opendata_pipeline.validate.engine import Target, validate_bytes

DATA = Path(__file__).resolve().parents[1] / "data" / "validation"
SCHEMAS = {
    p.name.split(".")[0]: json.loads(p.read_text()) for p in (DATA / "schemas").glob("*.json")
}
EXPECTED: dict[str, dict[str, Any]] = json.loads((DATA / "expected.json").read_text())

Key = tuple[int | None, str | None, str]


def _sorted(keys: list[Key]) -> list[Key]:
    return sorted(keys, key=lambda k: (k[0] or 0, k[1] or "", k[2]))


def ours(name: str) -> tuple[list[Key], Any]:
    case = EXPECTED[name]
    lookups = None
    if case["schema"] == "verweise":
        regions = validate_bytes(
            Target("regionen", "regionen.csv", (DATA / "regionen.csv").read_bytes()),
            SCHEMAS["regionen"],
        )
        assert regions.report.valid
        lookups = regions.lookups
    report = validate_bytes(
        Target("t", name, (DATA / name).read_bytes()), SCHEMAS[case["schema"]], lookups
    ).report
    return _sorted([f.key() for f in report.findings]), report


def frictionless_keys(name: str) -> list[Key]:
    case = EXPECTED[name]
    with frictionless.system.use_context(trusted=True):
        if case["schema"] == "verweise":
            package = frictionless.Package(
                {
                    "resources": [
                        {"name": "regionen", "path": "regionen.csv", "schema": SCHEMAS["regionen"]},
                        {"name": "verweise", "path": name, "schema": SCHEMAS["verweise"]},
                    ]
                },
                basepath=str(DATA),
            )
            report = package.validate()
            errors = [e for t in report.tasks if t.name == "verweise" for e in t.errors]
        else:
            report = frictionless.Resource(
                str(DATA / name), schema=frictionless.Schema.from_descriptor(SCHEMAS["basis"])
            ).validate()
            errors = report.tasks[0].errors if report.tasks else report.errors
    keys = []
    for error in errors:
        d = error.to_descriptor()
        field = d.get("fieldName") or ", ".join(d.get("fieldNames", [])) or None
        keys.append((d.get("rowNumber"), field, d["type"]))
    return _sorted(keys)


def test_corpus_is_large_and_covers_every_error_type() -> None:
    files = {p.name for p in DATA.glob("*.csv")} - {"regionen.csv"}
    assert files == set(EXPECTED) and len(files) >= 25
    kinds = {f[2] for case in EXPECTED.values() for f in case["findings"]}
    assert kinds >= {
        "type-error",
        "constraint-error",
        "unique-error",
        "primary-key",
        "foreign-key",
        "missing-label",
        "extra-label",
        "duplicate-label",
        "blank-label",
        "incorrect-label",
        "blank-row",
        "extra-cell",
        "missing-cell",
        "source-error",
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_findings_are_as_expected_and_equal_frictionless(name: str) -> None:
    expected = _sorted([tuple(f) for f in EXPECTED[name]["findings"]])  # type: ignore[misc]
    mine, report = ours(name)
    assert mine == expected
    assert frictionless_keys(name) == expected
    assert report.valid == (not expected)
    for finding in report.findings:
        assert finding.message and (finding.row is None or f"row {finding.row}" in finding.message)


def test_report_names_dataset_file_row_field_and_value() -> None:
    _, report = ours("german-dates.csv")
    first = report.to_dict()["errors"][0]
    assert first == {
        "type": "type-error",
        "row": 5,
        "field": "datum",
        "field_number": 3,
        "cell": "30.11.2020",
        "note": 'type is "date/default"',
        "message": "row 5, field 'datum': '30.11.2020' is not a valid value (type date as "
        "YYYY-MM-DD)",
    }
    md = report.to_markdown()
    assert "**Invalid**: 2 error(s) in 5 rows. Not publishable until fixed." in md
    assert "| Wrong type (`type-error`) | 2 |" in md


def test_errors_are_capped_per_type_but_counted_in_full() -> None:
    rows = "\n".join(f"{i},N{i},kaputt,1,Daten,AB-{i:04d},true" for i in range(1, 251))
    data = ("id,name,datum,betrag,kategorie,kennung,aktiv\n" + rows + "\n").encode()
    report = validate_bytes(Target("t", "t.csv", data), SCHEMAS["basis"], cap=100).report
    assert report.counts == {"type-error": 250}
    assert len(report.findings) == 100 and report.to_dict()["errors_total"] == 250
