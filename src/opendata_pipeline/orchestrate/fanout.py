"""Fan a catalogue run out as one deployment run per dataset, so several workers share it."""

from __future__ import annotations

import json
import time
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
)
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment

from ..errors import ConfigError
from .runs import CatalogueRun
from .summary import DatasetOutcome

DATASET_FLOW = "publish-dataset"


def deployment_name(slug: str) -> str:
    """The deployment of one dataset, as ``prefect.yaml`` names it."""
    return f"{DATASET_FLOW}/{slug}"


def _outcome(client: Any, slug: str, run_id: UUID, state: Any) -> DatasetOutcome:
    artifacts = client.read_artifacts(
        artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]),
            key=ArtifactFilterKey(any_=["publish-outcomes"]),
        )
    )
    rows: list[Any] = []
    for artifact in artifacts:  # a table artifact's data is stored as a JSON string
        data = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
        rows += data if isinstance(data, list) else []
    row = next((r for r in rows if isinstance(r, dict) and r.get("dataset") == slug), None)
    if row is not None:
        return DatasetOutcome(**row)
    return DatasetOutcome(slug, "failed", "failed", error=state.message, stage="deployment run")


def run_wave_as_deployments(run: CatalogueRun, wave: list[str], poll: float = 1.0) -> None:
    """Start one ``publish-dataset`` deployment run per requested dataset; wait; record outcomes.

    Raises:
        ConfigError: a dataset has no deployment (run ``prefect deploy --all``).
    """
    started: dict[str, UUID] = {}
    for slug in (s for s in wave if s in run.requested):
        try:
            flow_run: FlowRun = run_deployment(  # type: ignore[assignment]
                deployment_name(slug),
                parameters={"dataset": slug, "dry_run": run.dry_run, "profile": run.profile},
                timeout=0,
            )
        except Exception as exc:  # Prefect raises ObjectNotFound for an unknown deployment
            raise ConfigError(
                f"cannot start deployment {deployment_name(slug)!r}: {type(exc).__name__}; "
                "deploy first: prefect --no-prompt deploy --all"
            ) from None
        started[slug] = flow_run.id
    with get_client(sync_client=True) as client:
        pending = dict(started)
        while pending:
            for slug, run_id in list(pending.items()):
                state = client.read_flow_run(run_id).state
                if state is not None and state.is_final():
                    run.record(_outcome(client, slug, run_id, state))
                    del pending[slug]
            if pending:
                time.sleep(poll)
