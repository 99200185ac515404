"""Scale: publish synthetic catalogues of 20 and 200 small datasets through the Prefect flow.

Catalogues are ``municipalities x 10 dataset types`` (2 x 10 and 20 x 10); nine
types reference the municipality's ``stadtteile`` table by foreign key, so every
run has two waves. Each catalogue is published to the local portal twice in the
same run, under different slugs:

* through ``publish-catalogue`` on a Prefect server this script starts (SQLite,
  temporary home), and
* by the reference: the same package functions called directly, in the same
  waves, with the same 4 threads and no Prefect.

Prefect's overhead per dataset = (flow wall time - reference wall time) / datasets.
Every dataset is purged from the portal afterwards.

    .venv/bin/odp portal up && .venv/bin/python benchmarks/scale_catalogue.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent.parent))

from opendata_pipeline.localportal.layout import Layout  # noqa: E402
from opendata_pipeline.orchestrate import server as prefect_server  # noqa: E402

TYPES = [
    "stadtteile", "kitas", "schulen", "spielplaetze", "wlan-hotspots",
    "ladesaeulen", "parkplaetze", "baustellen", "wahllokale", "baumkataster",
]  # fmt: skip
ROWS = 20


def _schema(kind: str, town: str) -> dict[str, object]:
    fields: list[dict[str, object]] = [
        {"name": "id", "type": "integer", "title": "Kennung", "constraints": {"required": True}},
        {"name": "name", "type": "string", "title": "Bezeichnung"},
        {"name": "wert", "type": "number", "title": "Wert", "constraints": {"minimum": 0}},
        {"name": "stand", "type": "date", "title": "Stand"},
    ]
    schema: dict[str, object] = {"fields": fields, "primaryKey": ["id"], "missingValues": [""]}
    if kind != "stadtteile":
        fields.append({"name": "stadtteil_id", "type": "integer", "title": "Stadtteil"})
        schema["foreignKeys"] = [
            {
                "fields": ["stadtteil_id"],
                "reference": {"resource": f"{town}-stadtteile-{{run}}", "fields": ["id"]},
            }
        ]
    return schema


def generate(root: Path, towns: int, run: str) -> list[str]:
    """Write ``towns x 10`` datasets under ``root``; return their slugs."""
    slugs = []
    for t in range(towns):
        town = f"kommune{t:02d}"
        for kind in TYPES:
            slug = f"{town}-{kind}-{run}"
            folder = root / "datasets" / slug
            folder.mkdir(parents=True)
            rows = ["id,name,wert,stand" + ("" if kind == "stadtteile" else ",stadtteil_id")]
            for i in range(1, ROWS + 1):
                extra = "" if kind == "stadtteile" else f",{(i % 5) + 1}"
                rows.append(f"{i},{kind} {i},{i * 1.5},2026-01-{(i % 28) + 1:02d}{extra}")
            (folder / "daten.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
            declaration = {
                "title": f"{kind} ({town})",
                "notes": f"Synthetischer Benchmark-Datensatz {kind} der Kommune {town}.",
                "license": {
                    "id": "dl-de-by-2.0",
                    "uri": "http://dcat-ap.de/def/licenses/dl-by-de/2.0",
                },
                "dcat": {
                    "contributor_ids": ["http://dcat-ap.de/def/contributors/openNRW"],
                    "contact": {"name": town},
                    "publisher": {"name": town},
                },
                "sources": [{"type": "file", "path": "daten.csv"}],
            }
            (folder / "dataset.yaml").write_text(yaml.safe_dump(declaration), encoding="utf-8")
            schema = json.dumps(_schema(kind, town)).replace("{run}", run)
            (root / "schemas").mkdir(exist_ok=True)
            (root / "schemas" / f"{slug}.schema.json").write_text(schema, encoding="utf-8")
            slugs.append(slug)
    return slugs


def reference_run(root: Path) -> float:
    """Publish a catalogue with direct calls (same waves, 4 threads); return wall seconds."""
    from opendata_pipeline.catalogue import foreign_key_targets, publish_order
    from opendata_pipeline.orchestrate.staging import (
        check_staged,
        gather_context,
        release_for,
        stage_dataset,
        stage_dir,
    )
    from opendata_pipeline.profile import load_profile
    from opendata_pipeline.publish.connect import portal_client, publish_target
    from opendata_pipeline.publish.runner import publish_release

    started = time.perf_counter()
    catalogue = load_profile().load_catalogue()
    target = publish_target()
    client = portal_client(target)
    checked: dict[str, object] = {}

    def one(slug: str) -> None:
        spec = catalogue[slug]
        staged = stage_dataset(spec, gather_context(root), stage_dir())
        refs = [checked[t] for t in sorted(foreign_key_targets(spec.table_schema()) - {slug})]
        result = check_staged(spec, staged, refs, stage_dir())  # type: ignore[arg-type]
        checked[slug] = result
        publish_release(client, release_for(spec, staged, result, target), dry_run=True)
        publish_release(client, release_for(spec, staged, result, target))

    with ThreadPoolExecutor(max_workers=4) as pool:
        for wave in publish_order(catalogue):
            list(pool.map(one, wave))
    return time.perf_counter() - started


def flow_run(root: Path) -> float:
    """Publish a catalogue through the ``publish-catalogue`` flow; return wall seconds."""
    from opendata_pipeline.orchestrate.entry import load_flows

    flows = load_flows()
    started = time.perf_counter()
    state = flows.publish_catalogue(return_state=True)
    elapsed = time.perf_counter() - started
    if not state.is_completed():
        raise SystemExit(f"flow run failed: {state.message}")
    return elapsed


def purge(slugs: list[str]) -> None:
    from opendata_pipeline.ckan_client import CkanClient

    layout = Layout.default("local")
    admin = CkanClient(layout.url, layout.admin_token_file.read_text().strip())
    for slug in slugs:
        try:
            admin.call("dataset_purge", id=slug)
        except Exception:  # noqa: BLE001, S112 - a dataset that never got created
            continue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="2,20", help="municipalities per catalogue (x10 datasets)"
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="odp-scale-"))
    srv = prefect_server.PrefectServer(tmp / "prefect", prefect_server.DEFAULT_PORT + 17)
    prefect_server.start(srv)
    os.environ.update(PREFECT_API_URL=srv.api_url, PREFECT_HOME=str(srv.home))
    os.environ["ODP_STAGE_DIR"] = str(tmp / "stage")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    created: list[str] = []
    results = []
    try:
        for towns in (int(s) for s in args.sizes.split(",")):
            timings = {}
            for mode, runner in (("flow", flow_run), ("reference", reference_run)):
                run = uuid.uuid4().hex[:6]
                root = tmp / f"{mode}-{towns}-{run}"
                created += generate(root, towns, run)
                os.environ["ODP_CATALOGUE_ROOT"] = str(root)
                timings[mode] = runner(root)
            n = towns * len(TYPES)
            overhead = (timings["flow"] - timings["reference"]) / n
            results.append((n, timings["flow"], timings["reference"], overhead))
            print(
                f"{n:>4} datasets: flow {timings['flow']:7.2f} s  "
                f"reference {timings['reference']:7.2f} s  "
                f"Prefect overhead {overhead * 1000:6.1f} ms/dataset",
                flush=True,
            )
    finally:
        purge(created)
        prefect_server.stop(srv)
    if len(results) >= 2:
        (small, t_small, *_), (big, t_big, *_) = results[0], results[-1]
        (_, _, r_small, _), (_, _, r_big, _) = results[0], results[-1]
        marginal = ((t_big - t_small) - (r_big - r_small)) / (big - small)
        print(
            f"ratio {big}/{small} datasets: {t_big / t_small:.2f} "
            f"(linear: {big / small:.1f}; goal: at most {big / small * 1.05:.1f})"
        )
        print(f"Prefect overhead per additional dataset: {marginal * 1000:.1f} ms (goal: < 100 ms)")


if __name__ == "__main__":
    main()
