"""Kill the portal (SIGKILL of gunicorn, master and workers) at a point of a publish.

Kill points are found by instrumentation, not by hand: a clean publish goes
through a counting proxy (every API request, by number and action) while a
watcher counts the portal's storage writes (every file that appears or changes
under its storage). A kill point is then one of

* ``("request", k)``: request k reaches the proxy; the portal dies before it sees it;
* ``("response", k)``: the portal handled request k completely (committed); it dies
  before the answer leaves;
* ``("write", j)``: the portal wrote its j-th file of the publish; it dies at once
  (inside ``package_revise``: files written, metadata not yet committed).

After the kill the portal is restarted, what a reader sees is checked, and a
normal run must converge. ``scripts/crash_campaign.py`` tries every point;
``tests/integration/test_crash.py`` a few.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from opendata_pipeline.ckan import CkanClient
from opendata_pipeline.dev import portal as manager
from opendata_pipeline.errors import OdpError
from opendata_pipeline.publish.state import download, list_versions, read_state
from tests.faultproxy import LoopbackProxy, _read_request
from tests.portal_fixture import Portal
from tests.publishing import ROWS, counted, destination, publish, release_for, sha256

_ACTION = re.compile(rb"^[A-Z]+ /api/(?:\d+/)?action/([a-z_]+)")

KillPoint = tuple[str, int]


class KillProxy(LoopbackProxy):
    """Forward to the portal, one connection per request; call ``kill`` at a request point."""

    def __init__(
        self,
        upstream_port: int,
        point: KillPoint | None = None,
        kill: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(upstream_port)
        self.point = point
        self.kill = kill
        self.actions: list[str] = []
        self.killed = threading.Event()

    def _fire(self) -> None:
        if self.kill is not None and not self.killed.is_set():
            self.kill()
        self.killed.set()

    def _handle(self, client: socket.socket) -> None:
        with client:
            request = _read_request(client)
            if not request:
                return
            match = _ACTION.match(request)
            with self._lock:
                self.actions.append(match.group(1).decode() if match else "GET")
                number = len(self.actions)
            if self.killed.is_set():
                return  # the portal is down: nobody answers
            if self.point == ("request", number):
                self._fire()
                return
            try:
                with socket.create_connection(("127.0.0.1", self.upstream_port)) as up:
                    up.sendall(request)
                    response = b""
                    while chunk := up.recv(1 << 20):
                        response += chunk
            except OSError:
                return
            if self.point == ("response", number):
                self._fire()
                return
            if response:
                client.sendall(response)


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            if ".part-" in name or name.endswith("~"):
                continue  # a file being written; it counts once it has its name
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            found[path] = (st.st_mtime_ns, st.st_size)
    return found


class StorageWatcher:
    """Count the files the portal writes under its storage; call ``kill`` at the j-th."""

    def __init__(
        self, root: Path, kill_at: int | None = None, kill: Callable[[], None] | None = None
    ):
        self.root = root
        self.kill_at = kill_at
        self.kill = kill
        self.writes: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> StorageWatcher:
        self._seen = _snapshot(self.root)
        self._thread.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.is_set():
            now = _snapshot(self.root)
            for path, stamp in sorted(now.items()):
                if self._seen.get(path) != stamp:
                    self.writes.append(path)
                    if self.kill is not None and len(self.writes) == self.kill_at:
                        self.kill()
            self._seen = now
            time.sleep(0.002)


def kill_portal(portal: Portal) -> None:
    """SIGKILL gunicorn's process group (master and workers) and wait until it is gone."""
    pid = int(portal.layout.pidfile.read_text().strip())
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)


def restart_portal(portal: Portal) -> None:
    """Start the killed portal again (same databases and storage)."""
    manager.start(portal.layout, lambda _m: None)


def rows_for(n: int) -> str:
    """Version ``n`` of the test table: ``3 + n`` rows, so each version's row count differs."""
    extra = "".join(f"{100 + i},Soest,{i}.5,2020-12-01,true\n" for i in range(n))
    return ROWS + extra


@dataclass
class Outcome:
    """What one kill point left behind and what the re-run made of it."""

    point: KillPoint
    fired: bool
    after_kill: str
    """The version the metadata named after the restart."""
    inconsistent: list[str] = field(default_factory=list)
    """What a reader saw that was neither the old version nor the new one, completely."""
    datastore_lag: bool = False
    """The DataStore still held the previous version under the new metadata."""
    empty_table: bool = False
    converged: bool = False
    problems: list[str] = field(default_factory=list)


def reader_view(
    client: CkanClient, slug: str, rows: dict[str, int], loader: bool = True
) -> tuple[list[str], bool, bool]:
    """Check what a reader sees: every file matches its sha256, the changelog the version,
    the DataStore a complete table of the old or new version.

    Returns:
        (inconsistencies, DataStore lags the metadata, the table was empty)
    """
    found: list[str] = []
    state = read_state(client, slug, datastore_status=True)
    assert state.package is not None
    for res in state.package["resources"]:
        if res.get("url_type") != "upload" or not res.get("sha256"):
            continue
        body = download(client, res["url"])
        if sha256(body) != res["sha256"]:
            found.append(f"{res['name']}: file does not match its sha256")
    changelog = state.current.get("changelog")
    if changelog is not None:
        claimed = json.loads(download(client, changelog["url"])).get("current_version")
        if claimed != state.version:
            found.append(f"changelog.json says {claimed}, metadata {state.version}")
    if not loader:  # a stock portal: the publisher loads no DataStore table
        return found, False, False
    data = state.current["data"]
    total = client.call("datastore_search", resource_id=data["id"], limit=0)["total"]
    lag = (state.datastore or {}).get("sha256") != state.sha256("data")
    if total not in rows.values():
        found.append(f"DataStore holds {total} rows, neither version's count")
    return found, lag, total == 0


