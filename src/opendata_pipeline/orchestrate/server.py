"""A Prefect server (and workers) for this checkout: started in the background, on loopback.

The server keeps its database and settings under ``.prefect/`` in the project (or
the directory given), so runs, deployments and artifacts survive restarts.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import ServiceError
from ..localportal.layout import project_root

DEFAULT_PORT = 4200


@dataclass(frozen=True)
class PrefectServer:
    """Where a local Prefect server lives and how it is reached."""

    home: Path
    port: int = DEFAULT_PORT
    database_url: str | None = None
    """SQLAlchemy URL of the server's database (default: SQLite in ``home``)."""

    @classmethod
    def default(cls, port: int | None = None) -> PrefectServer:
        """The checkout's server: ``.prefect/`` and $ODP_PREFECT_PORT or 4200."""
        port = port or int(os.environ.get("ODP_PREFECT_PORT") or DEFAULT_PORT)
        return cls(project_root() / ".prefect", port, os.environ.get("ODP_PREFECT_DATABASE_URL"))

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.home / "server.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "server.log"

    def env(self) -> dict[str, str]:
        """Environment for the server and for clients that use it."""
        env = {
            **os.environ,
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
        }
        if self.database_url:
            env["PREFECT_API_DATABASE_CONNECTION_URL"] = self.database_url
        return env


def _prefect_bin() -> str:
    return str(Path(sys.executable).with_name("prefect"))


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Tell whether a Prefect API answers its health check."""
    try:
        # api_url is built from a port number or $PREFECT_API_URL: http only
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as resp:  # noqa: S310
            return bool(json.loads(resp.read() or b"false"))
    except (OSError, ValueError):
        return False


def start(server: PrefectServer, wait_seconds: float = 90) -> bool:
    """Start the server unless it already answers; return True if it was started.

    Raises:
        ServiceError: it did not become healthy in time (the message ends with its log).
    """
    if healthy(server.api_url):
        return False
    server.home.mkdir(parents=True, exist_ok=True)
    with server.log_file.open("ab") as log:
        proc = subprocess.Popen(
            [_prefect_bin(), "server", "start", "--host", "127.0.0.1", "--port", str(server.port)],
            env=server.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server.pid_file.write_text(str(proc.pid))
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if healthy(server.api_url):
            return True
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    stop(server)
    tail = server.log_file.read_text(errors="replace").splitlines()[-15:]
    raise ServiceError(
        f"Prefect server on port {server.port} did not start; log {server.log_file}:\n"
        + "\n".join(tail)
    )


WORK_POOL = "odp-process"


def ensure_work_pool(server: PrefectServer, name: str = WORK_POOL) -> bool:
    """Create the process work pool ``prefect.yaml`` deploys to, if missing; True if created.

    ``prefect deploy`` refuses deployments whose pool does not exist yet.

    Raises:
        ServiceError: the pool could not be created.
    """
    env = server.env()
    run = subprocess.run  # noqa: S603 - fixed argv, our own venv's prefect
    if (
        run([_prefect_bin(), "work-pool", "inspect", name], env=env, capture_output=True).returncode
        == 0
    ):
        return False
    made = run(
        [_prefect_bin(), "work-pool", "create", name, "--type", "process"],
        env=env,
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        raise ServiceError(
            f"cannot create work pool {name!r}: {made.stdout[-400:]}{made.stderr[-400:]}"
        )
    return True


def start_worker(
    server: PrefectServer,
    name: str,
    env: dict[str, str],
    limit: int | None = None,
    log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start a process worker on the project's pool (in the background, own process group)."""
    argv = [_prefect_bin(), "worker", "start", "--pool", WORK_POOL, "--name", name]
    if limit:
        argv += ["--limit", str(limit)]
    out = (log or server.home / f"worker-{name}.log").open("ab")
    return subprocess.Popen(  # noqa: S603
        argv,
        env={**server.env(), **env},
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        cwd=server.home,  # flows are found through the deployment's pull step, not the cwd
    )


def stop(server: PrefectServer) -> bool:
    """Stop the server this checkout started; return False if none was running."""
    try:
        pid = int(server.pid_file.read_text())
    except (OSError, ValueError):
        return False
    server.pid_file.unlink(missing_ok=True)
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    for _ in range(100):
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    os.killpg(pid, signal.SIGKILL)
    return True


def use_server(server: PrefectServer) -> bool:
    """Point this process's Prefect client at ``server`` if it runs and nothing else is set."""
    if os.environ.get("PREFECT_API_URL") or not healthy(server.api_url):
        return False
    os.environ["PREFECT_API_URL"] = server.api_url
    return True
