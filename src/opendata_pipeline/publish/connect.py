"""Connect to the portal named by settings: URL and token from the environment or a secret store."""

from __future__ import annotations

import os

from ..ckan_client import CkanClient
from ..localportal.layout import Layout
from .settings import URL_BLOCK, PublishTarget, SecretLookup, resolve_token


def portal_url(
    explicit: str | None = None, instance: str = "local", secrets: SecretLookup | None = None
) -> str:
    """The portal URL: explicit, $ODP_CKAN_URL, a Secret block ($ODP_CKAN_URL_BLOCK), local."""
    url = explicit or os.environ.get("ODP_CKAN_URL")
    if not url and secrets is not None:
        url = secrets(os.environ.get("ODP_CKAN_URL_BLOCK") or URL_BLOCK)
    return (url or Layout.default(instance).url).strip()


def publish_target(
    explicit_url: str | None = None, instance: str = "local", secrets: SecretLookup | None = None
) -> PublishTarget:
    """The target portal (see ``portal_url``), organization and group from the environment."""
    overrides = {
        key: os.environ[env]
        for key, env in (
            ("organization", "ODP_ORGANIZATION"),
            ("group", "ODP_GROUP"),
            ("group_title", "ODP_GROUP_TITLE"),
        )
        if os.environ.get(env)
    }
    url = portal_url(explicit_url, instance, secrets)
    return PublishTarget.model_validate({"portal_url": url, **overrides})


def portal_client(
    target: PublishTarget, instance: str = "local", secrets: SecretLookup | None = None
) -> CkanClient:
    """A client with the publisher's token (environment, token file, Secret block, local file)."""
    layout = Layout.default(instance)
    local = layout.publisher_token_file if target.portal_url == layout.url else None
    token = resolve_token(token_file=local, secrets=secrets)
    return CkanClient(target.portal_url, token.get_secret_value())
