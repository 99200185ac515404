"""What the portal holds for a dataset: the only state a plan is computed from."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..ckan import CkanClient
from ..errors import PortalNotFound, PortalUnavailable
from .artifacts import CURRENT_ROLES, Reference, canonical_schema
from .datastore_api import LOADED_FIELD


@dataclass
class PortalState:
    """A dataset as the portal holds it (``package`` is None when it does not exist)."""

    slug: str
    package: dict[str, Any] | None = None
    org_name: str | None = None
    current: dict[str, dict[str, Any]] = field(default_factory=dict)
    archives: list[dict[str, Any]] = field(default_factory=list)
    datastore: dict[str, Any] | None = None
    """Load record of the data resource's DataStore table; None if the portal cannot tell."""
    loader: bool = False
    """The portal runs this project's DataStore loader (``ckanext-odp``)."""
    datastore_api: bool = False
    """No loader, but CKAN's DataStore API (a stock portal): tables load through it."""

    self_loading: bool = False
    """The portal loads uploaded tables into the DataStore by itself (xloader, DataPusher)."""

    @property
    def can_load(self) -> bool:
        """The publisher can fill this portal's DataStore (either way)."""
        return self.loader or self.datastore_api

    @property
    def exists(self) -> bool:
        return self.package is not None

    @property
    def package_id(self) -> str | None:
        return self.package["id"] if self.package else None

    @property
    def version(self) -> str | None:
        """The published version (None while never published or only a draft)."""
        if not self.package or self.package.get("state") != "active":
            return None
        return self.package.get("version") or None

    def sha256(self, role: str) -> str | None:
        return self.current.get(role, {}).get("sha256")

    def archive_for(self, version: str) -> dict[str, Any] | None:
        return next((r for r in self.archives if r.get("odp_version") == version), None)


def read_state(client: CkanClient, slug: str, datastore_status: bool = True) -> PortalState:
    """Read the dataset ``slug`` from the portal (reads only).

    Args:
        datastore_status: ask the portal about the DataStore table (if it can tell).
    """
    loader, api = loading_paths(client)  # what the portal offers first (status_show, once)
    try:
        pkg = client.call("package_show", id=slug)
    except PortalNotFound:
        return PortalState(
            slug, loader=loader, datastore_api=api, self_loading=self_loading(client)
        )
    return state_of(client, pkg, datastore_status)


def loading_paths(client: CkanClient) -> tuple[bool, bool]:
    """How this portal's DataStore can be filled: (``ckanext-odp``'s loader, CKAN's API)."""
    extensions = client.extensions()
    loader = "odp_publish" in extensions
    return loader, not loader and "datastore" in extensions


#: Plugins that load every uploaded table into the DataStore on their own.
SELF_LOADING = ("xloader", "datapusher", "datapusher_plus")


def self_loading(client: CkanClient) -> bool:
    """The portal runs xloader or DataPusher (they load uploaded CSVs themselves, untyped)."""
    return any(p in client.extensions() for p in SELF_LOADING)


def state_of(client: CkanClient, pkg: dict[str, Any], datastore_status: bool = True) -> PortalState:
    """The state of a package dict the portal returned (asks the DataStore's status)."""
    slug = pkg["name"]
    loader, api = loading_paths(client)
    org = (pkg.get("organization") or {}).get("name")
    state = PortalState(
        slug, pkg, org, loader=loader, datastore_api=api, self_loading=self_loading(client)
    )
    for res in pkg.get("resources", []):
        role = res.get("odp_role")
        if role in CURRENT_ROLES:
            state.current[role] = res
        elif role == "archive":
            state.archives.append(res)
    data = state.current.get("data")
    if data is None or data.get("url_type") != "upload":
        return state
    if loader and datastore_status:
        state.datastore = client.call("odp_datastore_status", resource_id=data["id"])
    elif api:
        # what the table holds is noted on the resource after each load (datastore_api)
        state.datastore = {"token": data.get(LOADED_FIELD)}
    return state


