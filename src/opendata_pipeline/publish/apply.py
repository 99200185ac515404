"""Apply a plan to the portal. Every write is idempotent or a compare-and-swap.

A new version is one ``package_revise`` call matched on ``metadata_modified``:
the version number, notes, metadata, the archived copy and every current file
change together or not at all. On a portal with ``ckanext-odp`` the DataStore
table is staged (hidden) before it and swapped in right after it, refused if
another version became current meanwhile; a later run finishes an interrupted
load. On a portal with only CKAN's DataStore API (a stock portal) the table is
filled through that API right after the commit (``datastore_api``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalogue import foreign_key_targets
from ..ckan import CkanClient
from ..clock import utc_now
from ..errors import PortalConflict, PortalNotFound, PortalRejected, TerminalError
from ..names import primary_key
from . import artifacts, datastore_api, history, presentation
from .datastore import datastore_csv, datastore_fields, file_digest, load_token, needs_rewrite
from .metadata import package_fields
from .plan import Plan, Release, desired_metadata
from .planning import plan_release
from .previews import ensure_previews
from .state import (
    PortalState,
    download_json,
    previous_version,
    published_history,
    read_reference,
    read_state,
    state_of,
)

SHA256_URI = "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"
MD5_URI = "http://spdx.org/rdf/terms#checksumAlgorithm_md5"
CONFLICT_ATTEMPTS = 3


class PublishConflict(TerminalError):
    """The dataset kept changing under this publisher (another one writes to it)."""


@dataclass(frozen=True)
class Applied:
    """What applying a plan did, and what the portal holds now."""

    plan: Plan
    """The plan that was carried out (a fresh one if the portal changed meanwhile)."""
    version: str | None
    url: str
    steps: list[str] = field(default_factory=list)
    datastore: dict[str, Any] | None = None
    version_url: str | None = None
    """Download URL of the current version's archived CSV."""
    replanned: int = 0
    """How often the portal had changed since planning, so that the plan was made again."""
    superseded: bool = False
    """Another publisher's version became current before this one's DataStore load."""


def apply_plan(client: CkanClient, plan: Plan) -> Applied:
    """Carry out ``plan``; if the portal changed since it was made, plan again (at most 3 times).

    Raises:
        PublishConflict: the dataset kept changing under us.
        PortalRejected: the portal refused a write (permissions, validation).
        PortalUnavailable: the portal did not answer (transient).
    """
    for attempt in range(CONFLICT_ATTEMPTS):
        try:
            return _execute(client, plan, attempt)
        except PortalConflict:
            plan = plan_release(client, plan.release)
    raise PublishConflict(
        f"{plan.slug}: the dataset changed on the portal {CONFLICT_ATTEMPTS} times while "
        "publishing; another publisher is writing to it. Run again later."
    )


def _execute(client: CkanClient, plan: Plan, replanned: int) -> Applied:
    with tempfile.TemporaryDirectory(prefix="odp-apply-", dir=plan.release.data_path.parent) as tmp:
        return _carry_out(client, plan, replanned, Path(tmp))


def _carry_out(client: CkanClient, plan: Plan, replanned: int, scratch: Path) -> Applied:
    release, state = plan.release, plan.state
    steps: list[str] = []
    loaded: dict[str, Any] | None = None
    superseded = False
    staged = False
    held: datastore_api.Table | None = None
    if plan.action == "version":
        if not state.exists:
            ensure_group(client, release)
            state = create_draft(client, release, state)
            steps.append("create draft")
        if state.loader and "data" in state.current:
            # the new table waits hidden on the portal, so the swap can follow the version
            stage_datastore(client, release, state, plan.next_version)
            staged = True
        elif state.datastore_api and "data" in state.current:
            held = held_table(client, release, state, scratch)
        state = publish_version(client, release, plan, state)
        steps.append(f"version {plan.next_version}")
    elif plan.action == "metadata":
        state = update_metadata(client, release, state)
        steps.append("metadata")
    wants_load = plan.action in ("version", "datastore") or plan.datastore_pending
    if state.can_load and wants_load:
        current = read_state(client, release.slug, datastore_status=False)
        if current.sha256("data") == release.sha256:
            loaded = load_datastore(client, release, current, staged=staged, previous=held)
            superseded = bool(loaded.get("superseded"))
            steps.append("datastore")
        else:
            superseded = True
        state = current
    if plan.action != "unchanged" and not superseded:
        # the archived copy gets a table too, and every table a preview (issue 17); with
        # ckanext-odp it is copied from the current data's table, not uploaded again
        copy_of = (state.current.get("data") or {}).get("id") if state.loader else None

        def load(resource_id: str) -> dict[str, Any]:
            return load_datastore(client, release, state, resource_id, copy_from=copy_of)

        ensure_previews(client, state, load if state.can_load else None)
    archive = state.archive_for(state.version) if state.version else None
    return Applied(
        plan,
        state.version,
        release.destination.dataset_url(release.slug),
        steps,
        loaded,
        archive.get("url") if archive else None,
        replanned,
        superseded,
    )


