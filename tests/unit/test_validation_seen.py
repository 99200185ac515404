"""Every case of issue 15's "What was seen", through `odp validate`, against frictionless 5.21.

Each test failed on the code before issue 15 (run with ODP_UNDER_TEST naming that
checkout's `odp` to see it) and passes now.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import frictionless
import pytest

ROOT = Path(__file__).resolve().parents[2]
ODP = os.environ.get("ODP_UNDER_TEST", str(Path(sys.executable).parent / "odp"))
PYTHON = str(Path(ODP).parent / "python")

Key = tuple[Any, Any, str]


def odp(
    path: Path, schema: Any, tmp: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    schema_file = tmp / "schema.json"
    text = schema if isinstance(schema, str) else json.dumps(schema)
    schema_file.write_text(text, encoding="utf-8")
    return subprocess.run(
        [ODP, "validate", str(path), "--schema", str(schema_file), "--json", str(tmp / "r.json"),
         "--cap", "100000"],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def ours(path: Path, schema: Any, tmp: Path) -> Counter[Key]:
    done = odp(path, schema, tmp)
    assert done.returncode in (0, 1), done.stderr
    report = json.loads((tmp / "r.json").read_text())
    return Counter((e.get("row"), e.get("field"), e["type"]) for e in report["errors"])


def theirs(path: Path, schema: dict[str, Any]) -> Counter[Key]:
    with frictionless.system.use_context(trusted=True):
        resource = frictionless.Resource(
            path.name, basepath=str(path.parent), schema=frictionless.Schema.from_descriptor(schema)
        )
        report = resource.validate(limit_errors=10**9)
    errors = report.tasks[0].errors if report.tasks else report.errors
    return Counter(
        (getattr(e, "row_number", None), getattr(e, "field_name", None) or None, e.type)
        for e in errors
    )


def same(tmp: Path, name: str, data: bytes, schema: dict[str, Any]) -> Counter[Key]:
    path = tmp / name
    path.write_bytes(data)
    expected = theirs(path, schema)
    assert ours(path, schema, tmp) == expected
    return expected


def test_impossible_dates_are_type_errors(tmp_path: Path) -> None:
    schema = {"fields": [{"name": "d", "type": "date"}]}
    found = same(tmp_path, "t.csv", b"d\n2021-02-29\n2020-04-31\n2020-02-30\n2020-02-29\n", schema)
    assert found == Counter({(2, "d", "type-error"): 1, (3, "d", "type-error"): 1,
                             (4, "d", "type-error"): 1})  # fmt: skip


@pytest.mark.parametrize(
    ("ftype", "cells", "duplicates"),
    [
        ("number", ["1", "1.0", "1.00"], 2),
        ("number", ["-0", "0"], 1),
        ("integer", ["1", "01", "+1"], 2),
        ("datetime", ["2020-01-01T10:00:00Z", "2020-01-01T12:00:00+02:00"], 1),
        ("number", ["NaN", "NaN"], 0),
    ],
)
def test_keys_compare_typed_values(
    tmp_path: Path, ftype: str, cells: list[str], duplicates: int
) -> None:
    schema = {"fields": [{"name": "k", "type": ftype, "constraints": {"unique": True}}],
              "primaryKey": ["k"]}  # fmt: skip
    data = ("k\n" + "\n".join(cells) + "\n").encode()
    found = same(tmp_path, "t.csv", data, schema)
    assert found[(len(cells) + 1, "k", "unique-error")] == (1 if duplicates else 0)
    assert sum(n for k, n in found.items() if k[2] == "primary-key") == duplicates


def test_field_missing_values_are_used(tmp_path: Path) -> None:
    schema = {"fields": [{"name": "n", "type": "integer", "missingValues": ["-"]},
                         {"name": "m"}]}  # fmt: skip
    assert same(tmp_path, "t.csv", b"n,m\n1,a\n-,b\n,c\n", schema) == Counter(
        {(4, "n", "type-error"): 1}
    )


def test_posix_class_in_pattern_is_not_a_class_for_python(tmp_path: Path) -> None:
    schema = {"fields": [{"name": "s", "type": "string",
                          "constraints": {"pattern": "[[:alpha:]]+"}}]}  # fmt: skip
    found = same(tmp_path, "t.csv", b"s\nabc\n:a]\n", schema)
    assert found[(2, "s", "constraint-error")] == 1


def test_numeric_enum_on_a_string_field(tmp_path: Path) -> None:
    schema = {"fields": [{"name": "s", "type": "string", "constraints": {"enum": [1, 2]}}]}
    assert same(tmp_path, "t.csv", b"s\n1\n2\n", schema) == Counter(
        {(2, "s", "constraint-error"): 1, (3, "s", "constraint-error"): 1}
    )


def test_doubled_quotes_when_the_sniffer_says_otherwise(tmp_path: Path) -> None:
    # Like frictionless-py's data/doublequote.csv: Python's sniffer reports doublequote=False,
    # frictionless reads with doubled quotes all the same.
    rows = ['"a","b","n"'] + [f'"x{i}","say \'""hi""\'.",{i}' for i in range(5)]
    schema = {"fields": [{"name": "a"}, {"name": "b"}, {"name": "n", "type": "integer"}]}
    assert same(tmp_path, "t.csv", ("\n".join(rows) + "\n").encode(), schema) == Counter()


def test_integer_with_plus_sign(tmp_path: Path) -> None:
    schema = {"fields": [{"name": "n", "type": "integer", "constraints": {"unique": True}}]}
    same(tmp_path, "t.csv", b"n\n+7\n7\n", schema)


def test_carriage_return_line_endings(tmp_path: Path) -> None:
    schema = {"fields": [{"name": "a", "type": "integer"}, {"name": "b"}]}
    same(tmp_path, "t.csv", b"a,b\r1,x\r\r2,y\rz,w\r", schema)


BAD_SCHEMAS = {
    "inline-flag": json.dumps({"fields": [{"name": "a", "type": "string",
                                           "constraints": {"pattern": "a(?i)b"}}]}),
    "empty": "{}",
    "list": "[]",
    "syntax": '{"fields": [',
    "unknown-type": json.dumps({"fields": [{"name": "a", "type": "strin"}]}),
    "exclusive-v1": json.dumps({"fields": [{"name": "a", "type": "integer",
                                            "constraints": {"exclusiveMinimum": 1}}]}),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BAD_SCHEMAS))
def test_bad_schema_is_one_line_exit_2(tmp_path: Path, name: str) -> None:
    data = tmp_path / "t.csv"
    data.write_bytes(b"a\nab\n")
    done = odp(data, BAD_SCHEMAS[name], tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "schema.json" in lines[0], done.stderr


def _xlsx(path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [["id", "name"], [1, "a"], [2, "b"], [3, "c"]]:
        sheet.append(row)
    book.save(path)


def test_xlsx_and_json_are_read_as_such(tmp_path: Path) -> None:
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]}
    _xlsx(tmp_path / "t.xlsx")
    (tmp_path / "t.json").write_text(json.dumps([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]))
    for name in ("t.xlsx", "t.json"):
        assert theirs(tmp_path / name, schema) == Counter()
        assert ours(tmp_path / name, schema, tmp_path) == Counter()


@pytest.mark.timeout(90)
def test_hostile_pattern_on_a_long_cell_does_not_hang(tmp_path: Path) -> None:
    schema = {"fields": [{"name": "s", "type": "string", "constraints": {"pattern": "(a+)+$"}}]}
    path = tmp_path / "t.csv"
    path.write_bytes(b"s\n" + b"a" * 50_000 + b"!\naaa\n")
    assert ours(path, schema, tmp_path) == Counter({(2, "s", "constraint-error"): 1})


CLEAN_TYPES = [
    ("integer", {}, "12"), ("integer", {"bareNumber": False}, "12 EUR"),
    ("number", {}, "1.5"), ("number", {"decimalChar": ",", "groupChar": "."}, "1.000,5"),
    ("boolean", {}, "true"), ("string", {"format": "email"}, "a@b.de"),
    ("string", {"format": "uri"}, "https://a.de/x"),
    ("string", {"format": "uuid"}, "2bc1c94f-0deb-43e9-92a1-4775189ec9f8"),
    ("date", {}, "2020-02-29"), ("date", {"format": "%d.%m.%Y"}, "29.02.2020"),
    ("datetime", {}, "2020-01-01T10:00:00Z"), ("time", {}, "10:00:00"),
    ("year", {}, "2020"), ("yearmonth", {}, "2020-02"), ("duration", {}, "P1DT2H"),
    ("geopoint", {}, "7.1,51.2"), ("object", {}, '{"a": 1}'), ("array", {}, "[1]"),
    ("geojson", {}, '{"type": "Point", "coordinates": [7, 51]}'), ("any", {}, "x"),
    ("geojson", {}, '{"type": "Point", "coordinates": [-1.5e2, 951]}'),
    ("date", {"format": "any"}, "5 March 2020"), ("date", {"format": "any"}, "2020-03-05"),
]  # fmt: skip


def test_valid_files_of_every_type_need_no_frictionless(tmp_path: Path) -> None:
    fields = [{"name": f"c{i}", "type": t, **o} for i, (t, o, _) in enumerate(CLEAN_TYPES)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([[f["name"] for f in fields]] + [[v for _, _, v in CLEAN_TYPES]] * 10)
    path = tmp_path / "t.csv"
    path.write_text(out.getvalue())
    (tmp_path / "schema.json").write_text(json.dumps({"fields": fields}))
    code = (
        "import json, sys; from pathlib import Path\n"
        "from opendata_pipeline.validate.step import validate_path\n"
        f"r = validate_path(Path({str(path)!r}), json.loads(Path({str(tmp_path / 'schema.json')!r}).read_text()))\n"  # noqa: E501
        "print(json.dumps([r.valid, sorted(m for m in ('frictionless', 'prefect') if m in sys.modules)]))\n"  # noqa: E501
    )  # fmt: skip
    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [True, []], done.stderr[-2000:]


def test_memory_does_not_grow_with_the_table(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w") as fh:
        fh.write(",".join(f"c{j}" for j in range(12)) + "\n")
        for i in range(150_000):
            fh.write(",".join(f"{i * 12 + j}" for j in range(12)) + "\n")
    schema = {"fields": [{"name": f"c{j}", "type": "integer"} for j in range(12)]}
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    code = (
        "import json, resource, sys; from pathlib import Path\n"
        "from opendata_pipeline.validate.step import validate_path\n"
        "import pyarrow.csv, pandas  # imported by pyarrow's conversions anyway\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"r = validate_path(Path({str(path)!r}), json.loads(Path({str(tmp_path / 'schema.json')!r}).read_text()))\n"  # noqa: E501
        "print(json.dumps([r.valid, r.rows, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024]))\n"  # noqa: E501
    )  # fmt: skip
    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, cwd=ROOT)
    valid, rows, grown_mb = json.loads(done.stdout.strip().splitlines()[-1])
    assert (valid, rows) == (True, 150_000)
    assert grown_mb < 120, f"peak memory grew by {grown_mb} MB for a 17 MB file"


def test_json_coordinates_with_leading_zeros_are_no_json(tmp_path: Path) -> None:
    # json.loads refuses "01": frictionless reports a type error, the fast path once did not
    schema = {"fields": [{"name": "a", "type": "geopoint", "format": "array"},
                         {"name": "o", "type": "geopoint", "format": "object"},
                         {"name": "g", "type": "geojson"}]}  # fmt: skip
    rows = [["[01, 2]", '{"lon": 1, "lat": 02}', '{"type": "Point", "coordinates": [01, 2]}'],
            ["[1, 2]", '{"lon": 1, "lat": 2}', '{"type": "Point", "coordinates": [1, 2]}'],
            ["[1.5, -0]", '{"lon": -0.5, "lat": 0}',
             '{"type": "Point", "coordinates": [1e3, 95]}']]  # fmt: skip
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([["a", "o", "g"], *rows])
    assert same(tmp_path, "t.csv", out.getvalue().encode(), schema) == Counter(
        {(2, "a", "type-error"): 1, (2, "o", "type-error"): 1, (2, "g", "type-error"): 1}
    )


def test_dates_in_format_any_with_month_names(tmp_path: Path) -> None:
    schema = {"fields": [{"name": "d", "type": "date", "format": "any",
                          "constraints": {"unique": True, "minimum": "1500-01-01"}}]}  # fmt: skip
    cells = ["5 March 2020", "2020-03-05", "29 February 2021", "31 April 2020", "1 March 0099",
             "05 May 1999", "12 May 1499", "29 February 2020", "1 march 2020",
             "32 May 2000"]  # fmt: skip
    found = same(tmp_path, "t.csv", ("d\n" + "\n".join(cells) + "\n").encode(), schema)
    assert found[(3, "d", "unique-error")] == 1  # 2020-03-05 twice
    assert found[(4, "d", "type-error")] == 1 and found[(5, "d", "type-error")] == 1
