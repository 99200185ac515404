"""Schedules fire: a Prefect server on SQLite creates scheduled runs and a worker completes them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from opendata_pipeline.dev import prefect_server
from opendata_pipeline.dev.prefect_server import PrefectServer
from tests.portal_fixture import Portal, free_port
from tests.schedules import FAST_SCHEDULER, scheduled_runs_complete


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[PrefectServer]:
    srv = PrefectServer(tmp_path / "prefect-home", free_port(), None, FAST_SCHEDULER)
    try:
        prefect_server.start(srv)
        prefect_server.ensure_work_pool(srv)
        yield srv
    finally:
        prefect_server.stop(srv)


def test_interval_schedule_runs_on_a_sqlite_server(
    sqlite_server: PrefectServer, portal: Portal, tmp_path: Path
) -> None:
    env = {
        "ODP_CKAN_URL": portal.url,
        "ODP_CKAN_TOKEN": portal.publisher_token,
        "ODP_CACHE_DIR": str(tmp_path / "cache"),
    }
    seen = scheduled_runs_complete(sqlite_server, env, tmp_path)
    assert seen["errors"] == []
    assert len(seen["completed"]) >= 2, [(r.name, r.state_name) for r in seen["created"]]
    assert seen["paused"] == []
