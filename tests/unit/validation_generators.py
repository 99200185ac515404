"""Generated Table Schemas and CSV files across frictionless 5.21's whole input space.

Shared by the differential test (quick, derandomised) and ``benchmarks/differential.py``
(the long run). Every table is validated by this project and by frictionless; both
must report the same multiset of (row, field, error type).
"""

from __future__ import annotations

import csv
import io
import itertools
import random
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from opendata_pipeline.validate.schema import SchemaError

POOLS: dict[str, list[str]] = {
    "integer": ["1", "01", "+7", "-0", "0", " 8 ", "1.0", "x", "99999999999999999999",
                "\u0661\u0662", "1_000", "-5", "3", "\u20ac 5", "5 EUR", "12", ""],
    "number": ["1", "1.0", "1.00", "-0", "0", "0.0", "1e3", "1E+3", "1000", ".5", "5.", "NaN",
               "Infinity", "-inf", "1,5", "1.000,5", "1 000", "x", "12345678901234567", "0.1",
               "+2.5", "\u20ac 5", "2.50", ""],
    "boolean": ["true", "True", "FALSE", "1", "0", "yes", "no", "t", ""],
    "string": ["a", "abc", "A1", "b\n", "x y", "\u00fc", "Ab-12", "a,b", 'q"uote', "1", "2",
               "aaa", "ab", " a", ""],
    "date": ["2020-01-01", "2021-02-29", "2020-02-29", "2020-04-31", "2020-02-30", "2020-1-5",
             "0000-01-01", "01.02.2020", "2020-13-01", "2020-01-01T00:00:00", "29.02.2021",
             "2020/02/30", "2020/01/05", "2021-01-01", ""],
    "datetime": ["2020-01-01T10:00:00", "2020-01-01T10:00:00Z", "2020-01-01T12:00:00+02:00",
                 "2020-01-01T10:00:00.5", "2021-02-29T10:00:00", "2020-01-01 10:00:00",
                 "2020-01-01T24:00:00", "2020-01-01T10:00", "x", "2020-02-30T00:00:00", ""],
    "time": ["10:00:00", "23:59:59", "24:00:00", "10:00", "10:00:00Z", "12:00:00+02:00",
             "10:00:00.123", "1:00:00", "25:00", ""],
    "year": ["2020", "0000", "99", "+123", "20201", " 202", "1999", "2020", ""],
    "yearmonth": ["2020-01", "2020-1", "2020-13", "2020-00", "x-1", "2020-12", ""],
    "duration": ["P1Y", "PT5M", "P", "PT", "P1Y2M3DT4H5M6S", "1Y", "P1W", "-P1D", "P3D", ""],
    "geopoint": ["10,20", "10, 20", "181,0", "0,91", "-180,-90", "a,b", "10 20", "[10,20]",
                 "[10, 20]", "[181,0]", "[1]", '{"lon": 10, "lat": 20}', '{"lat": 20, "lon": 10}',
                 '{"lon": 200, "lat": 0}', "[01, 2]", '{"lon": 1, "lat": 02}', "[1e1, 2]", ""],
    "geojson": ['{"type": "Point", "coordinates": [10, 20]}',
                '{"type": "Point", "coordinates": [200, 20]}',
                '{"type": "Poin", "coordinates": [1, 2]}', "{}", "[]", "x",
                '{"type": "Point", "coordinates": [01, 2]}',
                '{"type": "Point", "coordinates": [-1.5e2, 951]}',
                '{"type":"Point","coordinates":[1,2,3]}', ""],
    "object": ["{}", '{"a": 1}', "[]", "x", '{"a": 1.0}', ' {"a": [1]}\t', '{"a": 01}',
               '{"a": 1}}', '\ufeff{}', '{"a": NaN}', ""],
    "array": ["[]", "[1, 2]", "{}", "x", "[1.0, 2]", "[1] ", "[1,]", "\u00a0[1]", ""],
    "any": ["a", "1", "", "1.0"],
}  # fmt: skip
# dates written with month names, which dateutil (format "any") reads
NAMED_DATES = ["5 March 2020", "29 February 2021", "31 April 2020", "1 March 0099", "05 May 2020"]
STRING_FORMATS: dict[str, list[str]] = {
    "email": ["a@b.de", "a.b@c-d.example.com", "a@b", "@b.de", "a@@b.de", "x.y@mail.org", ""],
    "uri": ["http://a.de", "https://x.org/p?q=1", "a.de", "http://", "mailto:x@y.z", ""],
    "uuid": ["2bc1c94f-0deb-43e9-92a1-4775189ec9f8", "2BC1C94F-0DEB-43E9-92A1-4775189EC9F8",
             "2bc1c94f0deb43e992a14775189ec9f8", "x", ""],
    "binary": ["aGVsbG8=", "aGVsbA==", "aGk", "a", "!!!!", ""],
}  # fmt: skip
FORMATS: dict[str, list[str]] = {
    "string": ["default", "email", "uri", "uuid", "binary"],
    "date": ["default", "any", "%d.%m.%Y", "%Y/%m/%d"],
    "datetime": ["default", "any", "%Y-%m-%d %H:%M:%S"],
    "time": ["default", "any", "%H:%M"],
    "geopoint": ["default", "array", "object"],
}
CONSTRAINTS: dict[str, list[str]] = {
    "any": ["required", "enum"],
    "array": ["required", "minLength", "maxLength"],
    "boolean": ["required", "enum"],
    "date": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "datetime": ["required", "enum"],
    "duration": ["required", "enum"],
    "geojson": ["required"],
    "geopoint": ["required", "enum"],
    "integer": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "number": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "object": ["required", "minLength", "maxLength"],
    "string": ["required", "minLength", "maxLength", "pattern", "enum"],
    "time": ["required", "enum"],
    "year": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "yearmonth": ["required", "enum"],
}
BOUNDS: dict[str, list[Any]] = {
    "integer": [0, 1, 5, -3, "2"],
    "number": [0, 1, 0.5, "1.5", 1000],
    "year": [2000, 1999, "2020"],
    "date": ["2020-01-01", "2020-06-30"],
}
PATTERNS = ["a.*", "[a-z]+", "[[:alpha:]]+", "a|b", "\\d+", "\\w+", "[A-Z][a-z0-9-]*", "(a+)+",
            "a{2,}", ".*", "[^,]*", "(?i)a.*", "\\s?a"]  # fmt: skip
