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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from opendata_pipeline.dev import prefect_server  # noqa: E402

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


def write_profile(root: Path) -> Path:
    """A copy of the default profile whose catalogue is ``root`` (token from the local portal)."""
    raw = yaml.safe_load((ROOT / "profiles" / "default.yaml").read_text(encoding="utf-8"))
    raw["catalogue"] = {"root": str(root), "schemas": [str(root / "schemas")], "name_prefix": ""}
    raw["catalogue"]["package"] = f"scale-{root.name}-datenpaket"
    raw["token"]["file"] = str(
        ROOT / ".portal" / "instances" / "local" / "secrets" / "publisher.token"
    )
    path = root / "profile.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def reference_run(root: Path) -> float:
    """Publish a catalogue with the same step functions called directly (4 threads); seconds."""
    from opendata_pipeline import steps
    from opendata_pipeline.catalogue import publish_order, references
    from opendata_pipeline.ckan import CkanClient
    from opendata_pipeline.project import Project, profile_catalogue
    from opendata_pipeline.publish.destination import destination

    started = time.perf_counter()
    profile = Project.at(ROOT).load_profile(str(write_profile(root)))
    catalogue = profile_catalogue(profile)
    target = destination(profile)
    token = Path(str(target.token.file_path(profile.path))).read_text().strip()
    client = CkanClient(target.portal_url, token)
    workspace = steps.Workspace(root, root / ".cache")
    checked: dict[str, steps.Checked] = {}

    def one(slug: str) -> None:
        spec = catalogue[slug]
        staged = steps.gather(spec, workspace)
        refs = [checked[r] for r in references(spec)]
        checked[slug] = steps.validate(spec, staged, refs, workspace)
        steps.apply(steps.plan(spec, checked[slug], target, client), client)

    with ThreadPoolExecutor(max_workers=4) as pool:
        for wave in publish_order(catalogue):
            list(pool.map(one, wave))
    return time.perf_counter() - started


def flow_run(root: Path) -> float:
    """Publish a catalogue through the ``publish-catalogue`` flow; return wall seconds."""
    from opendata_pipeline.flows import publish_catalogue

    profile = write_profile(root)
    started = time.perf_counter()
    state = publish_catalogue(profile=str(profile), return_state=True)
    elapsed = time.perf_counter() - started
    if not state.is_completed():
        raise SystemExit(f"flow run failed: {state.message}")
    return elapsed


def purge(slugs: list[str]) -> None:
    from opendata_pipeline.ckan import CkanClient
    from opendata_pipeline.dev.layout import Layout

    layout = Layout.of(ROOT / ".portal", "local")
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
    os.environ["ODP_CACHE_DIR"] = str(tmp / "cache")
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
