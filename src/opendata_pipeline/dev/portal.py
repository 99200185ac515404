"""Bring a local CKAN portal up (2.12 with ckanext-odp, or a stock 2.10-2.12), report on it,
stop it and wipe it."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from ..errors import PortalError
from ..profile import PublisherProfile
from ..settings import child_environment
from . import database
from .bootstrap import bootstrap, ensure_admin_token
from .ckanconfig import ckan_settings, patch_ini
from .kind import installed_extensions, locked_ckan_version
from .layout import Layout, load_state, write_secret
from .services import ensure_services, port_open
from .supervisor import Process
from .tools import run_tool

Log = Callable[[str], None]
#: Plugin files whose change means reinstalling (code, templates, data tables).
_PLUGIN_FILES = {".py", ".html", ".json"}


def _uv(layout: Layout) -> str:
    """Find uv: next to this Python, the copy `make` installs into .tools/, or on PATH."""
    places = [Path(sys.executable).parent / "uv", layout.assets.parent / ".tools" / "bin" / "uv"]
    for place in places:
        if place.exists():
            return str(place)
    found = shutil.which("uv")
    if not found:
        looked = ", ".join(str(p) for p in places)
        raise PortalError(
            f"The 'uv' installer was not found ({looked}, PATH); install it: pip install uv"
        )
    return found


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _plugin_dirs(layout: Layout) -> list[Path]:
    """The project's plugins installed into the instance's virtualenv."""
    found = sorted(p for p in layout.assets.glob("ckanext-*") if p.is_dir())
    return installed_extensions(layout.kind, found)


def _venv_fingerprint(layout: Layout) -> str:
    digest = hashlib.sha256()
    files = [layout.lock_file]
    for plugin in _plugin_dirs(layout):
        files += [
            *sorted(f for f in (plugin / "ckanext").rglob("*") if f.suffix in _PLUGIN_FILES),
            plugin / "pyproject.toml",
        ]
    for path in files:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def ensure_venv(layout: Layout, log: Log) -> None:
    """Install CKAN and this project's plugins into the portal's own virtualenv, once.

    One virtualenv per CKAN version, kept until the lock file or a plugin changes.
    """
    stamp = layout.venv / ".odp-fingerprint"
    wanted = _venv_fingerprint(layout)
    with _file_lock(layout.home / f".{layout.kind.venv_name}.lock"):
        if stamp.exists() and stamp.read_text() == wanted:
            return
        version = locked_ckan_version(layout.lock_file)
        log(f"Installing CKAN {version} into {layout.venv} (once; about a minute)")
        uv = _uv(layout)
        if not layout.bin("python").exists():
            run_tool([uv, "venv", "-q", "--python", "3.11", str(layout.venv)], layout, "uv venv")
        python = str(layout.bin("python"))
        lock = str(layout.lock_file)
        run_tool(
            [uv, "pip", "install", "-q", "--python", python, "-r", lock], layout, "CKAN install"
        )
        for plugin in _plugin_dirs(layout):
            run_tool(
                [uv, "pip", "install", "-q", "--python", python]
                + ["--reinstall-package", plugin.name, str(plugin)],
                layout,
                f"{plugin.name} install",
            )
        stamp.write_text(wanted)


def ensure_config(layout: Layout, log: Log) -> bool:
    """Create roles, databases and ckan.ini; return True when the databases are new."""
    layout.instance_dir.mkdir(parents=True, exist_ok=True)
    layout.storage.mkdir(parents=True, exist_ok=True)
    state = load_state(layout)
    fresh = not database.database_exists(layout.db_main, layout.role_rw, state["password_rw"])
    if fresh:
        log(f"Creating databases {layout.db_main} and {layout.db_datastore}")
        database.create_databases(
            layout.role_rw,
            layout.role_ro,
            state["password_rw"],
            state["password_ro"],
            [layout.db_main, layout.db_datastore],
        )
    if not layout.ini.exists():
        run_tool(
            [str(layout.bin("ckan")), "generate", "config", str(layout.ini)],
            layout,
            "ckan generate config",
        )
    patch_ini(layout.ini, ckan_settings(layout, state))
    if fresh or not state.get("initialized"):
        log("Initialising CKAN database, activity and DataStore permissions")
        ckan = str(layout.bin("ckan"))
        run_tool([ckan, "db", "init"], layout, "ckan db init")
        if layout.kind.activity_migrations:
            run_tool(
                [ckan, "db", "upgrade", "-p", "activity"], layout, "ckan db upgrade -p activity"
            )
        perms = run_tool(
            [ckan, "datastore", "set-permissions"], layout, "ckan datastore set-permissions"
        )
        # The script switches databases with psql's \connect; we are connected there already.
        perms = "\n".join(ln for ln in perms.splitlines() if not ln.startswith("\\connect"))
        database.run_admin_sql(perms, layout.db_datastore)
        state["initialized"] = True
        write_secret(layout.state_file, json.dumps(state))
    return fresh


def _gunicorn(layout: Layout) -> Process:
    return Process(f"CKAN on {layout.url}", layout.pidfile, layout.logfile)


def _worker(layout: Layout) -> Process:
    """CKAN's background-jobs worker (runs xloader's jobs)."""
    return Process(
        f"CKAN jobs worker of {layout.name}", layout.worker_pidfile, layout.worker_logfile
    )


def _start_worker(layout: Layout, log: Log) -> None:
    worker = _worker(layout)
    if worker.pid():
        return
    log(f"Starting CKAN's jobs worker for {layout.url} (xloader)")
    argv = [str(layout.bin("ckan")), "-c", str(layout.ini), "jobs", "worker"]
    worker.start(argv, child_environment({"CKAN_INI": str(layout.ini)}))


def status_show(layout: Layout, timeout: float = 3.0) -> dict[str, Any] | None:
    """Return CKAN's status_show result, or None when the portal does not answer."""
    try:
        resp = requests.get(f"{layout.url}/api/3/action/status_show", timeout=timeout)
        if resp.ok:
            result: dict[str, Any] = resp.json()["result"]
            return result
    except (requests.RequestException, ValueError, KeyError):
        pass
    return None


