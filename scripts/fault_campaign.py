"""Publish the demo catalogue with ``odp publish`` through a proxy that fails 30 % of the
portal requests (503, reset, answer lost), for seeds 1 to 20, and check the portal after
each run: every dataset exactly at version 1.0.0, one archived version, every file matching
its sha256, the catalogue package at 1.0.0.

Starts its own throwaway portal and a temporary Prefect API; removes both afterwards.

    .venv/bin/python scripts/fault_campaign.py [--seeds 1-20] [--rate 0.3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _seeds(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-20", help="a seed or a range, e.g. 1-20")
    parser.add_argument("--rate", type=float, default=0.3, help="share of requests that fail")
    args = parser.parse_args()

    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    from tests.fault_runs import publish_through_faults
    from tests.portal_fixture import start_portal

    portal_run = start_portal(prefix="fc")
    portal = next(portal_run)
    runs = []
    try:
        with prefect_test_harness(server_startup_timeout=240):
            os.environ["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
            for seed in _seeds(args.seeds):
                with tempfile.TemporaryDirectory() as tmp:
                    run = publish_through_faults(portal, Path(tmp), seed, args.rate)
                runs.append(run)
                faults = ", ".join(f"{k} {v}" for k, v in sorted(run.faults.items()))
                verdict = "ok" if run.exit_code == 0 and not run.problems else "FAILED"
                print(
                    f"seed {seed:2d}: exit {run.exit_code}, {run.seconds:5.1f} s, "
                    f"{run.requests} requests, faults: {faults}; {verdict}",
                    flush=True,
                )
                for problem in run.problems:
                    print(f"    {problem}")
                if run.exit_code:
                    print("    " + run.output.replace("\n", "\n    "))
    finally:
        portal_run.close()
    ok = [r for r in runs if r.exit_code == 0 and not r.problems]
    requests = sum(r.requests for r in runs)
    faults = sum(sum(r.faults.values()) for r in runs)
    print(
        f"runs: {len(runs)}, succeeded: {len(ok)}, inconsistent end states: "
        f"{sum(1 for r in runs if r.problems)}"
    )
    print(f"requests: {requests}, failed by the proxy: {faults} ({faults / max(requests, 1):.0%})")
    print(f"slowest run: {max(r.seconds for r in runs):.1f} s (4 datasets and the package)")
    return 0 if len(ok) == len(runs) else 1


if __name__ == "__main__":
    sys.exit(main())
