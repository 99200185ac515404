"""Prefect tasks: the pipeline's steps (``opendata_pipeline.steps``), with logs and artifacts.

Each task is a thin wrapper: it calls the step, records what a steward reads in
the Prefect UI (validation report, plan, link), and passes small values on.
Only errors the project marks as transient are retried, and not those whose own layer
already retried them until its time budget ran out (the CKAN client retries every
request, HTTP sources their downloads): retries of two layers never multiply.
"""

from __future__ import annotations

import hashlib
import socket
from datetime import timedelta
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.tasks import exponential_backoff

from .. import steps
from ..catalogue import DatasetSpec
from ..errors import OdpError
from ..profile import PublisherProfile
from ..publish.apply import Applied
from ..publish.catalogue_package import PackageResult, publish_package
from ..publish.destination import Destination
from ..publish.plan import Plan
from ..steps import Checked, Staged, Workspace
from ..validate.step import ValidationFailed
from .connect import portal_client
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

    The host and workspace are part of the key because the result points at a key
    file in that workspace.
    """
    spec: DatasetSpec = parameters["spec"]
    staged: Staged = parameters["staged"]
    references: list[Checked] = parameters["references"]
    workspace: Workspace = parameters["workspace"]
    parts = [
        steps.engine_digest(),
        socket.gethostname(),
        str(workspace.cache),
        spec.slug,
        staged.sha256,
        steps.schema_digest(spec),
        *sorted(f"{r.slug}:{r.staged.sha256}" for r in references),
        f"keys:{parameters.get('keep_keys', True)}",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


@task(name="gather", task_run_name="gather {spec.slug}", **RETRIES)
def gather(spec: DatasetSpec, workspace: Workspace) -> Staged:
    """Read a dataset's sources and stage its table as a CSV file."""
    staged = steps.gather(spec, workspace)
    get_run_logger().info("%s: gathered, sha256 %s", spec.slug, staged.sha256)
    return staged


@task(
    name="validate",
    task_run_name="validate {spec.slug}",
    cache_key_fn=validation_cache_key,
    cache_expiration=timedelta(days=30),
    persist_result=True,
)
def validate(
    spec: DatasetSpec,
    staged: Staged,
    references: list[Checked],
    workspace: Workspace,
    keep_keys: bool = True,
) -> Checked:
    """Validate a staged table; attach the report; fail if the table is invalid.

    ``keep_keys``: keep its key values for the datasets whose foreign keys point at it.

    Raises:
        ValidationFailed: the table has errors (the report names dataset, row and field).
    """
    checked = steps.validate(spec, staged, references, workspace, keep_keys=keep_keys)
    create_markdown_artifact(
        checked.report.to_markdown(),
        key=artifact_key("validation", spec.slug),
        description=f"Validation report of {spec.slug}",
    )
    get_run_logger().info(
        "%s: %s rows, %s error(s)", spec.slug, checked.report.rows, checked.report.total
    )
    if not checked.valid:
        raise ValidationFailed(checked.report)
    return checked


@task(name="plan", task_run_name="plan {spec.slug}", **RETRIES)
def plan(spec: DatasetSpec, checked: Checked, destination: Destination) -> Plan:
    """Compare the validated table with the portal; attach the plan (reads only)."""
    planned = steps.plan(spec, checked, destination, portal_client(destination, write=False))
    create_markdown_artifact(
        plan_markdown(planned),
        key=artifact_key("plan", spec.slug),
        description=f"What publishing {spec.slug} changes on {destination.portal_url}",
    )
    return planned


@task(name="apply", task_run_name="apply {plan.slug}", **RETRIES)
def apply(plan: Plan, destination: Destination, allow_draft: bool = False) -> Applied:
    """Carry out the plan on the portal; attach a link to the dataset and its version.

    A dataset still drafted by ``odp init`` is refused unless ``allow_draft``.
    """
    applied = steps.apply(plan, portal_client(destination, write=True), allow_draft)
    get_run_logger().info("%s: %s", plan.slug, ", ".join(applied.steps) or "nothing to do")
    create_link_artifact(
        applied.url,
        link_text=f"{plan.slug} {applied.version} on CKAN",
        key=artifact_key("ckan", plan.slug),
        description=(
            f"Version {applied.version} ({plan.headline()}); download: {applied.version_url or '-'}"
        ),
    )
    return applied


@task(name="catalogue package", task_run_name="catalogue package {profile.package_name}", **RETRIES)
def refresh_package(
    profile: PublisherProfile,
    catalogue: dict[str, DatasetSpec],
    destination: Destination,
    dry_run: bool,
) -> PackageResult:
    """Refresh the Data Package that lists every published dataset of the publisher."""
    client = portal_client(destination, write=not dry_run)
    result = publish_package(client, profile, destination, catalogue, dry_run)
    get_run_logger().info(
        "catalogue package %s: %s (%d datasets, version %s)",
        profile.package_name,
        result.action,
        result.members,
        result.version,
    )
    if result.download_url:
        create_link_artifact(
            result.download_url,
            link_text=f"datapackage.json of {profile.package_name}",
            key=artifact_key("package", profile.package_name),
            description=f"Catalogue data package ({result.action}, {result.members} datasets)",
        )
    return result
