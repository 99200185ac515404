"""Deployments from prefect.yaml on a real Prefect server (on PostgreSQL) run by real workers."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from opendata_pipeline.dev import prefect_server
from opendata_pipeline.dev.database import drop_databases, run_admin_sql
from opendata_pipeline.dev.prefect_server import PrefectServer
from tests.portal_fixture import Portal, free_port
from tests.project import ROOT
from tests.schedules import FAST_SCHEDULER, scheduled_runs_complete

PREFECT = str(Path(sys.executable).with_name("prefect"))
ODP = str(Path(sys.executable).with_name("odp"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """A fresh Prefect server whose database is PostgreSQL, with the project deployed."""
    db = f"odp_prefect_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    run_admin_sql(f"CREATE DATABASE {db}")
    srv = PrefectServer(
        tmp_path_factory.mktemp("prefect-home"),
        free_port(),
        f"postgresql+asyncpg://postgres@127.0.0.1:5432/{db}",
        FAST_SCHEDULER,
    )
    try:
        prefect_server.start(srv)
        assert prefect_server.ensure_work_pool(srv) is True
        yield srv
    finally:
        prefect_server.stop(srv)
        drop_databases([db], [])


def _client_env(srv: PrefectServer, portal: Portal, cache: Path) -> dict[str, str]:
    """The environment of clients and workers: portal URL and cache; no token (a block has it)."""
    env = {k: v for k, v in srv.env().items() if not k.startswith("ODP_")}
    env.update({"ODP_CKAN_URL": portal.url, "ODP_CACHE_DIR": str(cache)})
    return env


@contextmanager
def _read(srv: PrefectServer) -> Iterator[Any]:
    """A Prefect client talking to ``srv`` (this process's default API may be the harness)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: srv.api_url}), get_client(sync_client=True) as client:
        yield client


def _save_token_block(srv: PrefectServer, token: str) -> None:
    # the workers find the token in the Secret block; their environment has none
    code = (
        "import sys; from prefect.blocks.system import Secret; "
        "Secret(value=sys.stdin.read()).save('odp-ckan-token', overwrite=True)"
    )
    subprocess.run([sys.executable, "-c", code], input=token, text=True, env=srv.env(), check=True)


def test_deploy_all_then_a_worker_runs_a_dataset_deployment(
    server: PrefectServer, portal: Portal, tmp_path: Path
) -> None:
    env = _client_env(server, portal, tmp_path / "cache")
    deploy = subprocess.run(
        [PREFECT, "--no-prompt", "deploy", "--all"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert deploy.returncode == 0, deploy.stdout[-3000:] + deploy.stderr[-3000:]
    with _read(server) as client:
        deployments = {
            f"{client.read_flow(d.flow_id).name}/{d.name}": d for d in client.read_deployments()
        }
    assert sorted(deployments) == [
        "publish-catalogue/catalogue",
        "publish-dataset/modellregionen",
        "publish-dataset/programm-kennzahlen",
        "publish-dataset/projekte",
        "publish-dataset/veranstaltungen",
    ]
    events = deployments["publish-dataset/veranstaltungen"]
    assert [(s.schedule.cron, s.schedule.timezone) for s in events.schedules] == [
        ("0 * * * *", "Europe/Berlin")
    ]
    daily = deployments["publish-dataset/projekte"].schedules[0].schedule
    assert (daily.cron, daily.timezone) == ("15 5 * * *", "Europe/Berlin")
    assert all(d.enforce_parameter_schema for d in deployments.values())
    assert all(d.work_pool_name == "odp-process" for d in deployments.values())

    _save_token_block(server, portal.publisher_token)
    worker = prefect_server.start_worker(server, "w-single", env)
    try:
        run = subprocess.run(
            [
                PREFECT,
                "deployment",
                "run",
                "publish-dataset/modellregionen",
                "--watch",
                "--watch-timeout",
                "600",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=700,
        )
    finally:
        worker.stop()
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    pkg = portal.publisher.call("package_show", id="modellregionen")
    assert pkg["version"] == "1.0.0"
    # a parameter outside the schema is refused by the server, before any worker sees it
    bad = subprocess.run(
        [
            PREFECT,
            "deployment",
            "run",
            "publish-dataset/modellregionen",
            "--param",
            "dataset=Not A Slug",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode != 0
    assert "pattern" in bad.stdout + bad.stderr or "match" in bad.stdout + bad.stderr


def test_two_workers_share_a_fanned_out_catalogue_run(
    server: PrefectServer, portal: Portal, tmp_path: Path
) -> None:
    env = _client_env(server, portal, tmp_path / "cache")
    env["PREFECT_WORKER_QUERY_SECONDS"] = "1"
    _save_token_block(server, portal.publisher_token)
    started = datetime.now(UTC)
    workers = [prefect_server.start_worker(server, name, env, limit=1) for name in ("w1", "w2")]
    try:
        run = subprocess.run(
            [ODP, "publish", "--fan-out"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        for worker in workers:
            worker.stop()
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    for slug in ("modellregionen", "programm-kennzahlen", "projekte", "veranstaltungen"):
        assert f"{slug}: " in run.stdout
        assert portal.publisher.call("package_show", id=slug)["version"] == "1.0.0"
    with _read(server) as client:
        runs = [r for r in client.read_flow_runs() if r.created and r.created >= started]
        by_flow = {client.read_flow(r.flow_id).name for r in runs}
    dataset_runs = [r for r in runs if r.parameters.get("dataset")]
    assert by_flow == {"publish-catalogue", "publish-dataset"}
    assert sorted(r.parameters["dataset"] for r in dataset_runs) == [
        "modellregionen",
        "programm-kennzahlen",
        "projekte",
        "veranstaltungen",
    ]
    assert all(r.state_name == "Completed" for r in runs)
    assert {r.labels.get("prefect.worker.name") for r in dataset_runs} == {"w1", "w2"}


def test_interval_schedule_runs_on_a_postgresql_server(
    server: PrefectServer, portal: Portal, tmp_path: Path
) -> None:
    """The same scheduler check as on SQLite (test_schedules.py), with PostgreSQL underneath."""
    env = {"ODP_CKAN_URL": portal.url, "ODP_CKAN_TOKEN": portal.publisher_token}
    seen = scheduled_runs_complete(server, {**env, "ODP_CACHE_DIR": str(tmp_path)}, tmp_path)
    assert seen["errors"] == []
    assert len(seen["completed"]) >= 2, [(r.name, r.state_name) for r in seen["created"]]
    assert seen["paused"] == []
