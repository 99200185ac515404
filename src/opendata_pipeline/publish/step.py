"""The publishing step the command line and the flows share: validate, plan, apply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..catalogue import DatasetSpec
from ..ckan_client import CkanClient
from ..errors import OdpError
from ..gather.core import GatherContext
from ..validate.step import validate_each
from .plan import make_release
from .runner import PublishResult, publish_release
from .settings import PublishTarget
from .state import download_json, read_state

Log = Callable[[str], None]


@dataclass
class Outcome:
    """One dataset's result: published (or planned), or the error that stopped it."""

    slug: str
    result: PublishResult | None = None
    error: OdpError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def publish_datasets(
    catalogue: dict[str, DatasetSpec],
    slugs: list[str],
    ctx: GatherContext,
    target: PublishTarget,
    client: CkanClient,
    dry_run: bool = False,
    log: Log = lambda _m: None,
) -> dict[str, Outcome]:
    """Gather, validate and publish datasets in foreign-key order; one failure stops only its own.

    Datasets the requested ones reference are validated too (for their keys) but
    only the requested ones are published.
    """
    outcomes: dict[str, Outcome] = {}
    for slug, validated in validate_each(catalogue, slugs, ctx):
        if not isinstance(validated, OdpError) and slug not in slugs:
            continue  # validated only for its keys
        try:
            if isinstance(validated, OdpError):
                raise validated
            release = make_release(catalogue[slug], validated, target)
            outcomes[slug] = Outcome(slug, publish_release(client, release, dry_run, log=log))
        except OdpError as exc:
            log(f"{slug}: FAILED: {exc}")
            outcomes[slug] = Outcome(slug, error=exc)
    return outcomes


def list_versions(client: CkanClient, slug: str) -> list[dict[str, Any]]:
    """The versions the portal holds for a dataset, newest first (from its changelog)."""
    state = read_state(client, slug, datastore_status=False)
    changelog = state.current.get("changelog")
    if changelog is None or not state.version:
        return []
    versions: list[dict[str, Any]] = download_json(client, changelog["url"]).get("versions", [])
    return versions
