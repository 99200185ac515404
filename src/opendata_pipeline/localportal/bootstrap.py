"""Create the publisher, its token and the local profiles' organizations and groups (idempotent)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..ckan_client import CkanClient
from ..errors import ConfigError, PortalRejected
from ..profile import PublisherProfile, load_profile, profiles_dir
from .layout import Layout, write_secret

ADMIN_USER = "odp-admin"


def load_spec(layout: Layout) -> dict[str, Any]:
    """Read the publishing user to create from ``portal/bootstrap.yaml``."""
    path: Path = layout.root / "portal" / "bootstrap.yaml"
    spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return spec


def _ensure_admin_token(layout: Layout) -> str:
    from .manager import _run

    if layout.admin_token_file.exists():
        return layout.admin_token_file.read_text().strip()
    ckan = str(layout.bin("ckan"))
    shown = _run([ckan, "user", "show", ADMIN_USER], layout, "ckan user show")
    if "User: None" in shown:
        _run(
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
    _run([ckan, "sysadmin", "add", ADMIN_USER], layout, "ckan sysadmin add")
    token = (
        _run(
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


def local_profiles(log: Callable[[str], None] = print) -> list[PublisherProfile]:
    """The profiles in ``profiles/`` that publish to the local portal (``portal_url: null``)."""
    found = []
    for path in sorted(profiles_dir().glob("*.yaml")):
        try:
            profile = load_profile(str(path))
        except ConfigError as exc:
            log(f"Skipping profile {path.name}: {exc}")
            continue
        if profile.portal_url is None:
            found.append(profile)
    return found


def bootstrap(
    layout: Layout, log: Callable[[str], None] = print, extra: tuple[str, ...] = ()
) -> None:
    """Make sure the publisher, its token and each local profile's organization and group exist.

    Args:
        extra: more profiles (names or files) to set up, wherever they live.

    The publisher becomes editor of every such organization and member of its group.
    """
    pub = load_spec(layout)["publisher"]
    admin = CkanClient(layout.url, _ensure_admin_token(layout))
    if not _exists(admin, "user_show", id=pub["name"]):
        log(f"Creating publishing user {pub['name']}")
        admin.call("user_create", password=secrets.token_urlsafe(24), **pub)
    for profile in [*local_profiles(log), *(load_profile(p) for p in extra)]:
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
