"""The CKAN fields a dataset declaration asks for (DCAT-AP.de extras included).

Pure: builds dictionaries and compares them with what the portal holds.

Every extra is a key that ckanext-dcat's standard profiles (``euro_dcat_ap_2``,
``euro_dcat_ap_3``) read, or one of the dcatde keys of GovData's ckanext-dcatde
(``contributorID``, ``politicalGeocodingURI``, ``politicalGeocodingLevelURI``,
``references``, ``licenseAttributionByText``), so that a portal without this
project's plugin exports the same metadata; only ``odp_slug`` is this project's.
The publisher writes the same keys on every portal.
"""

from __future__ import annotations

import json
from typing import Any

from ..catalogue import DatasetSpec, Dcat, License
from .destination import Destination

EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
#: dct:accessRights of every published dataset (EU access-right table).
PUBLIC = "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
#: dct:language of the datasets: German (EU language table).
GERMAN = "http://publications.europa.eu/resource/authority/language/DEU"
#: Extras this pipeline owns; others on the portal are left alone.
MANAGED_EXTRAS = (
    "contributorID",
    "politicalGeocodingURI",
    "politicalGeocodingLevelURI",
    "theme",
    "frequency",
    "temporal_start",
    "temporal_end",
    "contact_name",
    "contact_email",
    "contact_url",
    "publisher_name",
    "publisher_url",
    "publisher_type",
    "references",
    "access_rights",
    "language",
    "licenseAttributionByText",
    "odp_slug",
    "conforms_to",
)
#: Extras earlier versions wrote that no standard profile reads; dropped on the next write.
RETIRED_EXTRAS = ("contact_uri", "license_uri")


def _json_list(values: list[str]) -> str | None:
    return json.dumps(values) if values else None


def dcat_extras(d: Dcat, license_: License) -> dict[str, str]:
    """The DCAT-AP.de extras (key -> string value) of DCAT properties and a licence.

    The licence itself is the package's ``license_id`` (the portal's id for its URI).
    """
    values: dict[str, str | None] = {
        "contributorID": _json_list(d.contributor_ids),
        "politicalGeocodingURI": _json_list(d.political_geocoding_uris),
        "politicalGeocodingLevelURI": d.political_geocoding_level_uri,
        "theme": _json_list([EU_THEME + t for t in d.themes]),
        "frequency": d.frequency,
        "temporal_start": d.temporal_start.isoformat() if d.temporal_start else None,
        "temporal_end": d.temporal_end.isoformat() if d.temporal_end else None,
        "contact_name": d.contact.name,
        "contact_email": d.contact.email,
        "contact_url": d.contact.url,
        "publisher_name": d.publisher.name,
        "publisher_url": d.publisher.url,
        "publisher_type": d.publisher.type,
        "references": _json_list(d.references),
        "access_rights": PUBLIC,
        "language": _json_list([GERMAN]),
        "licenseAttributionByText": license_.attribution,
    }
    return {k: v for k, v in values.items() if v}


def desired_extras(spec: DatasetSpec) -> dict[str, str]:
    """Return the extras (key -> string value) the declaration implies."""
    return {**dcat_extras(spec.dcat, spec.license), "odp_slug": spec.slug}


def desired_package(spec: DatasetSpec, target: Destination) -> dict[str, Any]:
    """Return the package fields this pipeline manages for ``spec``."""
    return {
        "name": spec.slug,
        "title": spec.title,
        "notes": spec.notes.strip(),
        "owner_org": target.organization,
        "license_id": spec.license.id,
        "url": spec.dcat.landing_page or "",
        "tags": sorted(spec.tags),
        "groups": [target.group],
        "extras": desired_extras(spec),
    }


def current_package(pkg: dict[str, Any], org_name: str | None) -> dict[str, Any]:
    """Project a ``package_show`` result onto the managed fields (same shape as desired)."""
    extras = {e["key"]: e["value"] for e in pkg.get("extras", [])}
    return {
        "name": pkg.get("name"),
        "title": pkg.get("title"),
        "notes": (pkg.get("notes") or "").strip(),
        "owner_org": org_name,
        "license_id": pkg.get("license_id"),
        "url": pkg.get("url") or "",
        "tags": sorted(t["name"] for t in pkg.get("tags", [])),
        "groups": sorted(g["name"] for g in pkg.get("groups", [])),
        "extras": {k: v for k, v in extras.items() if k in MANAGED_EXTRAS},
    }


def metadata_changes(current: dict[str, Any], desired: dict[str, Any]) -> list[str]:
    """Name each managed field whose value differs (extras by key)."""
    changes = []
    for key, want in desired.items():
        have = current.get(key)
        if key == "extras":
            for ek in sorted(set(want) | set(have or {})):
                if (have or {}).get(ek) != want.get(ek):
                    changes.append(f"extra {ek}")
        elif key == "groups":
            if not set(want) <= set(have or []):
                changes.append("groups")
        elif have != want:
            changes.append(key)
    return changes


def package_fields(desired: dict[str, Any], other_extras: dict[str, str]) -> dict[str, Any]:
    """Turn the managed fields into CKAN's package dict shape (extras and tags as lists)."""
    kept = {k: v for k, v in other_extras.items() if k not in RETIRED_EXTRAS}
    extras = {**kept, **desired["extras"]}
    return {
        "name": desired["name"],
        "title": desired["title"],
        "notes": desired["notes"],
        "owner_org": desired["owner_org"],
        "license_id": desired["license_id"],
        "url": desired["url"],
        "tags": [{"name": t} for t in desired["tags"]],
        "groups": [{"name": g} for g in desired["groups"]],
        "extras": [{"key": k, "value": v} for k, v in sorted(extras.items())],
    }