def start(layout: Layout, log: Log, wait_seconds: float = 180) -> None:
    """Serve CKAN with gunicorn on 127.0.0.1:port and wait until it answers."""
    process = _gunicorn(layout)
    if process.pid() and status_show(layout):
        return
    if port_open("127.0.0.1", layout.port):
        raise PortalError(
            f"Port {layout.port} is taken by another program; choose another with --port."
        )
    log(f"Starting CKAN on {layout.url}")
    argv = [
        str(layout.bin("gunicorn")),
        "--bind",
        f"127.0.0.1:{layout.port}",
        "--workers",
        "2",
        "--timeout",
        "600",
        "--chdir",
        str(layout.assets),
        "wsgi:application",
    ]
    process.start(argv, child_environment({"CKAN_INI": str(layout.ini)}))
    try:
        process.wait_until(lambda: status_show(layout) is not None, wait_seconds)
    except Exception as exc:
        raise PortalError(str(exc)) from None
    if layout.kind.xloader:
        _start_worker(layout, log)


def stop(layout: Layout, log: Log) -> bool:
    """Stop the instance's gunicorn; return True if it was running."""
    if _worker(layout).pid():
        _worker(layout).stop(grace=10)
    process = _gunicorn(layout)
    pid = process.pid()
    if pid is None:
        return False
    log(f"Stopping CKAN on {layout.url} (pid {pid})")
    return process.stop(grace=30)


def reset(layout: Layout, log: Log) -> None:
    """Stop the instance and wipe its databases, roles, files and secrets."""
    stop(layout, log)
    log(f"Dropping databases {layout.db_main}, {layout.db_datastore} and their roles")
    database.drop_databases([layout.db_main, layout.db_datastore], [layout.role_rw, layout.role_ro])
    shutil.rmtree(layout.instance_dir, ignore_errors=True)


@dataclass(frozen=True)
class Status:
    """What ``odp portal status`` reports."""

    url: str
    running: bool
    ckan_version: str | None
    plugins: list[str]
    health: dict[str, bool]


def status(layout: Layout) -> Status:
    """Ask the instance how it is."""
    info = status_show(layout)
    if info is None:
        return Status(layout.url, False, None, [], {})
    health = {"api": True}
    for check, path in (
        ("search index (pgsearch)", "/api/3/action/package_search?rows=0"),
        ("datastore", "/api/3/action/datastore_search?resource_id=_table_metadata&limit=0"),
    ):
        try:
            health[check] = requests.get(layout.url + path, timeout=5).ok
        except requests.RequestException:
            health[check] = False
    return Status(
        layout.url, True, info.get("ckan_version"), list(info.get("extensions", [])), health
    )


def up(layout: Layout, profiles: list[PublisherProfile], log: Log = print) -> None:
    """Install, configure, start and bootstrap the portal; quick when it already runs.

    Args:
        profiles: the publishers whose organization and theme group the portal needs.
    """
    load_state(layout)  # refuses an instance created with another CKAN version or plugin set
    running = _gunicorn(layout).pid() and status_show(layout)
    if running and layout.publisher_token_file.exists() and _stamp(layout) == _wanted(layout):
        bootstrap(layout, profiles, log)  # idempotent: picks up profiles added since
        return
    if running:  # this package's plugins or ckan.ini settings changed since it started
        log(f"The portal's code or settings changed: restarting CKAN on {layout.url}")
        stop(layout, log)
        deadline = time.monotonic() + 30
        while port_open("127.0.0.1", layout.port) and time.monotonic() < deadline:
            time.sleep(0.3)
    ensure_services(log)
    ensure_venv(layout, log)
    if ensure_config(layout, log):  # new databases: tokens of earlier ones mean nothing
        for token in (layout.admin_token_file, layout.publisher_token_file):
            token.unlink(missing_ok=True)
    if layout.kind.xloader:  # xloader calls the API with a token set in ckan.ini
        ensure_admin_token(layout)
        patch_ini(layout.ini, ckan_settings(layout, load_state(layout)))
    start(layout, log)
    layout.stamp_file.write_text(_wanted(layout))
    bootstrap(layout, profiles, log)


def _wanted(layout: Layout) -> str:
    """What a started portal must match: plugins, lock file and this package's ckan.ini keys."""
    settings = ckan_settings(layout, load_state(layout))
    digest = hashlib.sha256(_venv_fingerprint(layout).encode())
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


def _stamp(layout: Layout) -> str | None:
    try:
        return layout.stamp_file.read_text()
    except OSError:
        return None
