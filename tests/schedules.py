"""Check on a real Prefect server that interval schedules create runs that a worker completes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from opendata_pipeline.dev import prefect_server
from opendata_pipeline.dev.prefect_server import PrefectServer
from opendata_pipeline.orchestrate.deployments import WORK_POOL
from tests.project import ROOT

PREFECT = str(Path(sys.executable).with_name("prefect"))
# Short loops so that a test sees the scheduler and the worker act within seconds.
FAST_SCHEDULER = {
    "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "3",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_LOOP_SECONDS": "5",
}
# What the scheduler logs when it fails (SQLAlchemy 2.1 made every cycle fail like this).
SCHEDULER_ERRORS = ("Can't evaluate bulk DML", "schedule_deployments", "SchedulerService")


def _deployment(name: str, dataset: str, active: bool) -> dict[str, Any]:
    return {
        "name": name,
        "entrypoint": "flows/publish.py:publish_dataset",
        "parameters": {"dataset": dataset},
        "work_pool": {"name": WORK_POOL},
        "schedules": [{"interval": 10, "active": active}],
    }


def deploy_interval_schedules(srv: PrefectServer, env: dict[str, str], tmp: Path) -> None:
    """Deploy ``modellregionen`` every 10 s, and the same with a paused schedule."""
    document = {
        "name": "schedule-check",
        "pull": [{"opendata_pipeline.orchestrate.pull.enter_project": {}}],
        "deployments": [
            _deployment("every-10s", "modellregionen", active=True),
            _deployment("paused-10s", "modellregionen", active=False),
        ],
    }
    deploy(srv, env, tmp / "prefect.schedules.yaml", document)


def deploy(srv: PrefectServer, env: dict[str, str], path: Path, document: dict[str, Any]) -> None:
    """Write a prefect.yaml ``document`` to ``path`` and deploy all of it to ``srv``."""
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    done = subprocess.run(
        [PREFECT, "--no-prompt", "deploy", "--all", "--prefect-file", str(path)],
        cwd=ROOT,
        env=srv.env(env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _runs_of(client: Any, deployment: str) -> list[Any]:
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    return list(
        client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[deployment]))
        )
    )


def scheduled_runs_complete(
    srv: PrefectServer, env: dict[str, str], tmp: Path, wanted: int = 2, timeout: float = 240
) -> dict[str, Any]:
    """Deploy, start a worker, wait for ``wanted`` completed scheduled runs; report what happened.

    Returns:
        ``completed`` (scheduled runs completed), ``created`` (runs the scheduler made),
        ``paused`` (runs of the paused deployment), ``errors`` (scheduler errors in the log).
    """
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    deploy_interval_schedules(srv, env, tmp)
    worker = prefect_server.start_worker(
        srv, "w-schedule", {**env, "PREFECT_WORKER_QUERY_SECONDS": "2"}
    )
    completed: list[Any] = []
    created: list[Any] = []
    paused: list[Any] = []
    try:
        with (
            temporary_settings({PREFECT_API_URL: srv.api_url}),
            get_client(sync_client=True) as client,
        ):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                created = [r for r in _runs_of(client, "every-10s") if r.auto_scheduled]
                completed = [r for r in created if r.state_name == "Completed"]
                if len(completed) >= wanted:
                    break
                time.sleep(2)
            paused = _runs_of(client, "paused-10s")
    finally:
        worker.stop()
    log = srv.log_file.read_text(errors="replace")
    errors = [
        line
        for line in log.splitlines()
        if any(e in line for e in SCHEDULER_ERRORS) and ("ERROR" in line or "Error" in line)
    ]
    return {"completed": completed, "created": created, "paused": paused, "errors": errors}
