"""Kill the portal at every kill point of a publish, restart it, re-run; print the figures.

Usage: ``.venv/bin/python scripts/crash_campaign.py [--stock] [--only KIND] [--limit N]``

Starts a throwaway portal (CKAN 2.12 with ckanext-odp, or ``--stock``: the same
CKAN without it), publishes a table, derives the kill points of one publish by
instrumentation (every API request, before and after the portal handled it,
and every file the portal writes to its storage), then for each point: publish a
new version, SIGKILL gunicorn (master and workers) at that point, restart it,
check what a reader sees, run the publish again normally and check that it
converged to exactly one new version with every sha256 matching
(``tests/crashing.py``). The portal is removed afterwards.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from opendata_pipeline.dev.kind import PortalKind  # noqa: E402
from tests.crashing import Campaign  # noqa: E402
from tests.portal_fixture import start_portal  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stock", action="store_true", help="a portal without ckanext-odp")
    parser.add_argument("--limit", type=int, default=0, help="try only the first N points")
    parser.add_argument(
        "--only", choices=["request", "response", "write"], help="only kill points of this kind"
    )
    args = parser.parse_args()
    kind = PortalKind("2.12", stock=True) if args.stock else None
    portals = start_portal("t", kind)
    portal = next(portals)
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            campaign = Campaign(portal, Path(tmp), "crash-campaign")
            points, actions, writes = campaign.kill_points()
            print(f"portal: CKAN 2.12 {'stock' if args.stock else 'with ckanext-odp'}")
            print(f"requests of one publish: {len(actions)}: {' '.join(actions)}")
            print(f"storage writes of one publish: {len(writes)}")
            points = [p for p in points if args.only in (None, p[0])]
            points = points[: args.limit] if args.limit else points
            print(f"kill points: {len(points)}", flush=True)
            outcomes = []
            for point in points:
                outcome = campaign.run(point)
                outcomes.append(outcome)
                what = "; ".join(outcome.inconsistent) or "consistent"
                print(
                    f"  {point[0]:8} {point[1]:3}  killed={'yes' if outcome.fired else 'no'}"
                    f"  after kill: {outcome.after_kill} ({what})"
                    f"{'  DataStore lags' if outcome.datastore_lag else ''}"
                    f"{'  EMPTY TABLE SEEN' if outcome.empty_table else ''}"
                    f"  re-run: {'converged' if outcome.converged else outcome.problems}",
                    flush=True,
                )
    finally:
        portals.close()
    fired = sum(o.fired for o in outcomes)
    torn = sum(bool(o.inconsistent) for o in outcomes)
    lag = sum(o.datastore_lag for o in outcomes)
    empty = sum(o.empty_table for o in outcomes)
    converged = sum(o.converged for o in outcomes)
    print(f"points tried: {len(outcomes)} (portal killed: {fired})")
    print(f"inconsistent states after the kill: {torn}")
    print(f"DataStore behind the metadata after the kill: {lag}")
    print(f"empty or partial tables seen by the reader: {empty}")
    print(f"re-runs converged: {converged} of {len(outcomes)}")
    print(f"seconds: {time.monotonic() - started:.0f}")
    return 0 if converged == len(outcomes) and empty == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
