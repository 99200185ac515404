"""The catalogue-level Data Package: every published dataset of a publisher, foreign keys included.

It lists the current version of each dataset, pinned to that version's archived
CSV (with its sha256) and the schema published with it, so the package validates
as a whole (``frictionless validate <URL>``) and stays valid until the next run
replaces it. It is published as a CKAN dataset of its own with one resource,
``datapackage.json``, re-uploaded only when its bytes change.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from ..catalogue import DatasetSpec, Dcat
from ..ckan import CkanClient
from ..errors import PortalNotFound, PortalRejected
from ..profile import PublisherProfile
from . import artifacts
from .artifacts import Reference
from .destination import Destination
from .licenses import read_portal_license
from .metadata import dcat_extras
from .state import read_reference
from .versioning import parse_version

ROLE = "catalogue-package"
#: Member datasets read at the same time (the portal serves a few requests at once).
READERS = 4


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
    version: str | None = None
    """The package's version after this run (dry run: the version it would get)."""


def package_version(
    previous: str | None, before: dict[str, str] | None, after: dict[str, str]
) -> str:
    """The catalogue package's next version from its members' versions (name -> version).

    1.0.0 at first publication; major when a member is added or removed or a member's
    major version changes; minor when a member's minor version changes; else patch.
    """
    if previous is None or before is None:
        return "1.0.0"
    major, minor, patch = parse_version(previous)
    if before.keys() != after.keys() or any(
        parse_version(before[n])[0] != parse_version(after[n])[0] for n in after
    ):
        return f"{major + 1}.0.0"
    if any(parse_version(before[n])[1] != parse_version(after[n])[1] for n in after):
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def read_members(client: CkanClient, catalogue: dict[str, DatasetSpec]) -> list[Reference]:
    """The published datasets of ``catalogue`` (reads only; unpublished ones are left out).

    The datasets are read side by side (a few at a time); the first error in catalogue
    order is raised, as if they were read one after the other.
    """

    def read(item: tuple[str, DatasetSpec]) -> Reference | None:
        return read_reference(client, item[0], item[1].table_schema())

    with ThreadPoolExecutor(max_workers=READERS) as pool:
        found = list(pool.map(read, catalogue.items()))
    return sorted((ref for ref in found if ref is not None), key=lambda ref: ref.name)


def descriptor(
    profile: PublisherProfile,
    catalogue: dict[str, DatasetSpec],
    members: list[Reference],
    portal_url: str,
    version: str | None = None,
) -> dict[str, Any]:
    """The catalogue's Data Package (deterministic: same members and version, same bytes)."""
    listed = {m.name for m in members}
    resources = []
    for m in members:
        # A foreign key to a dataset that is not (yet) published cannot be checked here.
        keys = [
            fk
            for fk in m.schema.get("foreignKeys", [])
            if fk.get("reference", {}).get("resource", "") in listed | {""}
        ]
        schema = {k: v for k, v in m.schema.items() if k != "foreignKeys"}
        if keys:
            schema["foreignKeys"] = keys
        page = f"{portal_url.rstrip('/')}/dataset/{m.name}"
        resource = replace(m, schema=schema).resource(title=catalogue[m.name].title)
        resources.append({**resource, "homepage": page})
    lic = profile.license
    return {
        "profile": "tabular-data-package",
        "name": profile.package_name,
        **({"version": version} if version else {}),
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


def package_fields(profile: PublisherProfile, target: Destination) -> dict[str, Any]:
    """The CKAN dataset that holds the catalogue package."""
    dcat = Dcat.model_validate(profile.dataset_defaults().fields["dcat"])
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


def current_resource(pkg: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``datapackage.json`` resource of the catalogue package's CKAN dataset, if any."""
    resources = (pkg or {}).get("resources", [])
    return next((r for r in resources if r.get("odp_role") == ROLE), None)


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
    target: Destination,
    catalogue: dict[str, DatasetSpec],
    dry_run: bool = False,
) -> PackageResult:
    """Create or refresh the catalogue package; write nothing when it is unchanged.

    Raises:
        PortalRejected: the token may not write to the organization.
        PortalUnavailable: the portal did not answer (transient).
    """
    members = read_members(client, catalogue)
    listed = {m.name: m.version for m in members}
    content = hashlib.sha256(
        artifacts.to_bytes(descriptor(profile, catalogue, members, target.host))
    ).hexdigest()
    page = target.dataset_url(profile.package_name)
    try:
        pkg = client.call("package_show", id=profile.package_name)
    except PortalNotFound:
        pkg = None
    # The portal's id for the profile's licence, found by URI (issue 17).
    profile = profile.model_copy(
        update={"license": read_portal_license(client, profile.license, pkg)}
    )
    current = current_resource(pkg)
    previous = (pkg or {}).get("version") or None
    if current is not None and current.get("odp_content_sha256") == content and previous:
        return PackageResult("unchanged", page, len(members), current.get("url"), previous)
    before = json.loads(current["odp_members"]) if current and current.get("odp_members") else None
    version = package_version(previous if current else None, before, listed)
    if dry_run:
        action = "would update" if pkg else "would create"
        return PackageResult(action, page, len(members), version=version)
    if pkg is None:
        pkg = _create(client, package_fields(profile, target))
    body = artifacts.to_bytes(descriptor(profile, catalogue, members, target.host, version))
    digest = hashlib.sha256(body).hexdigest()
    rid = artifacts.resource_id(pkg["id"], ROLE)
    resource = {
        "id": rid,
        "name": "Data Package (datapackage.json)",
        "description": "Alle Datensätze mit Schemas und Fremdschlüsseln (Frictionless).",
        "format": "JSON",
        "odp_role": ROLE,
        "sha256": digest,
        "hash": digest,
        "odp_content_sha256": content,
        "odp_members": json.dumps(listed, sort_keys=True),
    }
    client.call(
        "package_revise",
        files={f"update__resources__{rid}__upload": ("datapackage.json", body)},
        match={"id": pkg["id"]},
        update={**package_fields(profile, target), "version": version, "resources": [resource]},
    )
    url = artifacts.download_url(target.host, pkg["id"], rid, "datapackage.json")
    return PackageResult("updated" if current else "created", page, len(members), url, version)