def previous_version(
    client: CkanClient,
    state: PortalState,
    sha256: str,
    schema_sha256: str,
    folder: Path,
    local_data: Path | None = None,
) -> tuple[Path | None, dict[str, Any] | None]:
    """The current version's data and schema, downloaded only where they differ from ours.

    The data is written to a file in ``folder`` (a large table never sits in memory).

    Args:
        local_data: a file the caller checked to hold the current version's data (its
            sha256 is the one the portal's metadata names): used instead of a download.

    Raises:
        PortalUnavailable: a download failed or its bytes do not match their sha256.
    """
    if not state.version:
        return None, None
    data, schema = state.current.get("data"), state.current.get("schema")
    previous_data = previous_schema = None
    if data and state.sha256("data") != sha256 and local_data is not None:
        previous_data = local_data
    elif data and state.sha256("data") != sha256:
        # The archived copy is never rewritten; the current file may be, on a portal
        # without ckanext-odp, by a publish the portal died in (issue 16).
        archive = state.archive_for(state.version)
        source = archive if archive is not None and archive.get("sha256") else data
        previous_data = download_file(
            client, source["url"], folder / "previous.csv", source.get("sha256")
        )
    if schema and state.sha256("schema") != schema_sha256:
        previous_schema = download_json(client, schema["url"])
    return previous_data, previous_schema


def published_history(changelog: dict[str, Any], state: PortalState) -> list[dict[str, Any]]:
    """The changelog's entries of versions the portal's metadata holds, newest first.

    On a portal without ``ckanext-odp`` a publish the portal died in can leave the
    changelog file naming a version whose metadata was never committed: such
    entries (no archived copy in the metadata) are dropped, not carried on.
    """
    known = {r.get("odp_version") for r in state.archives}
    return [v for v in changelog.get("versions", []) if v.get("version") in known]


def download(client: CkanClient, url: str, expect_sha256: str | None = None) -> bytes:
    """Download a file from the portal; check its sha256 when one is expected.

    Raises:
        PortalUnavailable: the download failed or its bytes do not match (retry).
    """
    resp = client.get(url)
    if resp.status_code != 200:
        raise PortalUnavailable(f"GET {url}: HTTP {resp.status_code}")
    body = resp.content
    if expect_sha256 and hashlib.sha256(body).hexdigest() != expect_sha256:
        raise PortalUnavailable(f"GET {url}: content does not match sha256 {expect_sha256}")
    return body


def download_file(
    client: CkanClient, url: str, path: Path, expect_sha256: str | None = None
) -> Path:
    """Download a file from the portal to ``path`` in blocks; check its sha256 if expected.

    Raises:
        PortalUnavailable: the download failed or its bytes do not match (retry).
    """
    with path.open("wb") as fh:
        status, digest = client.download(url, fh)
    if status != 200:
        raise PortalUnavailable(f"GET {url}: HTTP {status}")
    if expect_sha256 and digest != expect_sha256:
        raise PortalUnavailable(f"GET {url}: content does not match sha256 {expect_sha256}")
    return path


def download_json(client: CkanClient, url: str) -> Any:
    """Download and parse a JSON file from the portal."""
    return json.loads(download(client, url).decode("utf-8"))


def read_reference(
    client: CkanClient, name: str, local_schema: dict[str, Any] | None = None
) -> Reference | None:
    """Dataset ``name``'s current version as the portal holds it; None if never published.

    Args:
        local_schema: the schema the declaration has; used instead of downloading the
            published one when their sha256 agree.
    """
    state = read_state(client, name, datastore_status=False)
    archive = state.archive_for(state.version) if state.version else None
    schema_res = state.current.get("schema")
    if state.version is None or archive is None or schema_res is None:
        return None
    local_sha = hashlib.sha256(canonical_schema(local_schema)).hexdigest() if local_schema else None
    if local_schema is not None and local_sha == schema_res.get("sha256"):
        schema = local_schema
    else:
        schema = download_json(client, schema_res["url"])
    return Reference(name, archive["url"], schema, state.version, archive.get("sha256") or "")


def list_versions(client: CkanClient, slug: str) -> list[dict[str, Any]]:
    """The versions the portal holds for a dataset, newest first (from its changelog)."""
    state = read_state(client, slug, datastore_status=False)
    changelog = state.current.get("changelog")
    if changelog is None or not state.version:
        return []
    return published_history(download_json(client, changelog["url"]), state)
