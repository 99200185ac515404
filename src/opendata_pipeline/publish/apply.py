"""Apply one step of a plan to the portal. Every step is idempotent or compare-and-swap.

A new version is one ``package_revise`` call matched on ``metadata_modified``:
the version number, notes, metadata, the archived copy and every current file
change together or not at all. The DataStore is loaded after it, atomically
on the portal side, and a later run finishes it if it was interrupted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from typing import Any

from ..catalogue import foreign_key_targets
from ..ckan_client import CkanClient
from ..clock import utc_now
from ..errors import PortalNotFound, PortalRejected
from . import artifacts
from .metadata import package_fields
from .plan import Plan, Release, desired_metadata
from .state import PortalState, download_json, read_reference

Log = Callable[[str], None]
SHA256_URI = "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"


def ensure_group(client: CkanClient, release: Release) -> None:
    """Create the theme group if the portal lacks it.

    Raises:
        PortalRejected: the group is missing and this token may not create it.
    """
    target = release.target
    try:
        client.call("group_show", id=target.group)
        return
    except PortalNotFound:
        pass
    try:
        client.call("group_create", name=target.group, title=target.group_title or target.group)
    except PortalRejected as exc:
        raise PortalRejected(
            f"group {target.group!r} does not exist and this token may not create it; "
            f"ask a sysadmin to create it ({exc})"
        ) from None


def create_draft(client: CkanClient, release: Release, state: PortalState) -> None:
    """Create the dataset as a draft (invisible to the public) to get its id."""
    fields = package_fields(desired_metadata(release, state), {})
    client.call("package_create", state="draft", **fields)


def update_metadata(client: CkanClient, release: Release, state: PortalState) -> None:
    """Rewrite the managed metadata, leaving version, files and other extras alone."""
    _revise(client, state, _package_update(release, state, desired_metadata(release, state), {}))


def _revise(
    client: CkanClient,
    state: PortalState,
    update: dict[str, Any],
    files: dict[str, Any] | None = None,
) -> None:
    """``package_revise`` that applies only if nobody changed the dataset since ``state``."""
    assert state.package is not None
    client.call(
        "package_revise",
        files=files,
        match={"id": state.package_id, "metadata_modified": state.package["metadata_modified"]},
        filter=["extras", "tags", "groups"],
        update=update,
    )


def _package_update(
    release: Release, state: PortalState, desired: dict[str, Any], extra_extras: dict[str, str]
) -> dict[str, Any]:
    assert state.package is not None
    kept = {e["key"]: e["value"] for e in state.package.get("extras", [])}
    update = package_fields(desired, {**kept, **extra_extras})
    own = {g["name"] for g in state.package.get("groups", [])}
    update["groups"] = [{"name": g} for g in sorted(own | {release.target.group})]
    return update


def _without_foreign_keys(schema: dict[str, Any]) -> dict[str, Any]:
    # A referenced table's own foreign keys point at tables this package does not list.
    return {k: v for k, v in schema.items() if k != "foreignKeys"}


def _references(client: CkanClient, release: Release) -> list[artifacts.Reference]:
    """The versions of the datasets this one's foreign keys point at, as published now.

    Each is pinned to its archived copy and the schema it has now (inlined), so the
    data package stays valid when they publish new versions.
    """
    found = []
    for slug in sorted(foreign_key_targets(release.schema) - {release.slug}):
        ref = read_reference(client, slug)
        if ref is not None:
            found.append(dataclasses.replace(ref, schema=_without_foreign_keys(ref.schema)))
    return found


def _changelog_entry(
    release: Release, plan: Plan, archive_url: str, archive_id: str, published_at: str
) -> dict[str, Any]:
    rows = plan.rows.__dict__ if plan.rows else {}
    return {
        "version": plan.next_version,
        "published_at": published_at,
        "sha256": release.sha256,
        "bytes": len(release.data),
        "rows": release.rows,
        "rows_added": rows.get("added", 0),
        "rows_removed": rows.get("removed", 0),
        "rows_changed": rows.get("changed", 0),
        "schema_changes": [c.__dict__ for c in plan.schema_changes],
        "schema_sha256": release.schema_sha256,
        "notes": plan.notes(),
        "url": archive_url,
        "resource_id": archive_id,
        "sources": release.provenance,
        "validation": release.report,
    }


def publish_version(client: CkanClient, release: Release, plan: Plan, state: PortalState) -> None:
    """Make ``plan.next_version`` current in one compare-and-swap ``package_revise``."""
    assert state.package is not None and plan.next_version is not None
    pkg_id, slug, version = state.package["id"], release.slug, plan.next_version
    portal = release.target.portal_url
    published_at = utc_now()

    def rid(role: str) -> str:
        res = state.current.get(role)
        return res["id"] if res else artifacts.resource_id(pkg_id, role)

    def url(role: str, res_id: str) -> str:
        return artifacts.download_url(
            portal, pkg_id, res_id, artifacts.file_name(role, slug, version)
        )

    archive_id = artifacts.resource_id(pkg_id, "archive", version, release.sha256)
    archive_url = url("archive", archive_id)
    previous = (
        download_json(client, state.current["changelog"]["url"])
        if "changelog" in state.current and state.version
        else {"versions": []}
    )
    entry = _changelog_entry(release, plan, archive_url, archive_id, published_at)
    changelog = {
        "dataset": slug,
        "title": release.spec.title,
        "current_version": version,
        "versions": [
            entry,
            *[v for v in previous.get("versions", []) if v.get("version") != version],
        ],
    }
    package = artifacts.datapackage(
        release.spec,
        release.schema,
        version,
        url("data", rid("data")),
        release.sha256,
        len(release.data),
        release.provenance,
        published_at,
        _references(client, release),
    )
    report = {"version": version, "published_at": published_at, **release.report}
    contents = {
        "data": release.data,
        "datapackage": artifacts.to_bytes(package),
        "schema": release.schema_bytes,
        "report": artifacts.to_bytes(report),
        "changelog": artifacts.to_bytes(changelog),
        "archive": release.data,
    }
    ids = {role: rid(role) for role in artifacts.CURRENT_ROLES} | {"archive": archive_id}
    files = {
        f"update__resources__{ids[role]}__upload": (artifacts.file_name(role, slug, version), body)
        for role, body in contents.items()
    }
    desired = desired_metadata(release, state)
    update = _package_update(release, state, desired, {"version_notes": plan.notes()})
    update.update(version=version, state="active")
    conforms_to = desired["extras"]["conforms_to"] if "schema" in state.current else None
    update["resources"] = _resources(
        release, state, ids, contents, version, published_at, conforms_to
    )
    _revise(client, state, update, files)


def _resources(
    release: Release,
    state: PortalState,
    ids: dict[str, str],
    contents: dict[str, bytes],
    version: str,
    published_at: str,
    conforms_to: str | None,
) -> list[dict[str, Any]]:
    """The package's resource list after the revision: same order, new ones appended."""
    assert state.package is not None
    spec = release.spec

    def fields(role: str) -> dict[str, Any]:
        digest = hashlib.sha256(contents[role]).hexdigest()
        meta = artifacts.resource_meta(role, spec, version)
        meta.update(id=ids[role], sha256=digest, hash=digest, hash_algorithm=SHA256_URI)
        meta.update(odp_published_at=published_at)
        if role in ("data", "archive"):
            meta["odp_rows"] = release.rows
        if role == "data" and conforms_to:
            meta["conforms_to"] = conforms_to
        return meta

    existing = state.package.get("resources", [])
    by_id = {r["id"]: i for i, r in enumerate(existing)}
    merged: list[dict[str, Any]] = [dict(r) for r in existing]
    for role in (*artifacts.CURRENT_ROLES, "archive"):
        if ids[role] in by_id:
            merged[by_id[ids[role]]].update(fields(role))
        else:
            merged.append(fields(role))
    return merged


def load_datastore(client: CkanClient, release: Release, state: PortalState) -> dict[str, Any]:
    """Load the current data into the DataStore (atomic swap on the portal)."""
    data = state.current["data"]
    result: dict[str, Any] = client.call(
        "odp_datastore_load",
        files={"upload": (artifacts.file_name("data", release.slug), release.load_csv)},
        resource_id=data["id"],
        token=release.token,
        fields=json.dumps(release.fields, ensure_ascii=False),
        primary_key=json.dumps(release.primary_key),
        record=json.dumps({"version": state.version, "sha256": release.sha256}),
        full_text_max_rows=str(release.target.full_text_max_rows),
    )
    return result
