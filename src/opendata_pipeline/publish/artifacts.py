"""The files a version consists of: data package, changelog, resource names, order and ids.

Pure: everything here is computed from values; uploading them is ``apply``'s job.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..catalogue import DatasetSpec

if TYPE_CHECKING:  # pandas only where a table is read: a no-op run never does
    import pandas as pd

#: Stable resources every published dataset has, in display order. ``xlsx`` and
#: ``csv_excel`` are left out of versions too large for spreadsheets.
CURRENT_ROLES = (
    "data",
    "xlsx",
    "csv_excel",
    "history_md",
    "report_md",
    "datapackage",
    "schema",
    "report",
    "changelog",
)
#: Roles whose file is a readable text: its resource description holds the same text.
READABLE_ROLES = ("history_md", "report_md")
#: Roles whose file is a CSV table a preview shows.
TABLE_ROLES = ("data", "archive")
CSV_MIMETYPE = "text/csv; charset=utf-8"
MARKDOWN_MIMETYPE = "text/markdown; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_NAMESPACE = uuid.UUID("5d0c54f4-6a43-4c1b-9a0e-2f2b8e4d7c11")


def file_name(role: str, slug: str, version: str | None = None) -> str:
    """The file name a resource is uploaded under (it ends its download URL)."""
    return {
        "data": f"{slug}.csv",
        "xlsx": f"{slug}.xlsx",
        "csv_excel": f"{slug}-excel.csv",
        "history_md": "versionsgeschichte.md",
        "report_md": "validierungsbericht.md",
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


_TEXTS = {
    "data": ("Daten (aktuelle Version)", "{title}: aktuelle Version als CSV (UTF-8).", "CSV"),
    "xlsx": (
        "Daten (Excel-Tabelle, XLSX)",
        "{title}: aktuelle Version als Excel-Arbeitsmappe. Zahlen und Datumswerte sind als "
        "solche gespeichert, Text bleibt Text (führende Nullen von Schlüsseln bleiben "
        "erhalten); das Blatt „Felder“ erklärt die Spalten.",
        "XLSX",
    ),
    "csv_excel": (
        "Daten (CSV für Excel)",
        "{title}: aktuelle Version als CSV für deutsche Tabellenkalkulationen: Semikolon, "
        "Dezimalkomma, UTF-8 mit BOM; öffnet per Doppelklick. Excel entfernt dabei führende "
        "Nullen (etwa in Gemeindeschlüsseln): dafür die XLSX-Datei nehmen.",
        "CSV",
    ),
    "history_md": ("Versionsgeschichte", "", "Markdown"),
    "report_md": ("Validierungsbericht", "", "Markdown"),
    "datapackage": (
        "Data Package (datapackage.json)",
        "Frictionless Data Package der aktuellen Version: Schema, Hash, Lizenz, Quellen.",
        "JSON",
    ),
    "schema": ("Table Schema", "Frictionless Table Schema: Felder, Typen, Regeln.", "JSON"),
    "report": (
        "Validierungsbericht (JSON)",
        "Prüfbericht der aktuellen Version, maschinenlesbar.",
        "JSON",
    ),
    "changelog": (
        "Versionsgeschichte (changelog.json)",
        "Alle Versionen mit Datum, sha256, Zeilenänderungen und Download-URL, maschinenlesbar.",
        "JSON",
    ),
    "archive": (
        "Version {version} (CSV)",
        "{title}: unveränderliche Kopie der Version {version}.",
        "CSV",
    ),
}
_MIMETYPES = {
    "data": CSV_MIMETYPE,
    "archive": CSV_MIMETYPE,
    "csv_excel": CSV_MIMETYPE,
    "xlsx": XLSX_MIMETYPE,
    "history_md": MARKDOWN_MIMETYPE,
    "report_md": MARKDOWN_MIMETYPE,
}
#: Roles that carry the dataset's licence on the resource itself (the tables).
_LICENSED = ("data", "archive", "xlsx", "csv_excel")


def resource_meta(
    role: str, spec: DatasetSpec, version: str | None = None, text: str = ""
) -> dict[str, Any]:
    """Name, description, format and MIME type shown in CKAN for a resource of ``role``.

    Args:
        text: for readable roles, the Markdown shown as the resource's description.
    """
    name, description, fmt = _TEXTS[role]
    meta = {
        "name": name.format(version=version),
        "description": text or description.format(title=spec.title, version=version),
        "format": fmt,
        "odp_role": role,
    }
    if role in _MIMETYPES:
        meta["mimetype"] = _MIMETYPES[role]
    if role in _LICENSED:
        meta["license"] = spec.license.uri
        if spec.license.attribution:
            meta["licenseAttributionByText"] = spec.license.attribution
    if version:
        meta["odp_version"] = version
    return meta


def ordered_resources(resources: list[dict[str, Any]], roles: set[str]) -> list[dict[str, Any]]:
    """The display order: current files by role, archived versions newest first, then others.

    Current files of a role not in ``roles`` (a spreadsheet variant this version has
    not got) are dropped, so that no stale copy stays listed.
    """
    rank = {role: i for i, role in enumerate(CURRENT_ROLES)}
    current = [r for r in resources if r.get("odp_role") in rank and r["odp_role"] in roles]
    archives = [r for r in resources if r.get("odp_role") == "archive"]
    others = [r for r in resources if r.get("odp_role") not in (*rank, "archive")]
    current.sort(key=lambda r: rank[r["odp_role"]])
    archives.sort(key=lambda r: version_key(r.get("odp_version")), reverse=True)
    return [*current, *archives, *others]


def version_key(version: str | None) -> tuple[int, ...]:
    """``1.10.0`` sorts after ``1.9.3``; anything unparsable first."""
    try:
        return tuple(int(p) for p in (version or "").split("."))
    except ValueError:
        return ()


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
    import pandas as pd

    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
