"""A Prefect server, work pool and process worker for a project, on this machine's loopback.

The server keeps its database and settings under ``<project>/.prefect`` (or the
folder given), so runs, deployments and artifacts survive restarts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ServiceError
from ..orchestrate.deployments import WORK_POOL
from ..settings import child_environment
from .supervisor import Process

DEFAULT_PORT = 4200


@dataclass(frozen=True)
class PrefectServer:
    """Where a local Prefect server lives and how it is reached."""

    home: Path
    port: int = DEFAULT_PORT
    database_url: str | None = None
    """SQLAlchemy URL of the server's database (default: SQLite in ``home``)."""
    settings: dict[str, str] = field(default_factory=dict)
    """Extra Prefect settings for the server (for example shorter service loops)."""

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def process(self) -> Process:
        return Process(
            f"Prefect server on port {self.port}",
            self.home / "server.pid",
            self.home / "server.log",
        )

    @property
    def log_file(self) -> Path:
        return self.process.logfile

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for the server and for clients and workers that use it."""
        env = {
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
            **self.settings,
        }
        if self.database_url:
            env["PREFECT_API_DATABASE_CONNECTION_URL"] = self.database_url
        return child_environment({**env, **(extra or {})})


def prefect_command() -> str:
    """The ``prefect`` command of this Python environment."""
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
    argv = [prefect_command(), "server", "start", "--host", "127.0.0.1"]
    server.process.start([*argv, "--port", str(server.port)], server.env())
    server.process.wait_until(lambda: healthy(server.api_url), wait_seconds)
    return True


def stop(server: PrefectServer) -> bool:
    """Stop the server this project started; return False if none was running."""
    return server.process.stop()


def ensure_work_pool(server: PrefectServer, name: str = WORK_POOL) -> bool:
    """Create the process work pool ``prefect.yaml`` deploys to, if missing; True if created.

    Raises:
        ServiceError: the pool could not be created.
    """
    env = server.env()
    prefect = prefect_command()
    run = subprocess.run  # noqa: S603 - fixed argv, our own environment's prefect
    if run([prefect, "work-pool", "inspect", name], env=env, capture_output=True).returncode == 0:
        return False
    made = run(
        [prefect, "work-pool", "create", name, "--type", "process"],
        env=env,
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        raise ServiceError(
            f"cannot create work pool {name!r}: {made.stdout[-400:]}{made.stderr[-400:]}"
        )
    return True


def worker(server: PrefectServer, name: str) -> Process:
    """The background process worker ``name`` of this server (started or not)."""
    return Process(
        f"Prefect worker {name}",
        server.home / f"worker-{name}.pid",
        server.home / f"worker-{name}.log",
    )


def start_worker(
    server: PrefectServer,
    name: str,
    env: dict[str, str] | None = None,
    limit: int | None = None,
) -> Process:
    """Start a process worker on the project's pool, in the background; return it.

    Flows are found through the deployment's pull step, not the working directory.
    """
    argv = [prefect_command(), "worker", "start", "--pool", WORK_POOL, "--name", name]
    if limit:
        argv += ["--limit", str(limit)]
    process = worker(server, name)
    if process.pid() is None:
        process.start(argv, server.env(env), cwd=server.home)
    return process