def converged_problems(
    client: CkanClient, slug: str, version: str, rows: str, loader: bool = True
) -> list[str]:
    """What is wrong with the dataset after the re-run (empty: converged)."""
    problems: list[str] = []
    state = read_state(client, slug, datastore_status=True)
    if state.version != version:
        problems.append(f"version {state.version}, expected {version}")
    if state.sha256("data") != sha256(rows.encode()):
        problems.append("current data sha256 is not the re-run's")
    if loader and (state.datastore or {}).get("sha256") != sha256(rows.encode()):
        problems.append("DataStore not loaded with the current version")
    if not loader and state.datastore_api:  # a stock portal: loaded through CKAN's API
        data = state.current["data"]
        total = client.call("datastore_search", resource_id=data["id"], limit=0)["total"]
        if total != len(rows.splitlines()) - 1 or not (state.datastore or {}).get("token"):
            problems.append(f"DataStore (API path) holds {total} rows, not the current version")
    archives = [r["odp_version"] for r in state.archives]
    if len(archives) != len(set(archives)):
        problems.append(f"duplicate archives {archives}")
    log = [v["version"] for v in list_versions(client, slug)]
    if sorted(log) != sorted(archives) or len(set(log)) != len(log):
        problems.append(f"changelog {log} vs archives {archives}")
    inconsistent, _, _ = reader_view(client, slug, {"new": len(rows.splitlines()) - 1}, loader)
    problems += inconsistent
    return problems


class Campaign:
    """Publish a dataset once, then one new version per kill point."""

    def __init__(self, portal: Portal, tmp: Path, slug: str) -> None:
        self.portal, self.tmp, self.slug = portal, tmp, slug
        self.target = destination(portal.url, portal.org, portal.group)
        self.n = 0
        self.version = (1, 0, 0)
        self.loader = "odp_publish" in portal.admin.extensions()
        publish(self._client(portal.url), self._release(rows_for(0)))

    def _client(self, url: str) -> CkanClient:
        return counted(url, self.portal.publisher_token)[0]

    def _release(self, rows: str) -> Any:
        return release_for(self.tmp / f"v{self.n}", self.slug, rows, self.target)

    @property
    def current(self) -> str:
        return ".".join(map(str, self.version))

    def instrument(self) -> tuple[list[str], list[str]]:
        """Publish one version cleanly; return the requests (by action) and storage writes."""
        self.n += 1
        proxy = KillProxy(self.portal.layout.port)
        watcher = StorageWatcher(self.portal.layout.storage)
        with proxy, watcher:
            publish(self._client(proxy.url), self._release(rows_for(self.n)))
            time.sleep(0.2)
        self.version = (1, 0, self.version[2] + 1)
        return proxy.actions, watcher.writes

    def kill_points(self) -> tuple[list[KillPoint], list[str], list[str]]:
        """Every kill point of one publish, derived from an instrumented clean run."""
        actions, writes = self.instrument()
        points: list[KillPoint] = []
        for k in range(1, len(actions) + 1):
            points += [("request", k), ("response", k)]
        points += [("write", j) for j in range(1, len(writes) + 1)]
        return points, actions, writes

    def run(self, point: KillPoint) -> Outcome:
        """Kill the portal at ``point`` of a publish, restart it, check, re-run, check."""
        self.n += 1
        before = self.current
        rows = rows_for(self.n)
        counts = {"old": len(rows_for(self.n - 1).splitlines()) - 1, "new": self.n + 3}
        release = self._release(rows)
        kill = lambda: kill_portal(self.portal)  # noqa: E731
        seen: list[int] = []
        stop = threading.Event()
        data = read_state(self.portal.admin, self.slug, datastore_status=False).current["data"]
        reader = threading.Thread(target=self._read, args=(data["id"], seen, stop))
        proxy = KillProxy(self.portal.layout.port, point if point[0] != "write" else None, kill)
        watcher = StorageWatcher(
            self.portal.layout.storage, point[1] if point[0] == "write" else None, kill
        )
        reader.start()
        try:
            with proxy, watcher, contextlib.suppress(OdpError):
                publish(self._client(proxy.url), release)
        finally:
            fired = proxy.killed.is_set() or (
                point[0] == "write" and len(watcher.writes) >= point[1]
            )
            restart_portal(self.portal)
            time.sleep(0.5)
            stop.set()
            reader.join()
        admin = self.portal.admin
        state = read_state(admin, self.slug, datastore_status=False)
        inconsistent, lag, empty = reader_view(admin, self.slug, counts, self.loader)
        outcome = Outcome(point, fired, state.version or "", inconsistent, lag, empty)
        if any(total == 0 or total not in counts.values() for total in seen):
            outcome.empty_table = True
        self.version = (1, 0, self.version[2] + 1)
        try:
            result = publish(self._client(self.portal.url), release)
        except OdpError as exc:
            outcome.problems.append(f"re-run failed: {exc}")
            return outcome
        outcome.problems = converged_problems(admin, self.slug, self.current, rows, self.loader)
        if result.version != self.current:
            outcome.problems.append(f"re-run reported {result.version}")
        if state.version not in (before, self.current):
            outcome.problems.append(f"after the kill: version {state.version}")
        outcome.converged = not outcome.problems
        return outcome

    def _read(self, data: str, seen: list[int], stop: threading.Event) -> None:
        """A reader polling the current table's row count the whole time (errors while down)."""
        if not self.loader:
            return
        client = self.portal.anonymous()
        while not stop.is_set():
            try:
                seen.append(client.call("datastore_search", resource_id=data, limit=0)["total"])
            except OdpError:
                time.sleep(0.05)