def ensure_group(client: CkanClient, release: Release) -> None:
    """Create the theme group if the portal lacks it.

    Raises:
        PortalRejected: the group is missing and this token may not create it.
    """
    target = release.destination
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


def create_draft(client: CkanClient, release: Release, state: PortalState) -> PortalState:
    """Create the dataset as a draft (invisible to the public) to get its id.

    Raises:
        PortalConflict: a concurrent publisher created it first (plan again).
    """
    fields = package_fields(desired_metadata(release, state), {})
    created = client.call("package_create", state="draft", **fields)
    return state_of(client, created, datastore_status=False)


def update_metadata(client: CkanClient, release: Release, state: PortalState) -> PortalState:
    """Rewrite the managed metadata, leaving version, files and other extras alone."""
    update = _package_update(release, state, desired_metadata(release, state), {})
    return _revise(client, state, update)


def _revise(
    client: CkanClient,
    state: PortalState,
    update: dict[str, Any],
    files: dict[str, Any] | None = None,
) -> PortalState:
    """``package_revise`` that applies only if nobody changed the dataset since ``state``.

    Raises:
        PortalConflict: the dataset changed since ``state`` was read.
    """
    assert state.package is not None
    result = client.call(
        "package_revise",
        files=files,
        match={"id": state.package_id, "metadata_modified": state.package["metadata_modified"]},
        # package_revise merges lists by position: replace the resource list outright, so
        # that reordering (newest archive first) cannot mix two resources' fields
        filter=["extras", "tags", "groups", *(["resources"] if "resources" in update else [])],
        update=update,
    )
    return state_of(client, result["package"], datastore_status=False)


def _package_update(
    release: Release, state: PortalState, desired: dict[str, Any], extra_extras: dict[str, str]
) -> dict[str, Any]:
    assert state.package is not None
    kept = {e["key"]: e["value"] for e in state.package.get("extras", [])}
    update = package_fields(desired, {**kept, **extra_extras})
    own = {g["name"] for g in state.package.get("groups", [])}
    update["groups"] = [{"name": g} for g in sorted(own | {release.destination.group})]
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
        "bytes": release.size,
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
        "row_changes": plan.row_details,
    }


