"""Connect to the portal named by settings: URL and token from the environment or a secret store."""

from __future__ import annotations

import os

from ..ckan_client import CkanClient
from ..localportal.layout import Layout
from ..profile import PublisherProfile, load_profile
from .settings import URL_BLOCK, PublishTarget, SecretLookup, resolve_token


def _instance(name: str | None) -> str:
    """The local portal instance: given, $ODP_PORTAL_NAME, else ``local``."""
    return name or os.environ.get("ODP_PORTAL_NAME") or "local"


def portal_url(
    explicit: str | None = None,
    instance: str | None = None,
    secrets: SecretLookup | None = None,
    profile: PublisherProfile | None = None,
) -> str:
    """The portal URL: explicit, $ODP_CKAN_URL, the profile's, a Secret block, the local portal."""
    url = explicit or os.environ.get("ODP_CKAN_URL") or (profile.portal_url if profile else None)
    if not url and secrets is not None:
        url = secrets(os.environ.get("ODP_CKAN_URL_BLOCK") or URL_BLOCK)
    return (url or Layout.default(_instance(instance)).url).strip()


def publish_target(
    explicit_url: str | None = None,
    instance: str | None = None,
    secrets: SecretLookup | None = None,
    profile: PublisherProfile | None = None,
) -> PublishTarget:
    """Where the publisher of ``profile`` (default: ``load_profile()``) publishes.

    Raises:
        ConfigError: the profile is missing or invalid.
    """
    profile = profile or load_profile()
    return PublishTarget(
        portal_url=portal_url(explicit_url, instance, secrets, profile),
        organization=profile.organization.name,
        group=profile.group.name,
        group_title=profile.group.title,
        token_env=profile.token.env,
        token_block=profile.token.block,
    )


def portal_client(
    target: PublishTarget, instance: str | None = None, secrets: SecretLookup | None = None
) -> CkanClient:
    """A client with the publisher's token (environment, token file, Secret block, local file)."""
    layout = Layout.default(_instance(instance))
    local = layout.publisher_token_file if target.portal_url == layout.url else None
    token = resolve_token(target.token_env, local, secrets, target.token_block)
    return CkanClient(target.portal_url, token.get_secret_value())
