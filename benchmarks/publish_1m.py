"""Publishing 1,000,000 rows through ``odp publish``: time and peak memory vs PostgreSQL COPY.

Measures what a steward runs: ``odp publish`` (the command line, the Prefect flow,
gather -> validate -> plan -> apply with the DataStore load on the ``ckanext-odp``
path) of a one-dataset catalogue project made for the run, against the local portal.

1. Generates the 7-column CSV of ``validate_1m.py`` (``--rows``, default 1,000,000).
2. ``odp publish`` of the first version, then of a new version (1 % of the rows
   changed), each in a fresh process: wall time and the peak RSS summed over the
   ``odp publish`` process tree (sampled from /proc every 50 ms).
3. Whole-process time of ``python -c pass`` and ``python -c 'import prefect'``, so the
   interpreter's and Prefect's share of every run is visible.
4. In the same run, PostgreSQL ``COPY`` of the same CSV into an equivalent typed table
   with a primary key in a scratch database.

The dataset and its organization are purged afterwards. Needs the local portal and
the project's Prefect server (``odp demo``, or ``odp portal up`` + ``odp server up``):

    .venv/bin/python benchmarks/publish_1m.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).parent))
from validate_1m import SCHEMA, generate  # noqa: E402

from opendata_pipeline.ckan import CkanClient  # noqa: E402
from opendata_pipeline.dev.layout import Layout  # noqa: E402
from opendata_pipeline.errors import PortalError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ORG = "benchpublish"
SLUG = f"{ORG}-zahlen"
PG = "host=127.0.0.1 user=postgres dbname=postgres"
DDL = (
    "CREATE TABLE bench (id int8 PRIMARY KEY, betrag numeric, datum date, kategorie text,"
    " kennung text, name text, menge int8)"
)


def tree_rss(root: int) -> int:
    """Bytes of resident memory of ``root`` and all its descendants (from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    members, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in members:
                members.add(child)
                frontier.append(child)
    total = 0
    page = os.sysconf("SC_PAGE_SIZE")
    for pid in members:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
    return total


def measured(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, peak tree RSS bytes, stdout) of one command; exits on failure."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    took = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv)} exited {proc.returncode}:\n{out.decode()}{err.decode()}"
        )
    return took, peak, out.decode()


