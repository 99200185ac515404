"""Cells a spreadsheet would run as formulas are reported as warnings, not errors (unless asked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa

from opendata_pipeline.validate.engine import validate_file
from opendata_pipeline.validate.fastchecks import formula_cells

DATA = Path(__file__).resolve().parents[1] / "data" / "formulas"
TABLE, SCHEMA = DATA / "formula-cells.csv", DATA / "formula-cells.schema.json"
FLAGGED = [(2, "name", "=SUM(A1:A9)"), (3, "formel", "@user"), (4, "name", "-Stadt")]
FLAGGED += [(5, "name", "+x"), (5, "formel", "=1+1")]


def test_which_cells_are_formulas() -> None:
    cells = ["=A1", "@x", "-Stadt", "+x", "=1+1", "-2020-01-01", "-5", "+49 221 12345"]
    cells += ["-1.5e3", "-51.93,-19.39", "-", "", "a=b"]
    found = formula_cells(pa.array(cells, pa.string())).tolist()
    assert found == [True] * 6 + [False] * 7


def test_formula_cells_are_warnings_by_default() -> None:
    report = validate_file(TABLE, json.loads(SCHEMA.read_text()), dataset="f").report
    assert report.valid and report.findings == []
    assert [(w.row, w.field, w.cell) for w in report.warnings] == FLAGGED
    assert report.warnings_total == 5
    assert report.to_dict()["warnings"][0] == {
        "type": "formula-cell",
        "message": "row 2, field 'name': '=SUM(A1:A9)' starts with '='; a spreadsheet would "
        "run it as a formula",
        "row": 2,
        "field": "name",
        "field_number": 2,
        "cell": "=SUM(A1:A9)",
    }
    assert "**Warning**: 5 cell(s) start like a spreadsheet formula" in report.to_markdown()


def test_formula_cells_fail_when_asked() -> None:
    report = validate_file(
        TABLE, json.loads(SCHEMA.read_text()), dataset="f", formula_cells="fail"
    ).report
    assert not report.valid
    assert [f.key() for f in report.findings] == [(r, f, "formula-cell") for r, f, _ in FLAGGED]


def test_odp_validate_exits_0_on_warnings_and_1_with_formula_cells_fail() -> None:
    odp = Path(sys.executable).with_name("odp")
    base = [str(odp), "validate", str(TABLE)]
    base += ["--schema", str(SCHEMA)]
    warned = subprocess.run(base, capture_output=True, text=True, timeout=120)
    failed = subprocess.run(
        [*base, "--formula-cells", "fail"], capture_output=True, text=True, timeout=120
    )
    assert (warned.returncode, failed.returncode) == (0, 1)
    assert "**Valid**: 4 rows" in warned.stdout and "**Warning**" in warned.stdout
    assert "**Invalid**: 5 error(s)" in failed.stdout
