"""DataStore loads on a stock portal (CKAN's API) vs ckanext-odp's COPY loader vs plain COPY.

Loads the 7-column table of ``validate_1m.py`` (``--rows``, default 200,000, primary
key ``id``) into the DataStore table of a resource three ways, in the same run:

1. through CKAN's DataStore API, as the publisher does on a portal without
   ``ckanext-odp`` (``publish/datastore_api.load_table``): a first load (table
   created), a second one with 1 % of the rows changed when the previous load is
   known (only changed rows written), and the change back when it is not known
   (``second*``: every row upserted into the live table, old ones deleted);
2. through ``ckanext-odp``'s ``odp_datastore_load`` on the local portal (COPY into a
   hidden table, then a swap), first and second load;
3. PostgreSQL ``COPY`` of the same CSV into an equivalent typed table (scratch
   database).

Needs a stock portal and the local portal, for example:

    .venv/bin/odp portal up --name stock212 --port 5093 --stock
    .venv/bin/python benchmarks/stock_datastore.py --stock-name stock212 --stock-port 5093

Each portal gets a scratch dataset (purged afterwards).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from publish_1m import change_rows, copy_baseline  # noqa: E402
from validate_1m import SCHEMA, generate  # noqa: E402

from opendata_pipeline.ckan import CkanClient  # noqa: E402
from opendata_pipeline.dev.kind import PortalKind  # noqa: E402
from opendata_pipeline.dev.layout import Layout  # noqa: E402
from opendata_pipeline.publish.datastore import datastore_fields  # noqa: E402
from opendata_pipeline.publish.datastore_api import Table, load_table  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ORG = "benchstock"


def scratch_resource(admin: CkanClient, slug: str) -> str:
    """A dataset with one uploaded CSV resource (the DataStore table hangs off it)."""
    try:
        admin.call("organization_show", id=ORG)
    except Exception:  # noqa: BLE001 - created on first use
        admin.call("organization_create", name=ORG, title="Benchmark")
    pkg = admin.call("package_create", name=slug, owner_org=ORG, title=slug)
    res = admin.call(
        "resource_create",
        package_id=pkg["id"],
        name="tabelle.csv",
        format="CSV",
        files={"upload": ("tabelle.csv", b"id\n1\n")},
    )
    return str(res["id"])


def timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--stock-name", default="stock212")
    parser.add_argument("--stock-port", type=int, default=5093)
    parser.add_argument("--portal-name", default="local")
    parser.add_argument("--portal-port", type=int, default=5050)
    args = parser.parse_args()
    stock = Layout.of(ROOT / ".portal", args.stock_name, args.stock_port, PortalKind(stock=True))
    local = Layout.of(ROOT / ".portal", args.portal_name, args.portal_port)
    schema = {**SCHEMA, "primaryKey": ["id"]}
    fields = datastore_fields(schema)
    with tempfile.TemporaryDirectory(prefix="odp-stock-ds-") as tmp:
        path = Path(tmp) / "tabelle.csv"
        generate(path, args.rows)
        first = path.read_bytes()
        change_rows(path, 0.01)
        second = path.read_bytes()
        print(f"table: {args.rows:,} rows, 7 columns, {len(first) / 1e6:.1f} MB")
        results: dict[str, float] = {}

        admin = CkanClient(stock.url, stock.admin_token_file.read_text().strip())
        slug = f"{ORG}-api-{int(time.time())}"
        rid = scratch_resource(admin, slug)
        try:
            before, after = (Table(b, fields, ["id"], args.rows) for b in (first, second))
            results["api first"] = timed(lambda: load_table(admin, rid, before))
            # a new version whose previous load is recorded: only changed rows written
            results["api second"] = timed(lambda: load_table(admin, rid, after, before))
            # the same change when the table's content is not vouched for: all rows
            results["api second*"] = timed(lambda: load_table(admin, rid, before))
        finally:
            admin.call("dataset_purge", id=slug)

        admin = CkanClient(local.url, local.admin_token_file.read_text().strip())
        slug = f"{ORG}-copy-{int(time.time())}"
        rid = scratch_resource(admin, slug)
        try:
            for label, body in (("first", first), ("second", second)):
                params = {
                    "resource_id": rid,
                    "token": f"bench-{label}",
                    "fields": json.dumps(fields),
                    "primary_key": json.dumps(["id"]),
                    "full_text_max_rows": "0",
                }
                files = {"upload": ("tabelle.csv", body)}
                results[f"odp {label}"] = timed(
                    lambda p=params, f=files: admin.call("odp_datastore_load", files=f, **p)
                )
        finally:
            admin.call("dataset_purge", id=slug)

        results["copy"] = copy_baseline(path)
    for name, seconds in results.items():
        print(f"{name:>12}: {seconds:7.2f} s  {args.rows / seconds:>10,.0f} rows/s")
    print(
        f"CKAN API vs COPY (second load): {results['copy'] / results['api second']:.3f} "
        f"(unknown content: {results['copy'] / results['api second*']:.3f}); "
        f"ckanext-odp vs COPY: {results['copy'] / results['odp second']:.3f}"
    )


if __name__ == "__main__":
    main()
