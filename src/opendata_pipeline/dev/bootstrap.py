"""Create the publisher, its token and the local profiles' organizations and groups (idempotent)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from ..ckan import CkanClient
from ..errors import ConfigError, PortalRejected
from ..profile import PublisherProfile
from ..project import Project
from .layout import Layout, write_secret
from .tools import run_tool

ADMIN_USER = "odp-admin"


def load_spec(layout: Layout) -> dict[str, Any]:
    """Read the publishing user to create from ``portal/bootstrap.yaml``."""
    path: Path = layout.assets / "bootstrap.yaml"
    spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return spec


def ensure_admin_token(layout: Layout) -> str:
    if layout.admin_token_file.exists():
        return layout.admin_token_file.read_text().strip()
    ckan = str(layout.bin("ckan"))
    shown = run_tool([ckan, "user", "show", ADMIN_USER], layout, "ckan user show")
    if "User: None" in shown:
        run_tool(
            [
                ckan,
                "user",
                "add",
                ADMIN_USER,
                "email=admin@localhost.invalid",
                f"password={secrets.token_urlsafe(24)}",
            ],
            layout,
            "ckan user add",
        )
    run_tool([ckan, "sysadmin", "add", ADMIN_USER], layout, "ckan sysadmin add")
    token = (
        run_tool(
            [ckan, "user", "token", "add", "-q", ADMIN_USER, "odp-bootstrap"],
            layout,
            "ckan user token add",
        )
        .strip()
        .splitlines()[-1]
        .strip()
    )
    write_secret(layout.admin_token_file, token)
    return token


def _exists(client: CkanClient, action: str, **data: Any) -> bool:
    try:
        client.call(action, **data)
        return True
    except PortalRejected:
        return False


def local_profiles(
    project: Project, extra: list[str] | None = None, log: Callable[[str], None] = print
) -> list[PublisherProfile]:
    """The project's profiles that publish to a portal on this machine, plus ``extra`` ones.

    A profile publishes locally when its ``portal_url`` is empty or a loopback address.
    Profiles in ``profiles/`` that do not load are skipped with a message; ``extra``
    ones must load.

    Raises:
        ConfigError: an ``extra`` profile is missing or invalid.
    """
    found = []
    for path in project.profiles():
        try:
            profile = project.load_profile(str(path))
        except ConfigError as exc:
            log(f"Skipping profile {path.name}: {exc}")
            continue
        host = urlparse(profile.portal_url or "").hostname
        if host in (None, "127.0.0.1", "localhost", "::1"):
            found.append(profile)
    found += [project.load_profile(ref) for ref in extra or []]
    return found


def bootstrap(
    layout: Layout, profiles: list[PublisherProfile], log: Callable[[str], None] = print
) -> None:
    """Make sure the publisher, its token and each profile's organization and group exist.

    The publisher becomes editor of every such organization and member of its group.
    """
    pub = load_spec(layout)["publisher"]
    admin = CkanClient(layout.url, ensure_admin_token(layout))
    if not _exists(admin, "user_show", id=pub["name"]):
        log(f"Creating publishing user {pub['name']}")
        admin.call("user_create", password=secrets.token_urlsafe(24), **pub)
    for profile in profiles:
        org, group = profile.organization, profile.group
        if not _exists(admin, "organization_show", id=org.name):
            log(f"Creating organization {org.name} (profile {profile.name})")
            admin.call("organization_create", **org.model_dump())
        if not _exists(admin, "group_show", id=group.name):
            log(f"Creating group {group.name} ({group.title})")
            admin.call("group_create", **group.model_dump())
        admin.call("organization_member_create", id=org.name, username=pub["name"], role="editor")
        # Group members may add their datasets to the group; nothing more.
        admin.call("group_member_create", id=group.name, username=pub["name"], role="member")
    if not layout.publisher_token_file.exists():
        token = admin.call("api_token_create", user=pub["name"], name="odp-publisher")["token"]
        write_secret(layout.publisher_token_file, token)
        log(f"Publisher API token written to {layout.publisher_token_file} (mode 600)")
