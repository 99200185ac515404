"""Publishing speed: 1,000,000 rows into CKAN's DataStore vs PostgreSQL COPY, and a no-op run.

1. Generates the 7-column CSV of ``validate_1m.py`` and publishes it to the local
   portal as a new dataset ``bench-publish-1m-<time>``, purged afterwards
   (validate, plan, one package_revise with
   the archived and current CSV, then the DataStore load through ckanext-odp).
2. In the same run, loads the same CSV with PostgreSQL ``COPY`` into an
   equivalent typed table with a primary key in a scratch database.
3. Re-runs the whole catalogue (already published) and counts its HTTP requests.

    .venv/bin/python benchmarks/publish_1m.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
from validate_1m import SCHEMA, generate  # noqa: E402

from opendata_pipeline.catalogue import publish_order  # noqa: E402
from opendata_pipeline.ckan_client import CkanClient  # noqa: E402
from opendata_pipeline.gather.core import GatherContext  # noqa: E402
from opendata_pipeline.localportal import manager  # noqa: E402
from opendata_pipeline.localportal.layout import Layout, project_root  # noqa: E402
from opendata_pipeline.profile import load_profile  # noqa: E402
from opendata_pipeline.publish import runner as runner_mod  # noqa: E402
from opendata_pipeline.publish.connect import portal_client, publish_target  # noqa: E402
from opendata_pipeline.publish.step import publish_datasets  # noqa: E402
from tests.publishing import release_for  # noqa: E402

ROOT = project_root()

PG = "host=127.0.0.1 user=postgres dbname=postgres"
DDL = (
    "CREATE TABLE bench (id int8 PRIMARY KEY, betrag numeric, datum date, kategorie text,"
    " kennung text, name text, menge int8)"
)


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    layout = Layout.default("local")
    manager.up(layout, lambda m: print(m, file=sys.stderr))
    target = publish_target(layout.url)
    client = portal_client(target)

    csv_path = args.out / "publish_1m.csv"
    generate(csv_path, args.rows)
    size = csv_path.stat().st_size
    print(f"file: {csv_path} ({size / 1e6:.1f} MB, {args.rows:,} rows)")

    started = time.perf_counter()
    slug = f"bench-publish-1m-{int(time.time())}"  # a first publication every run
    release = release_for(args.out, slug, csv_path.read_text("utf-8"), target, SCHEMA)
    prepared = time.perf_counter() - started
    timings: dict[str, float] = {}
    real_load = runner_mod.load_datastore

    def timed_load(*a, **k):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        out = real_load(*a, **k)
        timings["load"] = time.perf_counter() - t
        return out

    runner_mod.load_datastore = timed_load  # type: ignore[assignment]
    started = time.perf_counter()
    result = runner_mod.publish_release(client, release)
    publish_s = time.perf_counter() - started
    admin = CkanClient(layout.url, layout.admin_token_file.read_text().strip())
    admin.call("dataset_purge", id=slug)  # keep the demo portal tidy
    copy_s = copy_baseline(csv_path)
    load_s = timings.get("load", float("nan"))
    server = result.datastore or {}
    print(f"gather + validate (odp):              {prepared:6.2f} s")
    print(f"publish {result.plan.headline():<28} {publish_s:6.2f} s  (applied: {result.applied})")
    print(
        f"  DataStore load (upload + COPY + key + swap): {load_s:6.2f} s "
        f"= {args.rows / load_s:,.0f} rows/s  [server side {server.get('seconds')} s, "
        f"full text: {result.datastore and result.datastore.get('full_text')}]"
    )
    print(
        f"PostgreSQL COPY, same CSV, typed table + PK:  {copy_s:6.2f} s "
        f"= {args.rows / copy_s:,.0f} rows/s"
    )
    print(
        f"ratio (DataStore load throughput / COPY throughput): {copy_s / load_s:.2f} (goal >= 0.25)"
    )

    catalogue = load_profile().load_catalogue()
    calls: list[str] = []
    counting = CkanClient(target.portal_url, client._token, on_call=calls.append)  # noqa: SLF001
    order = [s for wave in publish_order(catalogue) for s in wave]
    publish_datasets(
        catalogue, order, GatherContext(ROOT), target, client
    )  # make sure it is current
    started = time.perf_counter()
    outcomes = publish_datasets(catalogue, order, GatherContext(ROOT), target, counting)
    noop_s = time.perf_counter() - started
    actions = [o.result.plan.action for o in outcomes.values() if o.result]
    print(
        f"no-op re-run of the catalogue ({len(order)} datasets, plans {sorted(set(actions))}): "
        f"{noop_s:.2f} s, {len(calls)} HTTP requests ({', '.join(sorted(set(calls)))})"
    )


if __name__ == "__main__":
    main()
