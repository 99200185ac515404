"""No-op and first-publish speed of ``odp``, measured through the command line.

1. No-op: ``odp publish`` and ``odp plan`` of the unchanged catalogue on the local
   portal, with this project's Prefect server running (every run is recorded on it):
   median of 5 warm runs each, after one run that publishes whatever is pending.
   Against them, ``python -c 'import prefect'`` and a flow with one task that does
   nothing (in a fresh process, recorded on the same server). The four are timed one
   after the other in each of the 5 rounds, so load beside them weighs on all alike.
   Then one ``odp publish`` under cProfile: where the time goes.
2. First publication: the four datasets into a fresh portal instance through
   ``odp publish`` (validation, versions, data packages, DataStore included), against
   the plain ``ckanapi`` command line uploading the same CSV files and schemas
   (one ``package_create`` and one ``resource_create`` per file), in the same run.

Targets (issue "one visible pipeline"): no-op <= import prefect + 1.0 s; first
publication <= import prefect + 2 x ckanapi.

    .venv/bin/odp demo   # or: odp portal up && odp server up
    .venv/bin/python benchmarks/noop.py [--runs 5] [--no-first]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ODP = str(BIN / "odp")


def timed(argv: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    return took


BARE_FLOW = """
from prefect import flow, task

@task
def nothing() -> int:
    return 1

@flow
def bare() -> int:
    return nothing.submit().result()

bare()
"""


def prefect_api() -> str:
    """The Prefect API ``odp`` records its runs on: $PREFECT_API_URL, else the project's."""
    from opendata_pipeline.dev.prefect_server import PrefectServer
    from opendata_pipeline.settings import load_settings

    settings = load_settings()
    server = PrefectServer(ROOT / ".prefect", settings.prefect_port)
    return settings.prefect_api_url or server.api_url


def where_time_goes() -> None:
    """Profile one no-op ``odp publish`` in this process; print the biggest parts."""
    from opendata_pipeline.cli import main

    sys.stdout.flush()  # the command line's output module takes over the stream
    profile = cProfile.Profile()
    profile.enable()
    with contextlib.suppress(SystemExit):
        main(["publish"], standalone_mode=False)
    profile.disable()
    stats = pstats.Stats(profile)
    rows = []
    for (file, _line, name), (_cc, _nc, _tt, cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((cum, f"{Path(file).name}:{name}"))
    print("  largest cumulative times in one no-op `odp publish` (in-process, imports warm):")
    wanted = ("publish_catalogue", "prepare", "gather", "validate", "plan", "apply",
              "refresh_package", "conclude", "call", "create_markdown_artifact")  # fmt: skip
    seen = set()
    for cum, label in sorted(rows, reverse=True):
        name = label.split(":")[-1]
        if name in wanted and name not in seen:
            seen.add(name)
            print(f"    {cum:6.2f} s  {label}")


def fresh_portal_first_publish() -> tuple[float, float]:
    """(odp first publish, ckanapi uploads) of the four datasets into a fresh portal instance."""
    from opendata_pipeline import steps
    from opendata_pipeline.dev import portal as manager
    from opendata_pipeline.dev.bootstrap import local_profiles
    from opendata_pipeline.dev.layout import Layout
    from opendata_pipeline.project import Project, profile_catalogue

    project = Project.at(ROOT)
    name = f"bench{os.getpid()}"
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    layout = Layout.of(ROOT / ".portal", name, port)
    try:
        manager.up(layout, local_profiles(project, log=lambda _m: None), lambda _m: None)
        token = layout.publisher_token_file.read_text().strip()
        cache = Path(tempfile.mkdtemp(prefix="odp-bench-"))
        env = {**os.environ, "ODP_CKAN_URL": layout.url, "ODP_CKAN_TOKEN": token,
               "ODP_CACHE_DIR": str(cache)}  # fmt: skip
        odp_seconds = timed([ODP, "publish"], env)
        # the same files through the ckanapi command line, under other names
        profile = project.load_profile()
        catalogue = profile_catalogue(profile)
        workspace = steps.Workspace(ROOT, cache)
        files = [(slug, steps.gather(spec, workspace).path, spec.schema_path)
                 for slug, spec in catalogue.items()]  # fmt: skip
        ckanapi = str(BIN / "ckanapi")
        started = time.perf_counter()
        for slug, data, schema in files:
            other = f"ckanapi-{slug}-{uuid.uuid4().hex[:4]}"
            base = ["-r", layout.url, "-a", token]
            subprocess.run([ckanapi, "action", "package_create", f"name={other}",
                            f"owner_org={profile.organization.name}", *base],
                           check=True, capture_output=True)  # fmt: skip
            for path in (data, schema):
                subprocess.run([ckanapi, "action", "resource_create", f"package_id={other}",
                                f"upload@{path}", f"name={path.name}", *base],
                               check=True, capture_output=True)  # fmt: skip
        return odp_seconds, time.perf_counter() - started
    finally:
        manager.reset(layout, lambda _m: None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-first", action="store_true", help="skip the first publication")
    args = parser.parse_args()
    timed([ODP, "publish"])  # whatever is pending gets published first
    env = {**os.environ, "PREFECT_API_URL": prefect_api(), "PREFECT_LOGGING_LEVEL": "WARNING"}
    # the four are measured one after the other in every round, so that the load beside
    # them weighs on all four alike
    rounds: dict[str, list[float]] = {"import": [], "bare": [], "publish": [], "plan": []}
    for _ in range(args.runs):
        rounds["import"].append(timed([sys.executable, "-c", "import prefect"]))
        rounds["bare"].append(timed([sys.executable, "-c", BARE_FLOW], env))
        rounds["publish"].append(timed([ODP, "publish"]))
        rounds["plan"].append(timed([ODP, "plan"]))
    median = {name: statistics.median(values) for name, values in rounds.items()}
    prefect_import = median["import"]
    print(f"import prefect (whole process), median of {args.runs}: {prefect_import:.2f} s")
    print(f"a bare one-task Prefect flow (whole process), median of {args.runs}: "
          f"{median['bare']:.2f} s")  # fmt: skip
    for command in ("publish", "plan"):
        seconds = median[command]
        target = prefect_import + 1.0
        verdict = "meets" if seconds <= target else "misses"
        print(f"no-op odp {command:<8} median of {args.runs}: {seconds:.2f} s "
              f"(target <= {target:.2f} s: {verdict})")  # fmt: skip
    where_time_goes()
    if args.no_first:
        return
    odp_first, ckanapi_first = fresh_portal_first_publish()
    target = prefect_import + 2 * ckanapi_first
    verdict = "meets" if odp_first <= target else "misses"
    print(f"first publication of 4 datasets: odp {odp_first:.2f} s, ckanapi CLI "
          f"{ckanapi_first:.2f} s (target <= {target:.2f} s: {verdict})")  # fmt: skip


if __name__ == "__main__":
    main()
