"""Validation speed and faithfulness: this project vs frictionless 5.21 on 1,000,000 rows.

Generates a 7-column CSV (integer primary key, number with bounds, ISO date,
string enum, unique string with pattern, required string, bounded integer),
validates it with both engines in separate processes (peak memory per
process), then does the same with an error-seeded copy and compares the
findings as (row, field, error type) sets.

    .venv/bin/python benchmarks/validate_1m.py [--rows 1000000] [--out benchmarks/out]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"required": True}},
        {"name": "betrag", "type": "number", "constraints": {"minimum": 0, "maximum": 1000000}},
        {"name": "datum", "type": "date"},
        {
            "name": "kategorie",
            "type": "string",
            "constraints": {"enum": ["Daten", "Lernen", "Portale", "Region", "Rathaus"]},
        },
        {
            "name": "kennung",
            "type": "string",
            "constraints": {"pattern": "[A-Z]{2}-[0-9]{7}", "unique": True},
        },
        {"name": "name", "type": "string", "constraints": {"required": True}},
        {
            "name": "menge",
            "type": "integer",
            "constraints": {"required": True, "minimum": 0, "maximum": 100000},
        },
    ],
    "primaryKey": ["id"],
    "missingValues": [""],
}
CATEGORIES = ["Daten", "Lernen", "Portale", "Region", "Rathaus"]
CITIES = ["Aachen", "Wuppertal", "Gelsenkirchen", "Paderborn", "Soest", "Bielefeld", "Iserlohn"]


def generate(path: Path, rows: int, seed_errors: int = 0) -> int:
    """Write the benchmark CSV; optionally seed errors of every kind. Return errors seeded."""
    rnd = random.Random(42)
    bad_rows = set(rnd.sample(range(rows), seed_errors)) if seed_errors else set()
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("id,betrag,datum,kategorie,kennung,name,menge\n")
        for i in range(rows):
            row = [
                str(i + 1),
                f"{rnd.randint(0, 999999)}.{rnd.randint(0, 99):02d}",
                f"20{rnd.randint(10, 25)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
                CATEGORIES[i % 5],
                f"{'ABCDEFGH'[i % 8]}X-{i:07d}",
                CITIES[i % 7],
                str(rnd.randint(0, 100000)),
            ]
            if i in bad_rows:
                kind = rnd.randrange(9)
                if kind == 0:
                    row[1] = "zwölf"  # type error, number
                elif kind == 1:
                    row[2] = f"{rnd.randint(1, 28):02d}.11.2020"  # German date
                elif kind == 2:
                    row[3] = "Verkehr"  # enum
                elif kind == 3:
                    row[4] = "xx-1"  # pattern
                elif kind == 4:
                    row[5] = ""  # required
                elif kind == 5:
                    row[6] = "-5"  # minimum
                elif kind == 6:
                    row[0] = str(max(1, i - 3))  # duplicate primary key
                elif kind == 7:
                    row[4] = f"AX-{0:07d}"  # duplicate unique value
                else:
                    row = row[:5]  # ragged: missing cells
            fh.write(",".join(row) + "\n")
    return len(bad_rows)


WARM_UP = b"id,betrag,datum,kategorie,kennung,name,menge\n1,1.5,2020-11-09,Daten,AX-0000001,A,1\n"


def _child(engine: str, path: str) -> None:
    """Run one engine in this process and print JSON with time, memory and findings.

    Imports and a first 1-row validation (lazy imports, caches) are excluded for both engines.
    """
    if engine == "odp":
        from opendata_pipeline.validate.engine import Target, validate_bytes

        validate_bytes(Target("warm", "warm.csv", WARM_UP), SCHEMA)
        started = time.perf_counter()  # imports excluded for both engines
        report = validate_bytes(
            Target("bench", path, Path(path).read_bytes()), SCHEMA, cap=10**9
        ).report
        keys = [list(f.key()) for f in report.findings]
        rows = report.rows
    else:
        import frictionless

        with frictionless.system.use_context(trusted=True):
            frictionless.Resource(
                WARM_UP, format="csv", schema=frictionless.Schema.from_descriptor(SCHEMA)
            ).validate()
        started = time.perf_counter()
        with frictionless.system.use_context(trusted=True):
            res = frictionless.Resource(path, schema=frictionless.Schema.from_descriptor(SCHEMA))
            rep = res.validate(limit_errors=10**9)
        errors = rep.tasks[0].errors
        keys = [
            [
                e.to_descriptor().get("rowNumber"),
                e.to_descriptor().get("fieldName") or None,
                e.to_descriptor()["type"],
            ]
            for e in errors
        ]
        rows = int(rep.tasks[0].stats.get("rows") or 0)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": rows, "findings": keys}))


def run(engine: str, path: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", engine, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--errors", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    clean, seeded = args.out / "bench_clean.csv", args.out / "bench_seeded.csv"
    generate(clean, args.rows)
    n_seeded = generate(seeded, args.rows, args.errors)
    print(f"file: {clean} ({clean.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows, 7 columns)")
    results = {}
    for label, path in (("clean", clean), ("seeded", seeded)):
        ours, theirs = run("odp", path), run("frictionless", path)
        results[label] = (ours, theirs)
        r_ours = args.rows / float(ours["seconds"])  # type: ignore[arg-type]
        r_theirs = args.rows / float(theirs["seconds"])  # type: ignore[arg-type]
        print(f"\n[{label}]")
        print(
            f"  odp:          {ours['seconds']:8.2f} s  {r_ours:12,.0f} rows/s  "
            f"peak {ours['peak_mb']:7.0f} MB  findings {len(ours['findings']):,}"
        )  # type: ignore[arg-type]
        print(
            f"  frictionless: {theirs['seconds']:8.2f} s  {r_theirs:12,.0f} rows/s  "
            f"peak {theirs['peak_mb']:7.0f} MB  findings {len(theirs['findings']):,}"
        )  # type: ignore[arg-type]
        print(f"  ratio (odp / frictionless throughput): {r_ours / r_theirs:.1f}x")
        a = {tuple(k) for k in ours["findings"]}  # type: ignore[attr-defined]
        b = {tuple(k) for k in theirs["findings"]}  # type: ignore[attr-defined]
        print(
            f"  same (row, field, type) set: {a == b}  "
            f"(only odp: {len(a - b)}, only frictionless: {len(b - a)})"
        )
    print(f"\nerror rows seeded: {n_seeded:,}")


if __name__ == "__main__":
    main()
