"""Helpers for publishing tests: releases from inline tables, counted clients."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opendata_pipeline import steps
from opendata_pipeline.catalogue import DatasetSpec
from opendata_pipeline.ckan import CkanClient
from opendata_pipeline.publish.apply import Applied, apply_plan
from opendata_pipeline.publish.destination import Destination
from opendata_pipeline.publish.plan import Release, release_of
from opendata_pipeline.publish.planning import plan_release

READS = {
    "package_show",
    "status_show",
    "odp_datastore_status",
    "group_show",
    "datastore_info",
    "datastore_search",
}

SCHEMA: dict[str, Any] = {
    "fields": [
        {
            "name": "id",
            "type": "integer",
            "title": "Kennung",
            "description": "Laufende Nummer",
            "constraints": {"required": True},
        },
        {
            "name": "ort",
            "type": "string",
            "title": "Ort",
            "constraints": {"enum": ["Aachen", "Soest", "Wuppertal"]},
        },
        {"name": "betrag", "type": "number", "title": "Betrag", "constraints": {"minimum": 0}},
        {"name": "datum", "type": "date", "title": "Datum"},
        {"name": "aktiv", "type": "boolean", "title": "Aktiv"},
    ],
    "primaryKey": ["id"],
    "missingValues": [""],
}
ROWS = (
    "id,ort,betrag,datum,aktiv\n"
    "1,Aachen,10.5,2020-11-09,true\n"
    "2,Soest,3,2020-11-16,false\n"
    "3,Wuppertal,,2020-11-23,true\n"
)


@dataclass
class Counter:
    """Records every action a client sends."""

    actions: list[str] = field(default_factory=list)

    @property
    def writes(self) -> list[str]:
        return [a for a in self.actions if a not in READS]


def counted(portal_url: str, token: str, retry_seconds: float = 60.0) -> tuple[CkanClient, Counter]:
    """A client that records its actions; ``retry_seconds=0``: one attempt per request."""
    counter = Counter()
    client = CkanClient(
        portal_url, token, on_call=counter.actions.append, retry_seconds=retry_seconds
    )
    return client, counter


def release_for(
    tmp: Path, slug: str, rows: str, target: Destination, schema: dict[str, Any] | None = None
) -> Release:
    """Declare, gather and validate an inline table; return its release."""
    folder = tmp / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.csv").write_text(rows, encoding="utf-8")
    schema_path = folder / f"{slug}.schema.json"
    schema_path.write_text(json.dumps(schema or SCHEMA), encoding="utf-8")
    spec = DatasetSpec.model_validate(
        {
            "slug": slug,
            "title": f"Testdaten {slug}",
            "notes": "Testdaten für die Veröffentlichung.",
            "tags": ["Test"],
            "folder": folder,
            "schema_path": schema_path,
            "license": {"id": "dl-de-by-2.0", "uri": "http://dcat-ap.de/def/licenses/dl-by-de/2.0"},
            "dcat": {
                "contributor_ids": ["http://dcat-ap.de/def/contributors/openNRW"],
                "political_geocoding_uris": [
                    "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05974040"
                ],
                "political_geocoding_level_uri": "http://dcat-ap.de/def/politicalGeocoding/Level/municipality",
                "themes": ["GOVE", "TECH"],
                "contact": {"name": "Open-Data-Team", "email": "opendata@example.org"},
                "publisher": {"name": "Stadt Soest"},
                "temporal_start": "2020-11-09",
            },
            "sources": [{"type": "file", "path": "data.csv"}],
        }
    )
    workspace = steps.Workspace(tmp, tmp / ".cache")
    staged = steps.gather(spec, workspace)
    checked = steps.validate(spec, staged, [], workspace)
    return release_of(spec, target, staged.path, staged.sha256, checked.report, staged.provenance)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def publish(client: CkanClient, release: Release) -> Applied:
    """Plan, then apply: what the flow's plan and apply steps do for one dataset."""
    return apply_plan(client, plan_release(client, release))


def destination(url: str, organization: str, group: str) -> Destination:
    return Destination(portal_url=url, organization=organization, group=group)


def publish_all(
    client: CkanClient,
    catalogue: dict[str, DatasetSpec],
    target: Destination,
    workspace: steps.Workspace,
) -> dict[str, Applied]:
    """The pipeline's four steps for every dataset, referenced ones first, without Prefect."""
    from opendata_pipeline.catalogue import needed_for, references

    checked: dict[str, steps.Checked] = {}
    applied = {}
    for slug in needed_for(catalogue, sorted(catalogue)):
        spec = catalogue[slug]
        staged = steps.gather(spec, workspace)
        checked[slug] = steps.validate(
            spec, staged, [checked[r] for r in references(spec)], workspace
        )
        applied[slug] = steps.apply(steps.plan(spec, checked[slug], target, client), client)
    return applied
