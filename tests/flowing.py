"""Helpers for flow tests: a renamed copy of the catalogue, and what a flow run left in Prefect."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.catalogues import derive_catalogue, profile_for
from tests.project import ROOT


@dataclass
class CatalogueCopy:
    """A copy of the shipped catalogue under unique slugs, with its own profile file."""

    root: Path
    names: dict[str, str]
    profile: str
    """The profile file's path: pass it to the flows as ``profile``."""
    portal_url: str

    def csv(self, slug: str) -> Path:
        new = self.names[slug]
        return self.root / "datasets" / new / f"{slug}.csv"

    def params(self, **more: Any) -> dict[str, Any]:
        """Flow parameters for this copy (profile and portal)."""
        return {"profile": self.profile, "portal_url": self.portal_url, **more}


def catalogue_copy(
    tmp: Path, monkeypatch: pytest.MonkeyPatch, portal_url: str, token: str
) -> CatalogueCopy:
    """Derive the catalogue under ``tmp`` with unique slugs; the token comes from the env."""
    suffix = uuid.uuid4().hex[:6]
    names = derive_catalogue(ROOT, tmp / "catalogue", lambda s: f"{s}-{suffix}")
    profile = profile_for(tmp / "catalogue", tmp / "profile.yaml")
    monkeypatch.setenv("ODP_CACHE_DIR", str(tmp / "cache"))
    monkeypatch.setenv("ODP_CKAN_TOKEN", token)
    return CatalogueCopy(tmp / "catalogue", names, str(profile), portal_url)


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


def run_catalogue(**params: Any) -> Any:
    """Run ``publish-catalogue`` in this process; return its RunResult (also when it failed)."""
    from opendata_pipeline.flows import publish_catalogue
    from opendata_pipeline.orchestrate.summary import run_result

    return run_result(publish_catalogue(**params, return_state=True))


def heartbeats(flow_run_id: Any, at_least: int = 1, wait: float = 30.0) -> list[dict[str, Any]]:
    """The heartbeat events the Prefect API holds for a flow run (waits until ``at_least``
    arrived or ``wait`` seconds passed: events reach the server's store asynchronously)."""
    import time

    import httpx
    from prefect.settings import PREFECT_API_URL

    body = {
        "filter": {
            "event": {"name": ["prefect.flow-run.heartbeat"]},
            "resource": {"id": [f"prefect.flow-run.{flow_run_id}"]},
        },
        "limit": 50,
    }
    deadline = time.monotonic() + wait
    while True:
        answer = httpx.post(f"{PREFECT_API_URL.value()}/events/filter", json=body, timeout=30)
        answer.raise_for_status()
        events: list[dict[str, Any]] = answer.json()["events"]
        if len(events) >= at_least or time.monotonic() > deadline:
            return events
        time.sleep(0.5)
