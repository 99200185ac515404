"""A throwaway CKAN portal for one test session: own port, databases, storage; removed after."""

from __future__ import annotations

import os
import re
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from opendata_pipeline.ckan import CkanClient
from opendata_pipeline.dev import portal as manager
from opendata_pipeline.dev.bootstrap import local_profiles
from opendata_pipeline.dev.kind import PortalKind
from opendata_pipeline.dev.layout import Layout
from opendata_pipeline.dev.services import ensure_services
from tests.project import PROJECT, ROOT, load_profile

HOME = ROOT / ".portal"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Portal:
    layout: Layout
    admin: CkanClient
    publisher: CkanClient
    publisher_token: str = field(repr=False)
    org: str
    group: str

    @property
    def url(self) -> str:
        return self.layout.url

    def anonymous(self) -> CkanClient:
        return CkanClient(self.url)


def _drop_orphans() -> None:
    """Drop databases of earlier test portals whose process is gone (a killed run)."""
    try:
        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres") as conn:
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'odp\\_t%\\_ckan'"
                )
            ]
    except psycopg.OperationalError:
        return
    for db in names:
        m = re.match(r"^odp_(t(\d+)_[0-9a-f]+)_ckan$", db)
        if not m:
            continue
        pid = int(m.group(2))
        try:
            os.kill(pid, 0)
            continue  # that test session is still running
        except OSError:
            pass
        inst = m.group(1)
        layout = Layout.of(HOME, inst, 1)
        manager.reset(layout, lambda _m: None)


def start_portal(
    prefix: str = "t", kind: PortalKind | None = None, home: Path = HOME
) -> Iterator[Portal]:
    """Start a fresh portal; yield it; stop and wipe it afterwards, also after failures.

    Args:
        kind: CKAN version and plugin set (default: CKAN 2.12 with ckanext-odp).
        home: where the CKAN virtualenvs are (and the instance is kept meanwhile).
    """
    log = print
    ensure_services(log)
    _drop_orphans()
    name = f"{prefix}{os.getpid()}_{uuid.uuid4().hex[:6]}"
    layout = Layout.of(home, name, free_port(), kind)
    try:
        manager.up(layout, local_profiles(PROJECT, log=log), log)
        profile = load_profile()
        token = layout.publisher_token_file.read_text().strip()
        yield Portal(
            layout=layout,
            admin=CkanClient(layout.url, layout.admin_token_file.read_text().strip()),
            publisher=CkanClient(layout.url, token),
            publisher_token=token,
            org=profile.organization.name,
            group=profile.group.name,
        )
    finally:
        manager.reset(layout, log)
