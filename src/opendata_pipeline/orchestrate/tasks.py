"""Prefect tasks: thin wrappers around gather, validate, plan and apply.

Tasks take and return small values (a spec, file paths, hashes, reports, plans),
never DataFrames. They retry transient errors only (timeouts, 5xx, dropped
connections), with exponential backoff and jitter.
"""

from __future__ import annotations

import hashlib
import socket
import threading
from datetime import timedelta
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.tasks import exponential_backoff

from .. import __version__
from ..catalogue import DatasetSpec
from ..ckan_client import CkanClient
from ..errors import OdpError
from ..profile import PublisherProfile
from ..publish.catalogue_package import PackageResult, publish_package
from ..publish.connect import portal_client
from ..publish.runner import PublishResult, publish_release
from ..publish.settings import PublishTarget
from .secrets import block_secret
from .staging import (
    Checked,
    Staged,
    check_staged,
    gather_context,
    release_for,
    schema_digest,
    stage_dataset,
    stage_dir,
)
from .summary import artifact_key, plan_markdown


def transient_only(_task: Any, _run: Any, state: Any) -> bool:
    """Retry condition: only errors the project marks as transient are retried."""
    try:
        state.result()
    except OdpError as exc:
        return exc.transient
    except Exception:  # noqa: BLE001 - anything unexpected is a bug, not worth retrying
        return False
    return False


RETRIES: dict[str, Any] = {
    "retries": 2,
    "retry_delay_seconds": exponential_backoff(backoff_factor=2),
    "retry_jitter_factor": 0.5,
    "retry_condition_fn": transient_only,
}


def validation_cache_key(_context: Any, parameters: dict[str, Any]) -> str:
    """Same staged bytes, schema, referenced keys and engine: same validation result.

    The host and stage directory are part of the key because the result points at
    a key file in that directory.
    """
    spec: DatasetSpec = parameters["spec"]
    staged: Staged = parameters["staged"]
    references: list[Checked] = parameters["references"]
    parts = [
        __version__,
        socket.gethostname(),
        str(stage_dir()),
        spec.slug,
        staged.sha256,
        schema_digest(spec),
        *sorted(f"{r.slug}:{r.sha256}" for r in references),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


_clients: dict[tuple[str, str], CkanClient] = {}
_clients_lock = threading.Lock()


def _client(target: PublishTarget) -> CkanClient:
    """The process's client for this portal and token (it caches the portal's plugin list)."""
    fresh = portal_client(target, secrets=block_secret)
    key = (target.portal_url, fresh.token_digest)
    with _clients_lock:
        return _clients.setdefault(key, fresh)


@task(name="gather", task_run_name="gather {spec.slug}", **RETRIES)
def gather(spec: DatasetSpec) -> Staged:
    """Read a dataset's sources and stage its table as a CSV file."""
    staged = stage_dataset(spec, gather_context(spec.folder.parent.parent), stage_dir())
    get_run_logger().info("%s: gathered, sha256 %s", spec.slug, staged.sha256)
    return staged


@task(
    name="validate",
    task_run_name="validate {spec.slug}",
    cache_key_fn=validation_cache_key,
    cache_expiration=timedelta(days=30),
    persist_result=True,
    **RETRIES,
)
def validate(spec: DatasetSpec, staged: Staged, references: list[Checked]) -> Checked:
    """Validate a staged table (foreign keys against ``references``); cached by content."""
    checked = check_staged(spec, staged, references, stage_dir())
    get_run_logger().info(
        "%s: %s rows, %s error(s)", spec.slug, checked.report.rows, checked.report.total
    )
    return checked


@task(name="plan", task_run_name="plan {spec.slug}", **RETRIES)
def plan(
    spec: DatasetSpec, staged: Staged, checked: Checked, target: PublishTarget
) -> PublishResult:
    """Attach the validation report; refuse invalid data; plan against the portal (no writes)."""
    create_markdown_artifact(
        checked.report.to_markdown(),
        key=artifact_key("validation", spec.slug),
        description=f"Validation report of {spec.slug}",
    )
    release = release_for(spec, staged, checked, target)
    result = publish_release(_client(target), release, dry_run=True)
    create_markdown_artifact(
        plan_markdown(result.plan),
        key=artifact_key("plan", spec.slug),
        description=f"What publishing {spec.slug} changes on {target.portal_url}",
    )
    return result


@task(name="apply", task_run_name="apply {spec.slug}", **RETRIES)
def apply(
    spec: DatasetSpec, staged: Staged, checked: Checked, target: PublishTarget
) -> PublishResult:
    """Publish the release (read, plan, apply a step, repeat) and link the result."""
    logger = get_run_logger()
    release = release_for(spec, staged, checked, target)
    result = publish_release(_client(target), release, log=logger.info)
    create_link_artifact(
        result.url,
        link_text=f"{spec.slug} {result.version} on CKAN",
        key=artifact_key("ckan", spec.slug),
        description=(
            f"Version {result.version} ({result.plan.headline()}); "
            f"download: {result.version_url or '-'}"
        ),
    )
    return result


@task(
    name="catalogue package",
    task_run_name="catalogue package {profile.package_name}",
    **RETRIES,
)
def catalogue_package(
    profile: PublisherProfile,
    catalogue: dict[str, DatasetSpec],
    target: PublishTarget,
    dry_run: bool,
) -> PackageResult:
    """Refresh the Data Package that lists every published dataset of the publisher."""
    result = publish_package(_client(target), profile, target, catalogue, dry_run)
    get_run_logger().info(
        "catalogue package %s: %s (%d datasets)",
        profile.package_name,
        result.action,
        result.members,
    )
    if result.download_url:
        create_link_artifact(
            result.download_url,
            link_text=f"datapackage.json of {profile.package_name}",
            key=artifact_key("package", profile.package_name),
            description=f"Catalogue data package ({result.action}, {result.members} datasets)",
        )
    return result
