"""Publish a release: read the portal, plan, apply one step, repeat until nothing is left.

Because every round starts from what the portal holds, an interrupted run, a
lost response or a concurrent publisher never leaves two versions with one
number: the next round plans again from the portal's state.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..ckan_client import CkanClient
from ..errors import PortalConflict, TerminalError, TransientError
from .apply import create_draft, ensure_group, load_datastore, publish_version, update_metadata
from .plan import Plan, Release, make_plan
from .state import PortalState, download, download_json, portal_extensions, read_state

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

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.slug,
            "plan": self.plan.as_dict(),
            "version": self.version,
            "url": self.url,
            "applied": self.applied,
            "datastore": self.datastore,
        }


def backoff(attempt: int, base: float = 0.5, cap: float = 15.0) -> float:
    """Exponential backoff with jitter (0.5x to 1.5x)."""
    return float(min(cap, base * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5))  # noqa: S311


def _plan(client: CkanClient, release: Release, state: PortalState) -> Plan:
    previous_data = previous_schema = None
    if state.version:
        data, schema = state.current.get("data"), state.current.get("schema")
        if data and state.sha256("data") != release.sha256:
            previous_data = download(client, data["url"], state.sha256("data"))
        if schema and state.sha256("schema") != release.schema_sha256:
            previous_schema = download_json(client, schema["url"])
    return make_plan(release, state, previous_data, previous_schema)


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
    has_loader = "odp_publish" in portal_extensions(client)
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
            if plan.action == "version" and not state.exists:
                ensure_group(client, release)
                create_draft(client, release, state)
                applied.append("create draft")
            elif plan.action == "version":
                publish_version(client, release, plan, state)
                mine = plan.next_version
                applied.append(f"version {mine}")
                log(f"{release.slug}: version {mine} is current")
            elif plan.action == "metadata":
                update_metadata(client, release, state)
                applied.append("metadata")
            elif has_loader:
                loaded = load_datastore(client, release, state)
                applied.append("datastore")
            else:
                break
        except PortalConflict as exc:
            log(f"{release.slug}: {exc}")
        except TransientError as exc:
            failures += 1
            if failures >= attempts:
                raise
            delay = backoff(failures)
            log(f"{release.slug}: {exc}; retrying in {delay:.1f} s")
            sleep(delay)
    else:
        raise PublishError(f"{release.slug}: publishing did not settle after {MAX_ROUNDS} rounds")
    assert first is not None
    return PublishResult(release.slug, first, state.version, url, applied, loaded)