KEYABLE = {"integer", "number", "boolean", "string", "date", "datetime", "time", "year",
           "yearmonth", "duration", "geopoint", "any"}  # fmt: skip
_COUNTER = itertools.count()
MISSING = [[""], ["", "NA"], ["NA"], [], ["", "-", "n/a"]]


@dataclass
class Case:
    """One generated table: schema, file bytes, and what it exercises."""

    schema: dict[str, Any]
    data: bytes
    features: list[str] = field(default_factory=list)


def _text(rnd: random.Random) -> str:
    """A few random characters: ASCII, digits, signs, spaces, accents, other scripts."""
    alphabet = "aZ09+-.,; :\"'\n\t\u00e9\u0663\u00a0\u20ac"
    return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 4)))


def field_descriptors(rnd: random.Random, name: str) -> tuple[dict[str, Any], list[str], list[str]]:
    """A field of any type with format, options and constraints; its value pool; features."""
    ftype = rnd.choice(sorted(POOLS))
    f: dict[str, Any] = {"name": name, "type": ftype}
    feats = [f"type:{ftype}"]
    pool = list(POOLS[ftype])
    if ftype in FORMATS:
        fmt = rnd.choice(FORMATS[ftype])
        if fmt != "default" or rnd.random() < 0.5:
            f["format"] = fmt
        feats.append(f"format:{ftype}/{fmt}")
        if ftype == "string" and fmt in STRING_FORMATS:
            pool = STRING_FORMATS[fmt] + ["a"]
        if ftype == "date" and fmt == "any":
            pool += NAMED_DATES
    if ftype == "integer" and rnd.random() < 0.5:
        f["bareNumber"] = False
        feats.append("option:bareNumber")
    if ftype == "number":
        option = rnd.choice(["", "bare", "decimal", "group", "float"])
        if option == "bare":
            f["bareNumber"] = False
        elif option == "decimal":
            f["decimalChar"], f["groupChar"] = ",", "."
        elif option == "group":
            f["groupChar"] = " "
        elif option == "float":
            f["floatNumber"] = True
        if option:
            feats.append(f"option:number/{option}")
    if ftype == "boolean" and rnd.random() < 0.5:
        f["trueValues"], f["falseValues"] = ["yes", "t"], ["no"]
        feats.append("option:trueValues")
    if rnd.randint(0, 5) == 0:
        f["missingValues"] = rnd.choice(MISSING)
        feats.append("missing:field")
    constraints: dict[str, Any] = {}
    options = CONSTRAINTS[ftype]
    for name_ in rnd.sample(options, rnd.randint(0, min(2, len(options)))):
        if name_.startswith("exclusive"):
            continue  # Table Schema v2 only: refused by both (tests/unit/test_validation_seen.py)
        value = _constraint_value(rnd, ftype, name_, pool)
        bounded = name_ not in ("required", "enum")
        if ftype == "date" and f.get("format") in DATE_BOUNDS and bounded:
            value = DATE_BOUNDS[f["format"]][0]
        constraints[name_] = value
        feats.append(f"constraint:{name_}")
    if ftype in KEYABLE and rnd.randint(0, 3) == 0:
        constraints["unique"] = True
        feats.append("constraint:unique")
    if constraints:
        f["constraints"] = constraints
    return f, pool, feats


