"""Fan a catalogue run out as one ``publish-dataset`` deployment run per dataset, so that
several workers share it."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment

from ..catalogue import references
from ..errors import ConfigError, OdpError
from .connect import portal_client
from .run import Run
from .summary import DatasetOutcome

DATASET_FLOW = "publish-dataset"


def deployment_name(slug: str) -> str:
    """The deployment of one dataset, as ``prefect.yaml`` names it."""
    return f"{DATASET_FLOW}/{slug}"


def _start(run: Run, slug: str) -> UUID:
    parameters: dict[str, Any] = {"dataset": slug, "dry_run": run.dry_run}
    if run.profile_ref:
        parameters["profile"] = run.profile_ref
    if run.portal_url:
        parameters["portal_url"] = run.portal_url
    if run.allow_draft:
        parameters["allow_draft"] = True
    try:
        flow_run = run_deployment(deployment_name(slug), parameters=parameters, timeout=0)
    except Exception as exc:  # Prefect raises ObjectNotFound for an unknown deployment
        raise ConfigError(
            f"cannot start deployment {deployment_name(slug)!r}: {type(exc).__name__}; "
            "deploy first: prefect --no-prompt deploy --all"
        ) from None
    return flow_run.id  # type: ignore[union-attr]


def run_as_deployments(run: Run, poll: float = 1.0) -> list[DatasetOutcome]:
    """Run each requested dataset as its own deployment run, in foreign-key waves.

    A dataset's outcome comes from its run's final state (a failure carries the failing
    step in its message) and, when it completed, from what the portal now holds.

    Raises:
        ConfigError: a dataset has no deployment (run ``prefect deploy --all``).
    """
    outcomes: dict[str, DatasetOutcome] = {}
    done: set[str] = set()
    pending_order = [spec for spec in run.order if run.publishes(spec)]
    with get_client(sync_client=True) as client:
        while pending_order:
            # a wave: every dataset whose referenced datasets are done
            wave = [s for s in pending_order if set(references(s)) & set(run.requested) <= done]
            started = {spec.slug: _start(run, spec.slug) for spec in wave}
            while started:
                for slug, run_id in list(started.items()):
                    state = client.read_flow_run(run_id).state
                    if state is not None and state.is_final():
                        outcomes[slug] = _outcome(run, slug, state)
                        done.add(slug)
                        del started[slug]
                if started:
                    time.sleep(poll)
            pending_order = [s for s in pending_order if s.slug not in done]
    return [outcomes[s] for s in run.requested if s in outcomes]


def _outcome(run: Run, slug: str, state: Any) -> DatasetOutcome:
    if not state.is_completed():
        return DatasetOutcome.failed(slug, "deployment run", state.message or state.name)
    try:
        pkg = portal_client(run.destination, write=False).call("package_show", id=slug)
        version = pkg.get("version")
    except OdpError:
        version = None
    verb = "planned" if run.dry_run else "published"
    summary = f"{verb} by a deployment run; portal holds {version or 'no version'}"
    return DatasetOutcome(
        slug,
        "planned" if run.dry_run else "published",
        summary,
        version,
        run.destination.dataset_url(slug),
    )
