"""Bring a local CKAN 2.12 portal up, report on it, stop it and wipe it."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from ..errors import PortalError
from . import database
from .layout import Layout, ckan_settings, load_state, patch_ini, write_secret
from .services import ensure_services, port_open

Log = Callable[[str], None]
CKAN_VERSION = "2.12.0"


def _uv(root: Path) -> str:
    """Find uv: next to this Python, on PATH, or the copy `make` installs into .tools/."""
    places = [Path(sys.executable).parent / "uv", root / ".tools" / "bin" / "uv"]
    for place in places:
        if place.exists():
            return str(place)
    found = shutil.which("uv")
    if not found:
        looked = ", ".join(str(p) for p in places)
        raise PortalError(f"The 'uv' installer was not found ({looked}, PATH); run 'make .venv'.")
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


def _run(cmd: list[str], layout: Layout, what: str, stdin: str | None = None) -> str:
    env = dict(os.environ, CKAN_INI=str(layout.ini))
    done = subprocess.run(cmd, input=stdin, text=True, capture_output=True, env=env, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise PortalError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def _plugin_dirs(layout: Layout) -> list[Path]:
    return sorted(p for p in (layout.root / "portal").glob("ckanext-*") if p.is_dir())


def _venv_fingerprint(layout: Layout) -> str:
    digest = hashlib.sha256()
    files = [layout.root / "portal" / "requirements.lock"]
    for plugin in _plugin_dirs(layout):
        files += [*sorted((plugin / "ckanext").rglob("*.py")), plugin / "pyproject.toml"]
    for path in files:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def ensure_venv(layout: Layout, log: Log) -> None:
    """Install CKAN and this project's plugins into the portal's own virtualenv, once."""
    stamp = layout.venv / ".odp-fingerprint"
    wanted = _venv_fingerprint(layout)
    with _file_lock(layout.home / ".venv.lock"):
        if stamp.exists() and stamp.read_text() == wanted:
            return
        log(f"Installing CKAN {CKAN_VERSION} into {layout.venv} (once; about a minute)")
        uv = _uv(layout.root)
        if not layout.bin("python").exists():
            _run([uv, "venv", "-q", "--python", "3.11", str(layout.venv)], layout, "uv venv")
        python = str(layout.bin("python"))
        lock = str(layout.root / "portal" / "requirements.lock")
        _run([uv, "pip", "install", "-q", "--python", python, "-r", lock], layout, "CKAN install")
        for plugin in _plugin_dirs(layout):
            _run(
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
        _run(
            [str(layout.bin("ckan")), "generate", "config", str(layout.ini)],
            layout,
            "ckan generate config",
        )
    patch_ini(layout.ini, ckan_settings(layout, state))
    if fresh or not state.get("initialized"):
        log("Initialising CKAN database, activity and DataStore permissions")
        ckan = str(layout.bin("ckan"))
        _run([ckan, "db", "init"], layout, "ckan db init")
        _run([ckan, "db", "upgrade", "-p", "activity"], layout, "ckan db upgrade -p activity")
        perms = _run(
            [ckan, "datastore", "set-permissions"], layout, "ckan datastore set-permissions"
        )
        # The script switches databases with psql's \connect; we are connected there already.
        perms = "\n".join(ln for ln in perms.splitlines() if not ln.startswith("\\connect"))
        database.run_admin_sql(perms, layout.db_datastore)
        state["initialized"] = True
        write_secret(layout.state_file, json.dumps(state))
    return fresh


def _pid(layout: Layout) -> int | None:
    try:
        pid = int(layout.pidfile.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


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
    """Start gunicorn serving CKAN on 127.0.0.1:port and wait until it answers."""
    if _pid(layout) and status_show(layout):
        return
    if port_open("127.0.0.1", layout.port):
        raise PortalError(
            f"Port {layout.port} is taken by another program; choose another with --port."
        )
    log(f"Starting CKAN on {layout.url}")
    env = dict(os.environ, CKAN_INI=str(layout.ini))
    cmd = [
        str(layout.bin("gunicorn")),
        "--daemon",
        "--pid",
        str(layout.pidfile),
        "--bind",
        f"127.0.0.1:{layout.port}",
        "--workers",
        "2",
        "--timeout",
        "600",
        "--chdir",
        str(layout.root / "portal"),
        "--error-logfile",
        str(layout.logfile),
        "--capture-output",
        "wsgi:application",
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PortalError(f"gunicorn did not start: {done.stderr.strip()}")
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if status_show(layout):
            return
        time.sleep(0.5)
    raise PortalError(
        f"CKAN did not answer on {layout.url}; see the log {layout.logfile}:\n"
        + _tail(layout.logfile)
    )


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(layout: Layout, log: Log) -> bool:
    """Stop the instance's gunicorn; return True if it was running."""
    pid = _pid(layout)
    if pid is None:
        return False
    log(f"Stopping CKAN on {layout.url} (pid {pid})")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if _pid(layout) is None:
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
    layout.pidfile.unlink(missing_ok=True)
    return True


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


def up(layout: Layout, log: Log = print, profiles: tuple[str, ...] = ()) -> None:
    """Install, configure, start and bootstrap the portal; quick when it already runs.

    Args:
        profiles: more publisher profiles (names or files) whose organization and group
            to create, besides those in ``profiles/`` that publish locally.
    """
    from .bootstrap import bootstrap

    if _pid(layout) and status_show(layout) and layout.publisher_token_file.exists():
        bootstrap(layout, log, profiles)  # idempotent: picks up profiles added since
        return
    ensure_services(log)
    ensure_venv(layout, log)
    ensure_config(layout, log)
    start(layout, log)
    bootstrap(layout, log, profiles)
