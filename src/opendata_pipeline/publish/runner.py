"""Publish a release: read the portal, plan, apply one step, repeat until nothing is left.

Because every round starts from what the portal holds, an interrupted run, a
lost response or a concurrent publisher never leaves two versions with one
number: the next round plans again from the portal's state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..ckan_client import CkanClient
from ..errors import PortalConflict, TerminalError, TransientError
from ..retry import backoff_delay
from .apply import create_draft, ensure_group, load_datastore, publish_version, update_metadata
from .plan import Plan, Release, make_plan
from .state import PortalState, download, download_json, read_state

Log = Callable[[str], None]
MAX_ROUNDS = 12


class PublishError(TerminalError):
    """A publication did not converge."""


@dataclass
class PublishResult:
    """What a publication did: the plan it started from and what the portal holds now."""

    slug: str
    plan: Plan
    version: str | None
    url: str
    applied: list[str] = field(default_factory=list)
    datastore: dict[str, Any] | None = None
    version_url: str | None = None
    """Download URL of the current version's archived CSV."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.slug,
            "plan": self.plan.as_dict(),
            "version": self.version,
            "url": self.url,
            "applied": self.applied,
            "datastore": self.datastore,
            "version_url": self.version_url,
        }


def _plan(client: CkanClient, release: Release, state: PortalState) -> Plan:
    previous_data = previous_schema = None
    if state.version:
        data, schema = state.current.get("data"), state.current.get("schema")
        if data and state.sha256("data") != release.sha256:
            previous_data = download(client, data["url"], state.sha256("data"))
        if schema and state.sha256("schema") != release.schema_sha256:
            previous_schema = download_json(client, schema["url"])
    return make_plan(release, state, previous_data, previous_schema)


def _apply_step(
    client: CkanClient, release: Release, plan: Plan, state: PortalState
) -> tuple[str, dict[str, Any] | None]:
    """Apply the next step of ``plan``; return its label (and the DataStore load record)."""
    if plan.action == "version" and not state.exists:
        ensure_group(client, release)
        create_draft(client, release, state)
        return "create draft", None
    if plan.action == "version":
        publish_version(client, release, plan, state)
        return f"version {plan.next_version}", None
    if plan.action == "metadata":
        update_metadata(client, release, state)
        return "metadata", None
    return "datastore", load_datastore(client, release, state)


def publish_release(
    client: CkanClient,
    release: Release,
    dry_run: bool = False,
    attempts: int = 5,
    log: Log = lambda _m: None,
    sleep: Callable[[float], None] = time.sleep,
) -> PublishResult:
    """Plan and (unless ``dry_run``) apply until the portal holds the release.

    Args:
        attempts: tries per transient failure (timeouts, 5xx, dropped connections).

    Raises:
        TransientError: the portal kept failing after ``attempts`` tries.
        TerminalError: the portal refused (permissions, validation); retrying cannot help.
    """
    has_loader = "odp_publish" in client.extensions()
    url = f"{release.target.portal_url.rstrip('/')}/dataset/{release.slug}"
    first: Plan | None = None
    applied: list[str] = []
    mine: str | None = None
    loaded: dict[str, Any] | None = None
    failures = 0
    state = PortalState(release.slug)
    for _ in range(MAX_ROUNDS):
        try:
            state = read_state(client, release.slug, datastore_status=has_loader)
            if mine and state.sha256("data") != release.sha256:
                log(f"{release.slug}: version {mine} was superseded by another publisher")
                break
            plan = _plan(client, release, state)
            first = first or plan
            if dry_run or plan.action == "unchanged":
                break
            if plan.action == "datastore" and not has_loader:
                break
            step, result = _apply_step(client, release, plan, state)
            applied.append(step)
            if plan.action == "version" and state.exists:
                mine = plan.next_version
                log(f"{release.slug}: version {mine} is current")
            loaded = result or loaded
        except PortalConflict as exc:
            log(f"{release.slug}: {exc}")
        except TransientError as exc:
            failures += 1
            if failures >= attempts:
                raise
            delay = backoff_delay(failures)
            log(f"{release.slug}: {exc}; retrying in {delay:.1f} s")
            sleep(delay)
    else:
        raise PublishError(f"{release.slug}: publishing did not settle after {MAX_ROUNDS} rounds")
    assert first is not None
    archive = state.archive_for(state.version) if state.version else None
    version_url = archive.get("url") if archive else None
    return PublishResult(release.slug, first, state.version, url, applied, loaded, version_url)