def _constraint_value(rnd: random.Random, ftype: str, name: str, pool: list[str]) -> Any:
    if name == "required":
        return rnd.random() < 0.5
    if name == "enum":
        extra = [1, 2, 1.0] if ftype in ("string", "integer", "number") else []
        choices = [p for p in pool if p] + extra
        return [rnd.choice(choices) for _ in range(rnd.randint(1, 3))]
    if name == "pattern":
        return rnd.choice(PATTERNS)
    if name in ("minLength", "maxLength"):
        return rnd.randint(0, 3)
    return rnd.choice(BOUNDS[ftype])


DATE_BOUNDS = {"%d.%m.%Y": ["01.01.2020"], "%Y/%m/%d": ["2020/06/30"]}


@st.composite
def cases(draw: Any) -> Case:
    """A schema and a CSV file written in some dialect, with edge values and odd rows."""
    # Hypothesis picks the seed; a counter keeps repeated seeds from repeating cases,
    # and Random spreads the choices evenly (Hypothesis favours the first of each list).
    return make_case(random.Random(f"{draw(st.integers(0, 2**64))}-{next(_COUNTER)}"))


def make_case(rnd: random.Random) -> Case:
    """One case from a seeded random source (uniform over the choices below)."""
    n_fields = rnd.randint(1, 4)
    fields, pools, feats = [], [], []
    for i in range(n_fields):
        f, pool, fe = field_descriptors(rnd, f"f{i}")
        fields.append(f)
        pools.append(pool)
        feats += fe
    schema: dict[str, Any] = {"fields": fields}
    if rnd.randint(0, 2) == 0:
        schema["missingValues"] = rnd.choice(MISSING)
        feats.append("missing:schema")
    keyable = [f["name"] for f in fields if f["type"] in KEYABLE]
    if keyable and rnd.randint(0, 3) == 0:
        schema["primaryKey"] = rnd.sample(keyable, rnd.randint(1, min(2, len(keyable))))
        feats.append("constraint:primaryKey")
    if len(keyable) >= 2 and rnd.randint(0, 5) == 0:
        a, b = keyable[0], keyable[1]
        schema["foreignKeys"] = [{"fields": a, "reference": {"resource": "", "fields": b}}]
        feats.append("constraint:foreignKey(self)")
    rows = []
    for _ in range(rnd.randint(0, 8)):
        row = [_text(rnd) if rnd.randint(0, 14) == 0 else rnd.choice(pool) for pool in pools]
        rows.append(row)
    data, dfeats = _csv_bytes(rnd, [f["name"] for f in fields], rows)
    return Case(schema, data, feats + dfeats)


def _csv_bytes(
    rnd: random.Random, header: list[str], rows: list[list[str]]
) -> tuple[bytes, list[str]]:
    feats = []
    delimiter = rnd.choice([",", ",", ";", "\t", "|"])
    terminator = rnd.choice(["\n", "\r\n", "\r"])
    quoting = rnd.choice([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])
    feats += [f"dialect:delimiter {delimiter!r}", f"dialect:line end {terminator!r}"]
    if quoting == csv.QUOTE_ALL:
        feats.append("dialect:quote all")
    header = list(header)
    variant = rnd.randint(0, 9)
    if variant == 0 and header:
        header[0] = header[0] + "x"
        feats.append("header:wrong name")
    elif variant == 1:
        header.append("extra")
        feats.append("header:extra label")
    elif variant == 2 and len(header) > 1:
        header.pop()
        feats.append("header:missing label")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator, quoting=quoting)
    writer.writerow(header)
    for row in rows:
        shape = rnd.randint(0, 14)
        if shape == 0:
            out.write(terminator)
            feats.append("rows:blank line")
            continue
        if shape == 1 and row:
            row = row[:-1]
            feats.append("rows:short row")
        elif shape == 2:
            row = row + ["z"]
            feats.append("rows:long row")
        elif shape == 3:
            row = [""] * len(row)
            feats.append("rows:empty cells")
        writer.writerow(row)
    text = out.getvalue()
    if text.endswith(terminator) and rnd.randint(0, 4) == 0:
        text = text[: -len(terminator)]
        feats.append("dialect:no final line end")
    if '""' in text:
        feats.append("dialect:doubled quotes")
    encoding = rnd.choice(["utf-8", "utf-8", "utf-8", "utf-8-sig", "cp1252"])
    if encoding != "utf-8":
        feats.append(f"encoding:{encoding}")
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    return data, feats


