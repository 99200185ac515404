"""Connect to the portal named by settings: URL and token from the environment or local files."""

from __future__ import annotations

import os

from ..ckan_client import CkanClient
from ..localportal.layout import Layout
from .settings import PublishTarget, resolve_token


def publish_target(portal_url: str | None = None, instance: str = "local") -> PublishTarget:
    """The target portal: an explicit URL, else $ODP_CKAN_URL, else the local portal."""
    url = portal_url or os.environ.get("ODP_CKAN_URL") or Layout.default(instance).url
    overrides = {
        key: os.environ[env]
        for key, env in (
            ("organization", "ODP_ORGANIZATION"),
            ("group", "ODP_GROUP"),
            ("group_title", "ODP_GROUP_TITLE"),
        )
        if os.environ.get(env)
    }
    return PublishTarget.model_validate({"portal_url": url, **overrides})


def portal_client(target: PublishTarget, instance: str = "local") -> CkanClient:
    """A client with the publisher's token ($ODP_CKAN_TOKEN, $ODP_CKAN_TOKEN_FILE, local file)."""
    layout = Layout.default(instance)
    local = layout.publisher_token_file if target.portal_url == layout.url else None
    token = resolve_token(token_file=local)
    return CkanClient(target.portal_url, token.get_secret_value())
