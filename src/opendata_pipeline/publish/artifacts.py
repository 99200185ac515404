"""The files a version consists of: data package, changelog, resource names and ids.

Pure: everything here is computed from values; uploading them is ``apply``'s job.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..catalogue import DatasetSpec

#: Stable resources every published dataset has, in display order.
CURRENT_ROLES = ("data", "datapackage", "schema", "report", "changelog")
_NAMESPACE = uuid.UUID("5d0c54f4-6a43-4c1b-9a0e-2f2b8e4d7c11")


def file_name(role: str, slug: str, version: str | None = None) -> str:
    """The file name a resource is uploaded under (it ends its download URL)."""
    return {
        "data": f"{slug}.csv",
        "datapackage": "datapackage.json",
        "schema": f"{slug}.schema.json",
        "report": "validation-report.json",
        "changelog": "changelog.json",
        "archive": f"{slug}-{version}.csv",
    }[role]


def resource_id(package_id: str, role: str, version: str | None = None, sha256: str = "") -> str:
    """A deterministic resource id: re-running a step can never create a second copy."""
    return str(uuid.uuid5(_NAMESPACE, f"{package_id}:{role}:{version or ''}:{sha256}"))


def download_url(portal: str, package_id: str, res_id: str, name: str) -> str:
    """CKAN's download URL of an uploaded file."""
    return f"{portal.rstrip('/')}/dataset/{package_id}/resource/{res_id}/download/{name}"


def resource_meta(role: str, spec: DatasetSpec, version: str | None = None) -> dict[str, Any]:
    """Name, description and format shown in CKAN for a resource of ``role``."""
    title = spec.title
    texts = {
        "data": ("Daten (aktuelle Version)", f"{title}: aktuelle Version als CSV.", "CSV"),
        "datapackage": (
            "Data Package (datapackage.json)",
            "Frictionless Data Package der aktuellen Version: Schema, Hash, Lizenz, Quellen.",
            "JSON",
        ),
        "schema": ("Table Schema", "Frictionless Table Schema: Felder, Typen, Regeln.", "JSON"),
        "report": ("Validierungsbericht", "Prüfbericht der aktuellen Version.", "JSON"),
        "changelog": (
            "Versionsgeschichte (changelog.json)",
            "Alle Versionen mit Datum, sha256, Zeilenänderungen und Download-URL.",
            "JSON",
        ),
        "archive": (
            f"Version {version} (CSV)",
            f"{title}: unveränderliche Kopie der Version {version}.",
            "CSV",
        ),
    }
    name, description, fmt = texts[role]
    meta = {"name": name, "description": description, "format": fmt, "odp_role": role}
    if role in ("data", "archive"):
        meta["license"] = spec.license.uri
        if spec.license.attribution:
            meta["licenseAttributionByText"] = spec.license.attribution
    if version:
        meta["odp_version"] = version
    return meta


@dataclass(frozen=True)
class Reference:
    """A dataset's current version as published: its archived CSV, sha256 and schema."""

    name: str
    """Its CKAN name (the resource name foreign keys use)."""
    data_url: str
    """The archived CSV of that version (it never changes)."""
    schema: dict[str, Any]
    version: str
    sha256: str

    def resource(self, **extra: Any) -> dict[str, Any]:
        """The Data Package resource for this table (``extra`` adds fields)."""
        return {
            "name": self.name,
            **extra,
            "path": self.data_url,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "hash": f"sha256:{self.sha256}",
            "version": self.version,
            "schema": self.schema,
        }


def datapackage(
    spec: DatasetSpec,
    schema: dict[str, Any],
    version: str,
    data_url: str,
    sha256: str,
    size: int,
    provenance: list[dict[str, Any]],
    published_at: str,
    references: list[Reference],
) -> dict[str, Any]:
    """A Frictionless Data Package describing the current version.

    ``references`` are the tables this one's foreign keys name, so that the package
    validates (``frictionless validate <URL>``) with its foreign keys.
    """
    resources: list[dict[str, Any]] = [
        {
            "name": spec.slug,
            "path": data_url,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "hash": f"sha256:{sha256}",
            "bytes": size,
            "schema": schema,
        }
    ]
    resources.extend(ref.resource() for ref in sorted(references, key=lambda r: r.name))
    return {
        "profile": "tabular-data-package",
        "name": spec.slug,
        "title": spec.title,
        "description": spec.notes.strip(),
        "version": version,
        "created": published_at,
        "keywords": list(spec.tags),
        "licenses": [
            {"name": spec.license.id, "path": spec.license.uri, "title": spec.license.attribution}
        ],
        "sources": [
            {"title": p["source"], "path": p["uri"], **{k: v for k, v in p.items() if v}}
            for p in provenance
        ],
        "resources": resources,
    }


def to_bytes(document: Any) -> bytes:
    """Serialise a JSON document the way every published JSON file is written."""
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode()


def canonical_schema(schema: dict[str, Any]) -> bytes:
    """The schema file's bytes (stable: same schema, same sha256)."""
    return to_bytes(schema)


def published_frame(data: bytes) -> pd.DataFrame:
    """Read a published CSV (UTF-8) with every cell as a string, empty cells as ''."""
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
