"""Helpers for flow tests: a renamed copy of the catalogue, and what a flow run left in Prefect."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from opendata_pipeline.derive import derive_catalogue
from opendata_pipeline.localportal.layout import project_root

ROOT = project_root()


@dataclass
class CatalogueCopy:
    """A copy of the shipped catalogue under unique slugs, with the environment pointing at it."""

    root: Path
    names: dict[str, str]

    def csv(self, slug: str) -> Path:
        new = self.names[slug]
        return self.root / "datasets" / new / f"{slug}.csv"


def catalogue_copy(
    tmp: Path, monkeypatch: pytest.MonkeyPatch, portal_url: str, token: str
) -> CatalogueCopy:
    """Derive the catalogue under ``tmp`` with unique slugs; point flows at it and the portal."""
    suffix = uuid.uuid4().hex[:6]
    names = derive_catalogue(ROOT, tmp / "catalogue", lambda s: f"{s}-{suffix}")
    monkeypatch.setenv("ODP_CATALOGUE_ROOT", str(tmp / "catalogue"))
    monkeypatch.setenv("ODP_STAGE_DIR", str(tmp / "stage"))
    monkeypatch.setenv("ODP_CKAN_URL", portal_url)
    monkeypatch.setenv("ODP_CKAN_TOKEN", token)
    return CatalogueCopy(tmp / "catalogue", names)


def run_record(flow_run_id: Any) -> dict[str, Any]:
    """Task runs (name -> state name, times), artifacts (key -> artifact) and logs of a flow run."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterId,
        LogFilter,
        LogFilterFlowRunId,
    )

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
        )
        flow_run = client.read_flow_run(flow_run_id)
    return {
        "flow_run": flow_run,
        "tasks": {r.name: r for r in runs},
        "artifacts": {a.key or str(a.id): a for a in artifacts},
        "logs": [entry.message for entry in logs],
    }
