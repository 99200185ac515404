"""Helpers for publishing tests: releases from inline tables, counted clients."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opendata_pipeline.catalogue import DatasetSpec
from opendata_pipeline.ckan_client import CkanClient
from opendata_pipeline.gather.core import GatherContext, gather_dataset
from opendata_pipeline.publish.plan import Release, make_release
from opendata_pipeline.publish.settings import PublishTarget
from opendata_pipeline.validate.step import validate_gathered

READS = {"package_show", "status_show", "odp_datastore_status", "group_show", "datastore_info"}

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


def counted(portal_url: str, token: str) -> tuple[CkanClient, Counter]:
    counter = Counter()
    return CkanClient(portal_url, token, on_call=counter.actions.append), counter


def release_for(
    tmp: Path, slug: str, rows: str, target: PublishTarget, schema: dict[str, Any] | None = None
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
    validated = validate_gathered(spec, gather_dataset(spec, GatherContext(tmp)))
    return make_release(spec, validated, target)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