Key = tuple[Any, Any, str]


def frictionless_keys(path: Path, schema: dict[str, Any]) -> Counter[Key] | None:
    """frictionless's findings as a multiset of (row, field, type); None when it crashes."""
    import frictionless

    try:
        with frictionless.system.use_context(trusted=True):
            resource = frictionless.Resource(
                path.name,
                basepath=str(path.parent),
                format="csv",
                schema=frictionless.Schema.from_descriptor(schema),
            )
            report = resource.validate(limit_errors=10**9)
    except Exception:
        return None
    errors = report.tasks[0].errors if report.tasks else report.errors
    out: Counter[Key] = Counter()
    for e in errors:
        name = getattr(e, "field_name", None) or ", ".join(getattr(e, "field_names", []) or [])
        out[(getattr(e, "row_number", None), name or None, e.type)] += 1
    return out


def frictionless_cannot_read_cells(schema: dict[str, Any]) -> bool:
    """Whether frictionless raises when it builds the cell readers of the schema's fields."""
    import frictionless

    try:
        for f in frictionless.Schema.from_descriptor(schema).fields:
            f.create_cell_reader()
    except Exception:  # noqa: BLE001 - any exception means it cannot read a cell
        return True
    return False


def our_keys(path: Path, schema: dict[str, Any]) -> Counter[Key]:
    """This project's findings as a multiset of (row, field, type)."""
    from opendata_pipeline.validate.engine import validate_file

    report = validate_file(path, schema, dataset="t", format="csv", cap=10**9).report
    return Counter(f.key() for f in report.findings)


@dataclass
class Tally:
    """Tables tried, oracle crashes, disagreements and feature coverage."""

    tried: int = 0
    oracle_crashed: int = 0
    schema_rejected: int = 0
    disagreements: list[tuple[Case, Counter[Key], Counter[Key]]] = field(default_factory=list)
    coverage: Counter[str] = field(default_factory=Counter)

    def compare(self, case: Case) -> bool:
        """Validate one case with both; record it; tell whether they agree."""
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "table.csv"
            path.write_bytes(case.data)
            theirs = frictionless_keys(path, case.schema)
            if theirs is None:
                self.oracle_crashed += 1
                return True
            try:
                ours = our_keys(path, case.schema)
            except SchemaError:
                if not frictionless_cannot_read_cells(case.schema):
                    raise
                # Both reject it: frictionless raises as soon as it reads a cell.
                self.schema_rejected += 1
                return True
        self.tried += 1
        self.coverage.update(set(case.features))
        if ours != theirs:
            self.disagreements.append((case, ours, theirs))
            return False
        return True

    def summary(self) -> str:
        lines = [
            f"tables tried: {self.tried:,} (frictionless crashed on {self.oracle_crashed:,} "
            f"more; {self.schema_rejected:,} schemas rejected by both)",
            f"disagreements: {len(self.disagreements)}",
            "coverage (tables per feature):",
        ]
        lines += [f"  {k}: {v:,}" for k, v in sorted(self.coverage.items())]
        return "\n".join(lines)


def required_features() -> set[str]:
    """Every type, format, constraint and dialect feature the generator can produce."""
    feats = {f"type:{t}" for t in POOLS}
    feats |= {f"format:{t}/{f}" for t, fs in FORMATS.items() for f in fs}
    feats |= {f"constraint:{c}" for cs in CONSTRAINTS.values() for c in cs}
    feats -= {"constraint:exclusiveMinimum", "constraint:exclusiveMaximum"}
    feats |= {"constraint:unique", "constraint:primaryKey", "constraint:foreignKey(self)"}
    feats |= {"missing:field", "missing:schema", "option:bareNumber", "option:trueValues"}
    feats |= {f"option:number/{o}" for o in ("bare", "decimal", "group", "float")}
    feats |= {f"dialect:delimiter {d!r}" for d in ",;\t|"}
    feats |= {f"dialect:line end {t!r}" for t in ("\n", "\r\n", "\r")}
    feats |= {"dialect:quote all", "dialect:no final line end", "dialect:doubled quotes"}
    feats |= {"header:wrong name", "header:extra label", "header:missing label"}
    feats |= {"rows:blank line", "rows:short row", "rows:long row", "rows:empty cells"}
    feats |= {"encoding:utf-8-sig", "encoding:cp1252"}
    return feats


def run_quick(tally: Tally, examples: int) -> None:
    """Compare ``examples`` generated tables (derandomised: the same ones every run)."""
    import warnings

    from hypothesis import HealthCheck, Phase, given, settings

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(cases())
    def check(case: Case) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tally.compare(case)

    check()
