"""The long differential run: generated tables validated by this project and frictionless 5.21.

Runs the generator of ``tests/unit/test_validation_differential.py`` in-process (seeded
``random.Random``, one seed per table, so a disagreement can be re-run by its number) and
prints tables tried, disagreements, the coverage (tables per feature: type, format,
constraint, option, missing values, dialect, encoding, header and rows features) and every
disagreement.

    .venv/bin/python benchmarks/differential.py [--tables 100000] [--minutes 0] [--start 0]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.unit.validation_generators import Tally, make_case, required_features  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=100_000)
    parser.add_argument("--minutes", type=float, default=0, help="stop after this (0: never)")
    parser.add_argument("--start", type=int, default=0, help="first seed")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    tally, started = Tally(), time.monotonic()
    deadline = started + args.minutes * 60 if args.minutes else float("inf")
    seed = args.start
    for seed in range(args.start, args.start + args.tables):
        if time.monotonic() > deadline:
            break
        if not tally.compare(make_case(random.Random(seed))):
            print(f"DISAGREE seed {seed}", flush=True)
        if (seed - args.start + 1) % 5000 == 0:
            print(
                f"... {seed - args.start + 1:,} tables, {len(tally.disagreements)} disagreements",
                flush=True,
            )
    else:
        seed += 1
    minutes = (time.monotonic() - started) / 60
    print(f"seeds {args.start:,}..{seed - 1:,}; {minutes:.1f} min")
    print(tally.summary())
    thin = sorted(f for f in required_features() if tally.coverage[f] < 100)
    print(f"features below 100 tables: {thin or 'none'}")
    for case, ours, theirs in tally.disagreements[:20]:
        print("DISAGREE", case.schema, case.data[:300], dict(ours - theirs), dict(theirs - ours))


if __name__ == "__main__":
    main()
