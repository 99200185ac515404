"""The catalogue-level Data Package: every published dataset of a publisher, foreign keys included.

It lists the current version of each dataset, pinned to that version's archived
CSV (with its sha256) and the schema published with it, so the package validates
as a whole (``frictionless validate <URL>``) and stays valid until the next run
replaces it. It is published as a CKAN dataset of its own with one resource,
``datapackage.json``, re-uploaded only when its bytes change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from ..catalogue import DatasetSpec, Dcat
from ..ckan_client import CkanClient
from ..errors import PortalNotFound, PortalRejected
from ..profile import PublisherProfile
from . import artifacts
from .metadata import dcat_extras
from .settings import PublishTarget
from .state import download_json, read_state

ROLE = "catalogue-package"


@dataclass(frozen=True)
class Member:
    """One dataset's current version as the portal holds it."""

    name: str
    title: str
    version: str
    data_url: str
    sha256: str
    schema: dict[str, Any]
    page_url: str


@dataclass(frozen=True)
class PackageResult:
    """What publishing the catalogue package did (or, in a dry run, would do)."""

    action: str
    """``created``, ``updated``, ``unchanged`` (dry run: ``would create``/``would update``)."""
    url: str
    """The dataset page on the portal."""
    members: int
    """Datasets listed."""
    download_url: str | None = None


def read_members(
    client: CkanClient, portal_url: str, catalogue: dict[str, DatasetSpec]
) -> list[Member]:
    """The published datasets of ``catalogue`` (reads only; unpublished ones are left out)."""
    members = []
    for name in sorted(catalogue):
        state = read_state(client, name, datastore_status=False)
        archive = state.archive_for(state.version) if state.version else None
        schema = state.current.get("schema")
        if state.version and archive and schema:
            members.append(
                Member(
                    name,
                    catalogue[name].title,
                    state.version,
                    archive["url"],
                    archive.get("sha256") or "",
                    download_json(client, schema["url"]),
                    f"{portal_url.rstrip('/')}/dataset/{name}",
                )
            )
    return members


def descriptor(profile: PublisherProfile, members: list[Member]) -> dict[str, Any]:
    """The catalogue's Data Package (deterministic: same members, same bytes)."""
    listed = {m.name for m in members}
    resources = []
    for m in members:
        schema = dict(m.schema)
        # A foreign key to a dataset that is not (yet) published cannot be checked here.
        keys = [
            fk
            for fk in schema.get("foreignKeys", [])
            if fk.get("reference", {}).get("resource", "") in listed | {""}
        ]
        schema.pop("foreignKeys", None)
        if keys:
            schema["foreignKeys"] = keys
        resources.append(
            {
                "name": m.name,
                "title": m.title,
                "path": m.data_url,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "hash": f"sha256:{m.sha256}",
                "version": m.version,
                "homepage": m.page_url,
                "schema": schema,
            }
        )
    lic = profile.license
    return {
        "profile": "tabular-data-package",
        "name": profile.package_name,
        "title": f"{profile.title}: alle Datensätze",
        "description": (
            f"Alle veröffentlichten Datensätze von {profile.title} in ihrer aktuellen Version, "
            "mit Schemas und Fremdschlüsseln. Jede Ressource zeigt auf die unveränderliche "
            "Kopie dieser Version."
        ),
        "licenses": [{"name": lic.id, "path": lic.uri, "title": lic.attribution or lic.id}],
        "contributors": [{"title": profile.publisher.name, "role": "publisher"}],
        "resources": resources,
    }


def package_fields(profile: PublisherProfile, target: PublishTarget) -> dict[str, Any]:
    """The CKAN dataset that holds the catalogue package."""
    dcat = Dcat(
        contributor_ids=profile.contributor_ids,
        political_geocoding_uris=profile.political_geocoding.uris,
        political_geocoding_level_uri=profile.political_geocoding.level_uri,
        themes=profile.themes,
        contact=profile.contact,
        publisher=profile.publisher,
    )
    extras = dcat_extras(dcat, profile.license)
    return {
        "name": profile.package_name,
        "title": f"Datenpaket: {profile.title} (alle Datensätze)",
        "notes": (
            "Frictionless Data Package mit allen Datensätzen dieses Herausgebers, ihren "
            "Schemas und Fremdschlüsseln; lädt mit frictionless oder pandas direkt über die URL."
        ),
        "owner_org": target.organization,
        "license_id": profile.license.id,
        "groups": [{"name": target.group}],
        "tags": [{"name": "Datenpaket"}],
        "extras": [{"key": k, "value": v} for k, v in sorted(extras.items())],
    }


def _create(client: CkanClient, fields: dict[str, Any]) -> dict[str, Any]:
    """Create the package; if a concurrent run just created it, use theirs."""
    try:
        created: dict[str, Any] = client.call("package_create", **fields)
        return created
    except PortalRejected as exc:
        try:
            existing: dict[str, Any] = client.call("package_show", id=fields["name"])
        except PortalNotFound:
            raise exc from None
        return existing


def publish_package(
    client: CkanClient,
    profile: PublisherProfile,
    target: PublishTarget,
    catalogue: dict[str, DatasetSpec],
    dry_run: bool = False,
) -> PackageResult:
    """Create or refresh the catalogue package; write nothing when it is unchanged.

    Raises:
        PortalRejected: the token may not write to the organization.
        PortalUnavailable: the portal did not answer (transient).
    """
    members = read_members(client, target.portal_url, catalogue)
    body = artifacts.to_bytes(descriptor(profile, members))
    digest = hashlib.sha256(body).hexdigest()
    page = f"{target.portal_url.rstrip('/')}/dataset/{profile.package_name}"
    try:
        pkg = client.call("package_show", id=profile.package_name)
    except PortalNotFound:
        pkg = None
    current = next((r for r in (pkg or {}).get("resources", []) if r.get("odp_role") == ROLE), None)
    if current is not None and current.get("sha256") == digest:
        return PackageResult("unchanged", page, len(members), current.get("url"))
    if dry_run:
        return PackageResult("would update" if pkg else "would create", page, len(members))
    if pkg is None:
        pkg = _create(client, package_fields(profile, target))
    rid = artifacts.resource_id(pkg["id"], ROLE)
    resource = {
        "id": rid,
        "name": "Data Package (datapackage.json)",
        "description": "Alle Datensätze mit Schemas und Fremdschlüsseln (Frictionless).",
        "format": "JSON",
        "odp_role": ROLE,
        "sha256": digest,
        "hash": digest,
    }
    client.call(
        "package_revise",
        files={f"update__resources__{rid}__upload": ("datapackage.json", body)},
        match={"id": pkg["id"]},
        update={**package_fields(profile, target), "resources": [resource]},
    )
    url = artifacts.download_url(target.portal_url, pkg["id"], rid, "datapackage.json")
    return PackageResult("updated" if current else "created", page, len(members), url)
