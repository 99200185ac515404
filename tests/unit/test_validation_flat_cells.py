"""Regex fast path for flat JSON cells (object, array) and geopoint ranges, against frictionless.

Cells on either side of each bound and shape (leading zeros, exponents, trailing commas,
whitespace, a BOM, nested values); an ``arrayItem`` field is left to frictionless.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from opendata_pipeline.validate.engine import validate_file

from .validation_generators import frictionless_keys


def test_flat_json_and_geopoint_ranges_as_frictionless(tmp_path: Path) -> None:
    """The regex fast path for flat JSON cells and geopoint ranges (no key involved)."""
    cells = {
        "o": ['{"a": 1, "b": "x"}', ' {"a":[1]} ', '{"a": 1,}', "{}", '{"a": "\\u00e9"}',
              '{"a": NaN}', "[1]", '{"a": 1e400}', '\ufeff{"a": 1}', '{"a": 01}'],
        "r": ["[1, 2]", "[]", '["a", null, true]', "[1,]", '[{"a": 1}]', "{}", " [ ] ", "[-0]",
              "[1e5]", "[.5]"],
        "g": ["180,90", "180.0000000001,0", "-180.0, -90.0", "099.5,089.9", "0,090",
              "0,090.1", "179.9999999999,-89.9999999999", "1,2,3", "181,0", "0, 91"],
        "j": ["[180, 90]", "[180.0000000001, 0]", "[-90.5, -90.0]", "[01, 2]", "[0, 090]",
              "[1,2]", "[179.5,-89.5]", "[1]", "[-0, -0.0]", "[18e1, 0]"],
    }  # fmt: skip
    schema = {
        "fields": [
            {"name": "o", "type": "object"},
            {"name": "r", "type": "array"},
            {"name": "g", "type": "geopoint"},
            {"name": "j", "type": "geopoint", "format": "array"},
            {"name": "n", "type": "array", "arrayItem": {"type": "integer"}},
        ]
    }
    items = ["[1, 2]", '["a"]', "[]", "[1.5]", "[3]", "[]", "[1]", "[2]", "[x]", "[4]"]
    lines = ["o,r,g,j,n"] + [
        ",".join('"' + c[i].replace('"', '""') + '"' for c in [*cells.values(), items])
        for i in range(10)
    ]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = frictionless_keys(path, schema)
    assert expected is not None and sum(expected.values()) >= 15
    report = validate_file(path, schema, dataset="t", format="csv", cap=10**9, batch_rows=4).report
    assert Counter(f.key() for f in report.findings) == expected
