"""What the dataset, resource and group pages show, in German (pure: no CKAN).

- ``resource_listing``: the dataset's resources with only the newest archived
  versions; the others are counted and the page links the version history.
- ``resource_rows``: a resource's "Zusätzliche Informationen" with German labels,
  readable values and no bookkeeping keys.
- ``tables_first``: search results with catalogue data packages after the tables.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Archived versions listed on the dataset page; older ones are in the version history.
ARCHIVES_SHOWN = 5
#: The resource of the catalogue data package (``publish/catalogue_package.py``).
CATALOGUE_ROLE = "catalogue-package"
#: Resources whose description is the readable text (no view needed).
READABLE_ROLES = ("history_md", "report_md")

#: Resource fields shown, in this order, with their German labels.
FIELDS = {
    "odp_version": "Version",
    "odp_rows": "Zeilen",
    "format": "Format",
    "mimetype": "Dateityp",
    "size": "Größe",
    "licenseAttributionByText": "Namensnennung",
    "odp_published_at": "Veröffentlicht",
    "last_modified": "Daten zuletzt aktualisiert",
    "metadata_modified": "Metadaten zuletzt aktualisiert",
    "created": "Erstellt",
    "sha256": "Prüfsumme (SHA-256)",
    "conforms_to": "Entspricht dem Schema",
    "datastore_active": "Tabelle in der DataStore-API",
}
#: Bookkeeping fields a reader does not need (the API keeps them).
HIDDEN = {
    "id",
    "package_id",
    "position",
    "url",
    "url_type",
    "name",
    "description",
    "state",
    "has_views",
    "hash",
    "hash_algorithm",
    "odp_role",
    "license",
    "cache_url",
    "cache_last_updated",
    "mimetype_inner",
    "resource_type",
    "tracking_summary",
    "datastore_contains_all_records_of_source_file",
    "odp_content_sha256",
    "odp_members",
}
_DATES = {"odp_published_at", "last_modified", "metadata_modified", "created"}


class Row(NamedTuple):
    """One line of a table: label, shown text, and a link for it (or None)."""

    label: str
    text: str
    link: str | None = None


class Listing(NamedTuple):
    """The resources a dataset page lists, and what it leaves out."""

    shown: list[dict[str, Any]]
    hidden_archives: int
    history: dict[str, Any] | None
    """The readable version history resource, which lists every version."""


def _zone() -> Any:
    try:
        return ZoneInfo("Europe/Berlin")
    except ZoneInfoNotFoundError:
        return UTC


def german_datetime(value: str) -> str:
    """CKAN's ISO timestamps (UTC, often without offset) as ``22.11.2026, 02:28 Uhr``."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone()).strftime("%d.%m.%Y, %H:%M Uhr")


def german_number(value: Any) -> str:
    """``12345`` -> ``12.345``."""
    try:
        return f"{int(value):,}".replace(",", ".")
    except (TypeError, ValueError):
        return str(value)


def german_size(value: Any) -> str:
    """Bytes as ``1,7 KiB`` (binary units, decimal comma)."""
    try:
        size = float(value)
    except (TypeError, ValueError):
        return str(value)
    for unit in ("Bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            text = f"{size:.0f}" if unit == "Bytes" else f"{size:.1f}".replace(".", ",")
            return f"{text} {unit}"
        size /= 1024
    return str(value)


def _links(value: Any) -> list[str]:
    """A JSON list string of IRIs (as ``conforms_to`` holds them), or one value."""
    if isinstance(value, list):
        return [str(v) for v in value]
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return [str(value)]
    return [str(v) for v in parsed] if isinstance(parsed, list) else [str(parsed)]


def value_rows(key: str, value: Any, resource_id: str = "") -> list[Row]:
    """The rows one resource field becomes."""
    label = FIELDS.get(key, key)
    if key in _DATES:
        return [Row(label, german_datetime(str(value)))]
    if key == "odp_rows":
        return [Row(label, german_number(value))]
    if key == "size":
        return [Row(label, german_size(value))]
    if key == "conforms_to":
        return [Row(label, v, v) for v in _links(value)]
    if key == "datastore_active":
        api = f"/api/3/action/datastore_search?resource_id={resource_id}"
        return [Row(label, "ja (Abfrage über die API)", api)] if value is True else []
    if isinstance(value, bool):
        return [Row(label, "ja" if value else "nein")]
    return [Row(label, str(value))]


def resource_rows(resource: dict[str, Any]) -> list[Row]:
    """A resource's fields for people: known ones in a fixed order, then the others."""
    present = {
        k: v
        for k, v in resource.items()
        if k not in HIDDEN and v not in (None, "", [], {}) and not isinstance(v, dict)
    }
    if "sha256" not in present and resource.get("hash"):
        present["sha256"] = resource["hash"]
    if "created" not in present and resource.get("odp_published_at"):
        present["created"] = resource["odp_published_at"]
    order = [k for k in FIELDS if k in present] + sorted(k for k in present if k not in FIELDS)
    rid = str(resource.get("id", ""))
    return [row for key in order for row in value_rows(key, present[key], rid)]


def _version_key(resource: dict[str, Any]) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in str(resource.get("odp_version", "")).split("."))
    except ValueError:
        return ()


def resource_listing(resources: list[dict[str, Any]], shown: int = ARCHIVES_SHOWN) -> Listing:
    """The resources in the portal's order, archived versions newest first and at most
    ``shown`` of them; the rest are counted."""
    archives = sorted(
        (r for r in resources if r.get("odp_role") == "archive"), key=_version_key, reverse=True
    )
    keep = {id(r) for r in archives[:shown]}
    listed = [r for r in resources if r.get("odp_role") != "archive"]
    at = next((i for i, r in enumerate(listed) if r.get("odp_role") not in _CURRENT), len(listed))
    listed[at:at] = [r for r in archives if id(r) in keep]
    history = next((r for r in resources if r.get("odp_role") == "history_md"), None)
    return Listing(listed, max(0, len(archives) - shown), history)


#: Roles of the current files (they come before the archived versions).
_CURRENT = {
    "data",
    "xlsx",
    "csv_excel",
    "history_md",
    "report_md",
    "datapackage",
    "schema",
    "report",
    "changelog",
}


def is_catalogue_package(package: dict[str, Any]) -> bool:
    """True for a publisher's catalogue data package (it lists the other datasets)."""
    return any(r.get("odp_role") == CATALOGUE_ROLE for r in package.get("resources") or [])


def tables_first(packages: list[dict[str, Any]], sort: str | None = None) -> list[dict[str, Any]]:
    """Search results with catalogue data packages after the datasets they list.

    Only for the default order (relevance); a reader's chosen order is kept.
    """
    if sort and not sort.startswith("score"):
        return list(packages)
    tables = [p for p in packages if not is_catalogue_package(p)]
    return tables + [p for p in packages if is_catalogue_package(p)]
