"""Make sure PostgreSQL and Redis run on loopback, starting or installing them if allowed."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ServiceError
from ..settings import child_environment

PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


@dataclass(frozen=True)
class Service:
    """A loopback service the portal needs."""

    name: str
    host: str
    port: int
    apt_package: str
    installed: Callable[[], bool]
    start: Callable[[], None]


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Tell whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _pg_installed() -> bool:
    return bool(glob.glob("/usr/lib/postgresql/*/bin/postgres")) and bool(
        shutil.which("pg_ctlcluster")
    )


def _pg_start() -> None:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions:
        raise ServiceError("PostgreSQL is installed but has no cluster in /etc/postgresql.")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
        check=False,
        capture_output=True,
    )


def _redis_installed() -> bool:
    return bool(shutil.which("redis-server"))


def _redis_start() -> None:
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            str(REDIS_PORT),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=False,
        capture_output=True,
    )


POSTGRESQL = Service("PostgreSQL", PG_HOST, PG_PORT, "postgresql", _pg_installed, _pg_start)
REDIS = Service("Redis", REDIS_HOST, REDIS_PORT, "redis-server", _redis_installed, _redis_start)


def _can_apt() -> bool:
    return (
        os.geteuid() == 0
        and bool(shutil.which("apt-get"))
        and os.path.exists("/etc/debian_version")
    )


def _apt_install(packages: list[str], log: Callable[[str], None]) -> None:
    log(f"Installing {' '.join(packages)} with apt-get (running as root on Debian/Ubuntu)")
    env = child_environment({"DEBIAN_FRONTEND": "noninteractive"})
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", *packages]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ServiceError(f"'{' '.join(cmd)}' failed:\n{done.stderr[-2000:]}")


def _wait_for(service: Service, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(service.host, service.port):
            return True
        time.sleep(0.3)
    return False


def ensure_services(log: Callable[[str], None] = print) -> None:
    """Start (or install, as root on Debian) PostgreSQL and Redis; fail with what to install.

    Raises:
        ServiceError: a service is missing and cannot be installed here, or will not start.
    """
    services = [s for s in (POSTGRESQL, REDIS) if not port_open(s.host, s.port)]
    missing = [s for s in services if not s.installed()]
    if missing:
        packages = [s.apt_package for s in missing]
        if not _can_apt():
            raise ServiceError(
                f"{' and '.join(s.name for s in missing)} not installed. Install them with: "
                f"sudo apt-get install -y {' '.join(packages)} (Debian/Ubuntu), then run again."
            )
        _apt_install(packages, log)
    for service in services:
        log(f"Starting {service.name} on {service.host}:{service.port}")
        service.start()
        if not _wait_for(service, 30):
            raise ServiceError(
                f"{service.name} did not start on {service.host}:{service.port}. "
                f"Start it by hand and run again."
            )
