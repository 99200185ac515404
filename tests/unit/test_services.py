"""What the portal does when PostgreSQL or Redis is missing (no sockets opened)."""

from __future__ import annotations

import pytest

from opendata_pipeline.errors import ServiceError
from opendata_pipeline.localportal import services


def test_missing_services_name_exactly_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "port_open", lambda host, port, timeout=0.5: False)
    monkeypatch.setattr(services, "_can_apt", lambda: False)
    monkeypatch.setattr(
        services,
        "POSTGRESQL",
        services.POSTGRESQL.__class__(
            "PostgreSQL", "127.0.0.1", 5432, "postgresql", lambda: False, lambda: None
        ),
    )
    monkeypatch.setattr(
        services,
        "REDIS",
        services.REDIS.__class__(
            "Redis", "127.0.0.1", 6379, "redis-server", lambda: False, lambda: None
        ),
    )
    with pytest.raises(ServiceError) as err:
        services.ensure_services(log=lambda _m: None)
    assert "PostgreSQL and Redis not installed" in str(err.value)
    assert "apt-get install -y postgresql redis-server" in str(err.value)


def test_stopped_services_are_started(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []
    up: set[int] = set()
    monkeypatch.setattr(services, "port_open", lambda host, port, timeout=0.5: port in up)

    def starter(name: str, port: int):  # type: ignore[no-untyped-def]
        return lambda: (started.append(name), up.add(port))

    monkeypatch.setattr(
        services,
        "POSTGRESQL",
        services.POSTGRESQL.__class__(
            "PostgreSQL", "127.0.0.1", 5432, "postgresql", lambda: True, starter("pg", 5432)
        ),
    )
    monkeypatch.setattr(
        services,
        "REDIS",
        services.REDIS.__class__(
            "Redis", "127.0.0.1", 6379, "redis-server", lambda: True, starter("redis", 6379)
        ),
    )
    services.ensure_services(log=lambda _m: None)
    assert started == ["pg", "redis"]


def test_apt_is_used_only_as_root_on_debian(monkeypatch: pytest.MonkeyPatch) -> None:
    installed: list[list[str]] = []
    monkeypatch.setattr(services, "port_open", lambda host, port, timeout=0.5: False)
    monkeypatch.setattr(services, "_can_apt", lambda: True)
    monkeypatch.setattr(services, "_apt_install", lambda pkgs, log: installed.append(pkgs))
    monkeypatch.setattr(services, "_wait_for", lambda s, secs: True)
    monkeypatch.setattr(
        services,
        "POSTGRESQL",
        services.POSTGRESQL.__class__(
            "PostgreSQL", "127.0.0.1", 5432, "postgresql", lambda: False, lambda: None
        ),
    )
    monkeypatch.setattr(
        services,
        "REDIS",
        services.REDIS.__class__(
            "Redis", "127.0.0.1", 6379, "redis-server", lambda: True, lambda: None
        ),
    )
    services.ensure_services(log=lambda _m: None)
    assert installed == [["postgresql"]]