def publish_version(
    client: CkanClient, release: Release, plan: Plan, state: PortalState
) -> PortalState:
    """Make ``plan.next_version`` current in one compare-and-swap ``package_revise``.

    Raises:
        PortalConflict: the dataset changed since ``state`` was read.
    """
    assert state.package is not None and plan.next_version is not None
    pkg_id, slug, version = state.package["id"], release.slug, plan.next_version
    portal = release.destination.host
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
            *[v for v in published_history(previous, state) if v.get("version") != version],
        ],
    }
    package = artifacts.datapackage(
        release.spec,
        release.schema,
        version,
        url("data", rid("data")),
        release.sha256,
        release.size,
        release.provenance,
        published_at,
        _references(client, release),
    )
    report = {"version": version, "published_at": published_at, **release.report}
    # the tables go up from their files: a large one is never held in memory
    contents: dict[str, bytes | Path] = {
        "data": release.data_path,
        "datapackage": artifacts.to_bytes(package),
        "schema": release.schema_bytes,
        "report": artifacts.to_bytes(report),
        "changelog": artifacts.to_bytes(changelog),
        "archive": release.data_path,
    }
    history_page = f"{portal}/dataset/{slug}/resource/{rid('history_md')}"
    with tempfile.TemporaryDirectory(prefix="odp-version-", dir=release.data_path.parent) as tmp:
        contents |= presentation.version_files(release, changelog, report, Path(tmp))
        ids = {role: rid(role) for role in artifacts.CURRENT_ROLES} | {"archive": archive_id}
        files = {
            f"update__resources__{ids[role]}__upload": (
                artifacts.file_name(role, slug, version),
                body,
            )
            for role, body in contents.items()
        }
        desired = desired_metadata(release, state)
        update = _package_update(release, state, desired, {"version_notes": plan.notes()})
        update.update(version=version, state="active")
        update["notes"] = history.dataset_notes(release.spec.notes, changelog, history_page)
        conforms_to = desired["extras"]["conforms_to"] if "schema" in state.current else None
        update["resources"] = _resources(
            release, state, ids, contents, version, published_at, conforms_to
        )
        return _revise(client, state, update, files)


def _sha256(release: Release, content: bytes | Path) -> str:
    """The sha256 of a file's content (the staged table's is known already)."""
    if isinstance(content, bytes):
        return hashlib.sha256(content).hexdigest()
    if content == release.data_path:
        return release.sha256
    digest: str = file_digest(content).hexdigest()
    return digest


def _md5(body: bytes | Path) -> str:
    if isinstance(body, bytes):
        return hashlib.md5(body, usedforsecurity=False).hexdigest()
    with body.open("rb") as fh:
        return hashlib.file_digest(fh, "md5").hexdigest()


def _resources(
    release: Release,
    state: PortalState,
    ids: dict[str, str],
    contents: dict[str, bytes | Path],
    version: str,
    published_at: str,
    conforms_to: str | None,
) -> list[dict[str, Any]]:
    """The package's resource list after the revision: same order, new ones appended."""
    assert state.package is not None
    spec = release.spec

    def fields(role: str) -> dict[str, Any]:
        digest = _sha256(release, contents[role])
        text = presentation.description(role, contents)
        meta = artifacts.resource_meta(role, spec, version, text)
        meta.update(id=ids[role], sha256=digest, hash=digest, hash_algorithm=SHA256_URI)
        if state.self_loading:
            # xloader and DataPusher skip a file whose md5 the resource's hash already
            # names: so they never load it a second time, untyped (the publisher loads it)
            meta.update(hash=_md5(contents[role]), hash_algorithm=MD5_URI)
        meta.update(odp_published_at=published_at)
        if role in ("data", "archive"):
            meta["odp_rows"] = release.rows
        if role == "data" and conforms_to:
            meta["conforms_to"] = conforms_to
        return meta

    existing = state.package.get("resources", [])
    by_id = {r["id"]: i for i, r in enumerate(existing)}
    merged: list[dict[str, Any]] = [dict(r) for r in existing]
    for role in contents:
        if ids[role] in by_id:
            merged[by_id[ids[role]]].update(fields(role))
        else:
            merged.append(fields(role))
    return artifacts.ordered_resources(merged, set(contents))


def _load_params(release: Release, resource_id: str, version: str | None) -> dict[str, Any]:
    return {
        "resource_id": resource_id,
        "token": release.token,
        "fields": json.dumps(release.fields, ensure_ascii=False),
        "primary_key": json.dumps(release.primary_key),
        # the portal swaps the table in only while the resource's metadata names this sha256
        "record": json.dumps({"version": version, "sha256": release.sha256}),
        "full_text_max_rows": str(release.destination.full_text_max_rows),
    }


def _upload(release: Release) -> dict[str, Any]:
    return {"upload": (artifacts.file_name("data", release.slug), release.load_csv)}


def stage_datastore(
    client: CkanClient, release: Release, state: PortalState, version: str | None
) -> dict[str, Any]:
    """Build the new version's DataStore table hidden on the portal, before the version commit."""
    params = _load_params(release, state.current["data"]["id"], version)
    result: dict[str, Any] = client.call(
        "odp_datastore_load", files=_upload(release), stage="true", **params
    )
    return result


