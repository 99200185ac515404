"""Stewards hear about failed and crashed publishing runs, once each, and not about good ones.

A real Prefect server and process worker run deployments of a catalogue copy; the
profile's webhook is a local HTTP listener; ``odp notifications apply`` sets up the
automations. The crash is real: the worker's process group is killed mid-run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from opendata_pipeline.dev import prefect_server
from opendata_pipeline.dev.prefect_server import PrefectServer
from opendata_pipeline.orchestrate.deployments import WORK_POOL
from tests.catalogues import profile_for
from tests.flowing import catalogue_copy
from tests.httpserver import Reply, http_server
from tests.portal_fixture import Portal, free_port
from tests.project import ROOT
from tests.schedules import deploy

ODP = str(Path(sys.executable).with_name("odp"))


class Listener:
    """An HTTP listener that records every POSTed JSON body."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        received = self.messages

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append(json.loads(body or b"{}"))
                self.send_response(204)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PrefectServer]:
    srv = PrefectServer(tmp_path / "prefect-home", free_port())
    try:
        prefect_server.start(srv)
        prefect_server.ensure_work_pool(srv)
        yield srv
    finally:
        prefect_server.stop(srv)


def _deployment(name: str, dataset: str, profile: str, portal_url: str) -> dict[str, Any]:
    return {
        "name": name,
        "entrypoint": "flows/publish.py:publish_dataset",
        "parameters": {"dataset": dataset, "profile": profile, "portal_url": portal_url},
        "work_pool": {"name": WORK_POOL},
    }


def _run(srv: PrefectServer, deployment: str, env: dict[str, str]) -> str:
    """Start a deployment run; return its flow run id."""
    code = (
        "import sys; from prefect.deployments import run_deployment; "
        "print(run_deployment(sys.argv[1], timeout=0).id)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, f"publish-dataset/{deployment}"],
        env=srv.env(env),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def _state(srv: PrefectServer, run_id: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings({PREFECT_API_URL: srv.api_url}),
        get_client(sync_client=True) as client,
    ):
        run = client.read_flow_run(run_id)  # type: ignore[arg-type]
    return str(run.state_name)


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def _wait(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def test_failed_and_crashed_runs_notify_once_and_good_runs_not(
    server: PrefectServer, portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listener = Listener()
    cat = catalogue_copy(tmp_path, monkeypatch, portal.url, portal.publisher_token)
    n = cat.names
    # an invalid table, and a table whose source answers only after minutes (to crash it)
    csv = cat.csv("programm-kennzahlen")
    csv.write_text(
        csv.read_text(encoding="utf-8").replace(",42,Anzahl,", ",zweiundvierzig,Anzahl,")
    )
    profile_for(
        cat.root,
        Path(cat.profile),
        notifications={"webhook": listener.url, "crash_after": 60},
    )
    env = {"ODP_CKAN_TOKEN": portal.publisher_token, "ODP_CACHE_DIR": str(tmp_path / "cache")}
    with http_server() as slow:
        events = cat.root / "datasets" / n["veranstaltungen"] / "dataset.yaml"
        declaration = yaml.safe_load(events.read_text(encoding="utf-8"))
        ics = (ROOT / "datasets" / "veranstaltungen" / "zukunft-in-nrw.ics").read_bytes()
        url = slow.route("/slow.ics", Reply(body=ics, delay=600))
        declaration["sources"] = [{"type": "ics", "url": url, "read_timeout": 900, "retries": 0}]
        events.write_text(yaml.safe_dump(declaration, allow_unicode=True), encoding="utf-8")

        applied = subprocess.run(
            [ODP, "notifications", "apply", "--profile", cat.profile],
            cwd=ROOT,
            env=server.env(env),
            capture_output=True,
            text=True,
        )
        assert applied.returncode == 0, applied.stdout + applied.stderr
        document = {
            "name": "notify-check",
            "pull": [{"opendata_pipeline.orchestrate.pull.enter_project": {}}],
            "deployments": [
                _deployment("good", n["modellregionen"], cat.profile, portal.url),
                _deployment("invalid", n["programm-kennzahlen"], cat.profile, portal.url),
                _deployment("slow", n["veranstaltungen"], cat.profile, portal.url),
            ],
        }
        deploy(server, env, tmp_path / "prefect.notify.yaml", document)

        worker = prefect_server.start_worker(server, "w-notify", env)
        runs = {name: _run(server, name, env) for name in ("good", "invalid", "slow")}
        try:
            _wait(lambda: _state(server, runs["good"]) == "Completed", 240, "the good run")
            _wait(lambda: _state(server, runs["invalid"]) == "Failed", 240, "the invalid run")
            _wait(lambda: _state(server, runs["slow"]) == "Running", 240, "the slow run")
            time.sleep(5)  # let it send its first heartbeat
            pid = worker.pid()
            assert pid is not None
            tree = _tree(pid)
            assert len(tree) >= 2  # the worker and the flow run process it started
            for process in tree:  # both die at once, as when their machine goes down
                os.kill(process, signal.SIGKILL)
        finally:
            worker.stop(grace=5)
        _wait(lambda: _state(server, runs["slow"]) == "Crashed", 240, "the crash to be noticed")
        _wait(lambda: len(listener.messages) >= 2, 120, "two messages")
        time.sleep(15)  # a duplicate would arrive within this
    listener.close()

    texts = [m["subject"] + "\n" + m["text"] for m in listener.messages]
    # a message is about the run its link names (run names can repeat between runs)
    by_run = {run: [t for t in texts if f"/runs/flow-run/{run}" in t] for run in runs.values()}
    assert by_run[runs["good"]] == []
    assert len(by_run[runs["invalid"]]) == 1, texts
    assert len(by_run[runs["slow"]]) == 1, texts
    assert len(texts) == 2, texts
    invalid = by_run[runs["invalid"]][0]
    assert n["programm-kennzahlen"] in invalid
    assert "failed at validate" in invalid and "zweiundvierzig" in invalid
    assert f"/runs/flow-run/{runs['invalid']}" in invalid
    crashed = by_run[runs["slow"]][0]
    assert "Crashed" in crashed and n["veranstaltungen"] in crashed
    assert "no heartbeat" in crashed
