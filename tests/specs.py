"""Build small dataset declarations for tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from opendata_pipeline.catalogue import DatasetSpec

DCAT = {
    "contributor_ids": ["http://dcat-ap.de/def/contributors/openNRW"],
    "contact": {"name": "Test"},
    "publisher": {"name": "Test"},
}


def make_spec(
    folder: Path,
    sources: list[dict[str, Any]],
    fields: list[str],
    slug: str = "testdaten",
    hook: str | None = None,
) -> DatasetSpec:
    """A dataset whose schema has string fields ``fields``; files go in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    schema = folder / f"{slug}.schema.json"
    schema.write_text(json.dumps({"fields": [{"name": f, "type": "string"} for f in fields]}))
    return DatasetSpec.model_validate(
        {
            "slug": slug,
            "title": "Test",
            "notes": "Test",
            "folder": folder,
            "schema_path": schema,
            "license": {"id": "cc-by", "uri": "http://dcat-ap.de/def/licenses/cc-by/4.0"},
            "dcat": DCAT,
            "sources": sources,
            "hook": hook,
        }
    )