def load_datastore(
    client: CkanClient,
    release: Release,
    state: PortalState,
    resource_id: str | None = None,
    staged: bool = False,
    previous: datastore_api.Table | None = None,
    copy_from: str | None = None,
) -> dict[str, Any]:
    """Load the current data into the DataStore (atomic swap with ``ckanext-odp``).

    The load is refused (``{"superseded": True}``) when the resource's metadata no
    longer names this release's sha256: a stale publisher cannot put its rows back
    (with ``ckanext-odp`` before the swap; through CKAN's API, the record of the load
    is refused and the next run loads again).

    Args:
        resource_id: the resource whose table to load (default: the current data's).
        staged: the table was staged (``stage_datastore``): swap it in without uploading
            again, unless the portal no longer holds it.
        previous: through CKAN's API: what the table holds now (``held_table``), so
            that only the rows that differ are written.
        copy_from: with ``ckanext-odp``: a resource whose table holds this load (the
            current data's, for its archived copy): the portal copies its rows, and
            the table is uploaded only if it does not hold them.
    """
    if not state.loader:
        return _load_through_api(client, release, state, resource_id, previous)
    params = _load_params(release, resource_id or state.current["data"]["id"], state.version)
    if staged:
        swapped: dict[str, Any] = client.call("odp_datastore_load", **params)
        if not swapped.get("missing_stage"):
            return swapped
    if copy_from is not None and copy_from != params["resource_id"]:
        copied: dict[str, Any] = client.call("odp_datastore_load", copy_from=copy_from, **params)
        if not copied.get("missing_source"):
            return copied
    result: dict[str, Any] = client.call("odp_datastore_load", files=_upload(release), **params)
    return result


def _api_table(
    load_csv: bytes | Path, fields: list[dict[str, Any]], key: list[str], rows: int
) -> datastore_api.Table:
    # the column types also as the data dictionary's type override, which xloader and
    # DataPusher keep if they ever load the file again (a steward's manual reload)
    typed = [{**f, "info": {**f.get("info", {}), "type_override": f["type"]}} for f in fields]
    return datastore_api.Table(load_csv, typed, key, rows)


def held_table(
    client: CkanClient, release: Release, state: PortalState, scratch: Path
) -> datastore_api.Table | None:
    """What the current data's DataStore table holds, when its recorded load vouches for it.

    The previous version's data (its archived copy, checked against its sha256) and
    schema give the load token the publisher recorded after loading them; only when
    the resource names that token is the table known to hold exactly those rows.
    """
    if release.primary_key == [] or not (state.datastore or {}).get("token"):
        return None
    staged = release.staged_copy(state.sha256("data"))
    data, schema = previous_version(
        client, state, release.sha256, release.schema_sha256, scratch, staged
    )
    if data is None:
        return None
    schema = schema or release.schema
    fields, key = datastore_fields(schema), primary_key(schema)
    load_csv = datastore_csv(data.read_bytes(), schema) if needs_rewrite(schema) else data
    if load_token(load_csv, fields, key) != (state.datastore or {}).get("token"):
        return None
    archive = state.archive_for(state.version) if state.version else None
    rows = (archive or {}).get("odp_rows")
    if rows is None:  # published before rows were recorded: count them
        counted = datastore_api.Table(load_csv, fields, key, 0)
        rows = sum(len(batch) for batch in datastore_api.batches(counted))
    return _api_table(load_csv, fields, key, int(rows))


def _load_through_api(
    client: CkanClient,
    release: Release,
    state: PortalState,
    resource_id: str | None,
    previous: datastore_api.Table | None = None,
) -> dict[str, Any]:
    """Fill a table with CKAN's DataStore API; note the load on the current data resource."""
    table = _api_table(release.load_csv, release.fields, release.primary_key, release.rows)
    target = resource_id or state.current["data"]["id"]
    result = datastore_api.load_table(
        client, target, table, previous if resource_id is None else None
    )
    if resource_id is None and state.package_id is not None:
        noted = datastore_api.record_load(
            client, state.package_id, target, table, release.sha256, release.token
        )
        result["superseded"] = not noted
    return result
