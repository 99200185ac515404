"""What the portal does when PostgreSQL or Redis is missing (no sockets opened)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from opendata_pipeline.dev import services
from opendata_pipeline.errors import ServiceError


def fake_services(
    monkeypatch: pytest.MonkeyPatch,
    installed: tuple[bool, bool],
    starts: tuple[Callable[[], object], Callable[[], object]] | None = None,
) -> None:
    """Replace PostgreSQL and Redis by fakes: installed or not, with given start actions."""
    pg_start, redis_start = starts or (lambda: None, lambda: None)
    monkeypatch.setattr(
        services,
        "POSTGRESQL",
        services.Service(
            "PostgreSQL", "127.0.0.1", 5432, "postgresql", lambda: installed[0], pg_start
        ),
    )
    monkeypatch.setattr(
        services,
        "REDIS",
        services.Service(
            "Redis", "127.0.0.1", 6379, "redis-server", lambda: installed[1], redis_start
        ),
    )


def test_missing_services_name_exactly_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "port_open", lambda host, port, timeout=0.5: False)
    monkeypatch.setattr(services, "_can_apt", lambda: False)
    fake_services(monkeypatch, (False, False))
    with pytest.raises(ServiceError) as err:
        services.ensure_services(log=lambda _m: None)
    assert "PostgreSQL and Redis not installed" in str(err.value)
    assert "apt-get install -y postgresql redis-server" in str(err.value)


def test_stopped_services_are_started(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []
    up: set[int] = set()
    monkeypatch.setattr(services, "port_open", lambda host, port, timeout=0.5: port in up)
    fake_services(
        monkeypatch,
        (True, True),
        (
            lambda: (started.append("pg"), up.add(5432)),
            lambda: (started.append("redis"), up.add(6379)),
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
    fake_services(monkeypatch, (False, True))
    services.ensure_services(log=lambda _m: None)
    assert installed == [["postgresql"]]


def test_two_checkouts_never_share_a_portal_instances_databases(tmp_path: Path) -> None:
    """PostgreSQL is the machine's: an instance's databases and roles carry its folder."""
    from opendata_pipeline.dev.layout import Layout

    one = Layout.of(tmp_path / "one" / ".portal", "local", 5050)
    other = Layout.of(tmp_path / "other" / ".portal", "local", 5050)
    again = Layout.of(tmp_path / "one" / ".portal", "local", 5050)
    names = [(x.db_main, x.db_datastore, x.role_rw, x.role_ro) for x in (one, other, again)]
    assert names[0] == names[2]  # the same instance keeps its databases
    assert not set(names[0]) & set(names[1])
    for name in names[0]:
        assert name.startswith("odp_local_") and len(name) <= 63  # PostgreSQL's limit
    longest = Layout.of(tmp_path / ".portal", "a" * 31, 5050)
    assert max(len(n) for n in (longest.db_datastore, longest.role_rw)) <= 63