def whole_process(code: str) -> float:
    """Median wall time of ``python -c code`` over 3 runs."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - started)
    return sorted(times)[1]


def copy_baseline(path: Path) -> float:
    """Seconds to COPY the CSV into an equivalent typed table with keys (fresh database)."""
    with psycopg.connect(PG, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS odp_bench_copy")
        admin.execute("CREATE DATABASE odp_bench_copy")
    try:
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=odp_bench_copy") as conn:
            conn.execute(DDL)
            started = time.perf_counter()
            sql = "COPY bench FROM STDIN WITH (FORMAT csv, HEADER true)"
            with conn.cursor().copy(sql) as cp, path.open("rb") as fh:
                while block := fh.read(1 << 20):
                    cp.write(block)
            conn.commit()
            return time.perf_counter() - started
    finally:
        with psycopg.connect(PG, autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS odp_bench_copy")


def change_rows(path: Path, share: float) -> None:
    """Rewrite ``path`` with ``betrag`` changed in every 1/share-th row."""
    step = max(1, round(1 / share))
    tmp = path.with_suffix(".new")
    with path.open(newline="", encoding="utf-8") as src, tmp.open("w", newline="") as dst:
        reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\n")
        writer.writerow(next(reader))
        for n, row in enumerate(reader):
            if n % step == 0:
                row[1] = f"{float(row[1]) + 1:.2f}"
            writer.writerow(row)
    tmp.replace(path)


def make_project(where: Path, rows: int, env: dict[str, str]) -> tuple[Path, Path]:
    """A catalogue project with one dataset (``SLUG``) of ``rows`` rows: (project, its CSV)."""
    import json

    project = where / "projekt"
    odp = str(BIN / "odp")
    subprocess.run([odp, "init", "project", str(project), "--name", ORG], check=True, env=env,
                   capture_output=True)  # fmt: skip
    sample = where / "zahlen.csv"
    generate(sample, 20)
    subprocess.run([odp, "init", "dataset", "zahlen", "--from", str(sample)], cwd=project,
                   check=True, env=env, capture_output=True)  # fmt: skip
    schema = project / "schemas" / "zahlen.schema.json"
    schema.write_text(json.dumps({**SCHEMA, "primaryKey": ["id"]}), encoding="utf-8")
    data = project / "datasets" / "zahlen" / "zahlen.csv"  # the copy odp init made
    generate(data, rows)
    return project, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--portal-name", default="local")
    parser.add_argument("--portal-port", type=int, default=5050)
    parser.add_argument("--prefect-api", default="http://127.0.0.1:4200/api")
    args = parser.parse_args()
    layout = Layout.of(ROOT / ".portal", args.portal_name, args.portal_port)
    admin = CkanClient(layout.url, layout.admin_token_file.read_text().strip())
    token = layout.publisher_token_file.read_text().strip()
    with tempfile.TemporaryDirectory(prefix="odp-publish-1m-") as tmp:
        where = Path(tmp)
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("ODP_")},
               "ODP_CKAN_TOKEN": token, "ODP_CACHE_DIR": str(where / "cache"),
               "PREFECT_API_URL": args.prefect_api}  # fmt: skip
        with_org = False
        try:
            admin.call("organization_create", name=ORG, title="Benchmark")
            with_org = True
            admin.call("organization_member_create", id=ORG, username="odp-publisher",
                       role="editor")  # fmt: skip
            project, csv_path = make_project(where, args.rows, env)
            size = csv_path.stat().st_size
            print(f"file: {size / 1e6:.1f} MB, {args.rows:,} rows, 7 columns")
            publish = [str(BIN / "odp"), "publish", "--portal-url", layout.url, "--allow-draft"]
            python_s = whole_process("pass")
            prefect_s = whole_process("import prefect")
            first_s, first_peak, first_out = measured(publish, project, env)
            change_rows(csv_path, 0.01)
            second_s, second_peak, second_out = measured(publish, project, env)
            copy_s = copy_baseline(csv_path)
        finally:
            if with_org:
                for name in (SLUG, f"{ORG}-datenpaket"):
                    with contextlib.suppress(PortalError):  # nothing to purge
                        admin.call("dataset_purge", id=name)
                admin.call("organization_purge", id=ORG)
    line = next((ln for ln in first_out.splitlines() if ln.startswith(SLUG)), first_out)
    print(f"interpreter start (python -c pass):    {python_s:6.2f} s")
    print(f"import prefect (whole process):        {prefect_s:6.2f} s")
    print(f"odp publish, first version:            {first_s:6.2f} s  peak RSS "
          f"{first_peak / 1e6:5.0f} MB  [{line.split('  ')[0]}]")  # fmt: skip
    line = next((ln for ln in second_out.splitlines() if ln.startswith(SLUG)), second_out)
    print(f"odp publish, 1 % of rows changed:      {second_s:6.2f} s  peak RSS "
          f"{second_peak / 1e6:5.0f} MB  [{line.split('  ')[0]}]")  # fmt: skip
    print(f"PostgreSQL COPY, same CSV, typed table + PK: {copy_s:6.2f} s "
          f"= {args.rows / copy_s:,.0f} rows/s")  # fmt: skip
    ratio = copy_s / second_s
    print(f"end-to-end throughput / COPY throughput (new version): {ratio:.2f} (goal >= 0.25)")
    print(f"peak RSS target for a new version: <= 600 MB: "
          f"{'meets' if second_peak <= 600e6 else 'misses'}")  # fmt: skip


if __name__ == "__main__":
    main()
