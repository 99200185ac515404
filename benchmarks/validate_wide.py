"""Whole-process validation speed and memory: ``odp validate`` vs frictionless 5.21 ``validate()``.

Generates, with a fixed seed, a wide table (every type and string format, 15 columns) and one
2-column file (``id`` plus the typed column) per type and format, each clean and dirty (about
1 % of the typed cells broken). Every file is validated in the same run by

- ``odp validate FILE --schema S --json R --cap 1000000000`` (a fresh process), and
- a fresh Python process running ``frictionless.Resource(FILE, schema=S).validate()``,

timing the whole process (start-up and imports included) and reading each process's peak
resident memory from ``wait4``. Findings are compared as multisets of (row, field, type).

Columns hold >= 90 % distinct values except where the type has fewer values than rows
(boolean: 2, year and yearmonth: ~9,000 and ~108,000).

    .venv/bin/python benchmarks/validate_wide.py [--rows 1000000] [--only wide,date,...]

``--odp-only`` skips frictionless (and the comparison of findings): the memory run at
5,000,000 rows, whose peak is compared with the same command's at 1,000,000.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ODP = Path(sys.executable).with_name("odp")
Gen = Callable[[random.Random, int], str]


def _date(rnd: random.Random) -> tuple[int, int, int]:
    return rnd.randint(1000, 9999), rnd.randint(1, 12), rnd.randint(1, 28)


def _iso_date(rnd: random.Random, i: int) -> str:
    y, m, d = _date(rnd)
    return f"{y:04d}-{m:02d}-{d:02d}"


def _datetime(rnd: random.Random, i: int) -> str:
    y, m, d = _date(rnd)
    zone = rnd.choice(["Z", "+02:00", "-05:30", ""])
    return f"{y:04d}-{m:02d}-{d:02d}T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:00{zone}"


def _time(rnd: random.Random, i: int) -> str:
    h, m, s = rnd.randint(0, 23), rnd.randint(0, 59), rnd.randint(0, 59)
    return f"{h:02d}:{m:02d}:{s:02d}.{rnd.randint(0, 999999):06d}"


MONTHS = ["January", "March", "May", "July", "October", "December"]

# name: (field descriptor, good value, bad value)
TYPES: dict[str, tuple[dict[str, Any], Gen, Gen]] = {
    "integer": (
        {"type": "integer", "constraints": {"minimum": 0}},
        lambda r, i: str(i * 7 + r.randint(0, 6)),
        lambda r, i: f"{i}a",
    ),
    "number": (
        {"type": "number", "constraints": {"maximum": 1e9}},
        lambda r, i: f"{r.uniform(-1e6, 1e6):.4f}",
        lambda r, i: f"1,5x{i}",
    ),
    "number_de": (
        {"type": "number", "decimalChar": ",", "groupChar": "."},
        lambda r, i: f"{r.randint(1, 999)}.{r.randint(0, 999):03d},{r.randint(0, 99):02d}",
        lambda r, i: f"1,2,{i}",
    ),
    "boolean": (
        {"type": "boolean"},
        lambda r, i: r.choice(["true", "false"]),
        lambda r, i: "ja",
    ),
    "date": ({"type": "date"}, _iso_date, lambda r, i: f"{r.randint(1000, 9999)}-02-30"),
    "date_any": (
        {"type": "date", "format": "any"},
        lambda r, i: f"{r.randint(1, 28)} {r.choice(MONTHS)} {r.randint(1000, 9999)}",
        lambda r, i: f"32 May {i}",
    ),
    "date_strftime": (
        {"type": "date", "format": "%d.%m.%Y"},
        lambda r, i: "{2:02d}.{1:02d}.{0:04d}".format(*_date(r)),
        lambda r, i: f"31.02.{r.randint(1000, 9999)}",
    ),
    "time": ({"type": "time"}, _time, lambda r, i: f"25:{i % 60:02d}:00"),
    "datetime": ({"type": "datetime"}, _datetime, lambda r, i: f"2021-02-29T10:{i % 60:02d}:00"),
    "year": ({"type": "year"}, lambda r, i: str(r.randint(1000, 9999)), lambda r, i: "20x1"),
    "yearmonth": (
        {"type": "yearmonth"},
        lambda r, i: f"{r.randint(1000, 9999)}-{r.randint(1, 12):02d}",
        lambda r, i: f"{r.randint(1000, 9999)}-13",
    ),
    "duration": (
        {"type": "duration"},
        lambda r, i: f"P{r.randint(0, 999)}DT{r.randint(0, 23)}H{r.randint(0, 59)}M",
        lambda r, i: f"{i} days",
    ),
    "email": (
        {"type": "string", "format": "email"},
        lambda r, i: f"person{i}@ort{r.randint(0, 999)}.example.org",
        lambda r, i: f"person{i}-at-example.org",
    ),
    "uri": (
        {"type": "string", "format": "uri"},
        lambda r, i: f"https://daten.example.org/datensatz/{i}?v={r.randint(0, 99)}",
        lambda r, i: f"kein link {i}",
    ),
    "uuid": (
        {"type": "string", "format": "uuid"},
        lambda r, i: str(uuid.UUID(int=r.getrandbits(128), version=4)),
        lambda r, i: f"uuid-{i}",
    ),
    "pattern": (
        {"type": "string", "constraints": {"pattern": "[A-Z]{2}-[0-9]{7}", "unique": True}},
        lambda r, i: f"{'ABCDEFGH'[i % 8]}X-{i:07d}",
        lambda r, i: f"ax-{i}",
    ),
    "geopoint": (
        {"type": "geopoint"},
        lambda r, i: f"{r.uniform(-180, 180):.6f},{r.uniform(-90, 90):.6f}",
        lambda r, i: f"{r.uniform(181, 999):.6f},{r.uniform(-90, 90):.6f}",
    ),
    "geojson": (
        {"type": "geojson"},
        lambda r, i: json.dumps(
            {"type": "Point", "coordinates": [round(r.uniform(-180, 180), 6), i]}
        ),
        lambda r, i: json.dumps({"type": "Punkt", "coordinates": [1, i]}),
    ),
    "object": (
        {"type": "object"},
        lambda r, i: json.dumps({"id": i, "wert": r.randint(0, 10**6)}),
        lambda r, i: f"[{i}]",
    ),
    "array": (
        {"type": "array"},
        lambda r, i: json.dumps([i, r.randint(0, 10**6)]),
        lambda r, i: json.dumps({"id": i}),
    ),
}
WIDE = [
    "number",
    "date",
    "datetime",
    "time",
    "email",
    "uri",
    "uuid",
    "geopoint",
    "duration",
    "boolean",
    "year",
    "yearmonth",
    "number_de",
    "pattern",
]
SLOW = {"date_any", "date_strftime", "geojson"}  # per-value parsers: target 1.5x, not 5x


def schema_for(columns: list[str]) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {"name": "id", "type": "integer", "constraints": {"required": True}}
    ]
    fields += [{"name": c, **TYPES[c][0]} for c in columns]
    return {"fields": fields, "primaryKey": ["id"], "missingValues": [""]}


def generate(path: Path, columns: list[str], rows: int, dirty: bool) -> int:
    """Write a CSV; in the dirty variant about 1 % of typed cells are bad. Return bad cells."""
    rnd, bad = random.Random(15), 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["id", *columns])
        for i in range(rows):
            row = [str(i + 1)]
            for c in columns:
                _, good, wrong = TYPES[c]
                if dirty and rnd.random() < 0.01:
                    row.append(wrong(rnd, i))
                    bad += 1
                else:
                    row.append(good(rnd, i))
            out.writerow(row)
    return bad


FRICTIONLESS = """
import json, sys, warnings
warnings.simplefilter("ignore")
import frictionless
path, schema, report = sys.argv[1:4]
with frictionless.system.use_context(trusted=True):
    resource = frictionless.Resource(
        path, schema=frictionless.Schema.from_descriptor(json.load(open(schema)))
    )
    result = resource.validate(limit_errors=10**9)
errors = result.tasks[0].errors if result.tasks else result.errors
keys = []
for e in errors:
    name = getattr(e, "field_name", None) or ", ".join(getattr(e, "field_names", []) or [])
    keys.append([getattr(e, "row_number", None), name or None, e.type])
json.dump({"errors": keys}, open(report, "w"))
"""


def measure(argv: list[str]) -> tuple[float, float]:
    """Run a process; return its wall time (s) and peak resident memory (MB)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv[:3]} failed ({proc.returncode}): {err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def compare(path: Path, schema: Path, work: Path, reference: bool = True) -> dict[str, Any]:
    ours_json, theirs_json = work / "odp.json", work / "frictionless.json"
    ours = measure(
        [str(ODP), "validate", str(path), "--schema", str(schema)]
        + ["--json", str(ours_json), "--cap", str(10**9)]
    )
    if not reference:
        found = len(json.loads(ours_json.read_text())["errors"])
        return {"odp": ours, "frictionless": (float("nan"), float("nan")),
                "findings": (found, 0), "same": "not compared", "differ": []}  # fmt: skip
    theirs = measure([sys.executable, "-c", FRICTIONLESS, str(path), str(schema), str(theirs_json)])
    a = Counter(
        (e.get("row"), e.get("field"), e["type"])
        for e in json.loads(ours_json.read_text())["errors"]
    )
    b = Counter(tuple(e) for e in json.loads(theirs_json.read_text())["errors"])
    return {
        "odp": ours,
        "frictionless": theirs,
        "findings": (sum(a.values()), sum(b.values())),
        "same": a == b,
        "differ": sorted((a - b).items(), key=str)[:3] + sorted((b - a).items(), key=str)[:3],
    }


def distinct_share(path: Path, limit: int = 200_000) -> float:
    """The lowest share of distinct values over the typed columns (first ``limit`` rows)."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        seen: list[set[str]] = [set() for _ in header]
        n = 0
        for row in reader:
            for j, cell in enumerate(row):
                seen[j].add(cell)
            n += 1
            if n >= limit:
                break
    return min(len(s) / n for j, s in enumerate(seen) if j and header[j] not in LOW_CARDINALITY)


LOW_CARDINALITY = {"boolean", "year", "yearmonth"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--only", default="", help="comma-separated: wide and/or type names")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "wide")
    parser.add_argument("--odp-only", action="store_true", help="skip frictionless (memory run)")
    parser.add_argument("--variants", default="clean,dirty", help="clean and/or dirty")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    files = {"wide": WIDE, **{t: [t] for t in TYPES}}
    chosen = [n for n in files if not args.only or n in args.only.split(",")]
    print(f"rows per file: {args.rows:,}; whole process, start-up included")
    print(
        f"{'file':<22}{'variant':<7}{'odp_s':>9}{'fl_s':>9}{'ratio':>8}"
        f"{'odp_MB':>9}{'fl_MB':>8}{'findings odp/fl':>18}  same"
    )
    for name in chosen:
        columns = files[name]
        schema = args.out / f"{name}.schema.json"
        schema.write_text(json.dumps(schema_for(columns)), encoding="utf-8")
        for variant in args.variants.split(","):
            path = args.out / f"{name}-{variant}.csv"
            generate(path, columns, args.rows, variant == "dirty")
            r = compare(path, schema, args.out, reference=not args.odp_only)
            (o_s, o_mb), (f_s, f_mb) = r["odp"], r["frictionless"]
            same = r["same"] or f"False {r['differ']}"
            print(
                f"{name:<22}{variant:<7}{o_s:9.2f}{f_s:9.2f}{f_s / o_s:7.1f}x"
                f"{o_mb:9.0f}{f_mb:8.0f}{r['findings'][0]:>9,}/{r['findings'][1]:<8,}  {same}",
                flush=True,
            )
            path.unlink()
        if name == "wide":
            generate(args.out / "share.csv", columns, min(args.rows, 200_000), False)
            print(
                f"lowest distinct share (wide, bar boolean/year/yearmonth): "
                f"{distinct_share(args.out / 'share.csv'):.3f}"
            )


if __name__ == "__main__":
    main()
