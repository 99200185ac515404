"""Where a publisher's datasets go: portal, organization, theme group and the token's source."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ..errors import ConfigError
from ..profile import PublisherProfile, TokenSource


class Destination(BaseModel):
    """The portal, organization and group one publisher writes to (no secrets: only where the
    token is found)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    portal_url: str
    """Base URL of the CKAN portal, e.g. https://opendata.example.org."""
    organization: str
    """CKAN organization (name) that owns the datasets."""
    group: str
    """CKAN group (name) every dataset joins: the portal's theme users browse."""
    group_title: str = ""
    """Title used when the group has to be created (default: the name)."""
    token: TokenSource = TokenSource()
    """Where the API token is read from (the token itself is never part of this value)."""
    profile_file: Path = Path(".")
    """The profile file; a token file it names is relative to it."""
    full_text_max_rows: int = 200_000
    """DataStore tables above this size get no full-text column (it costs ~25 s/1M rows)."""

    @property
    def host(self) -> str:
        return self.portal_url.rstrip("/")

    def dataset_url(self, name: str) -> str:
        """The dataset's page on the portal."""
        return f"{self.host}/dataset/{name}"


def destination(
    profile: PublisherProfile, explicit_url: str | None = None, env_url: str | None = None
) -> Destination:
    """Where ``profile`` publishes: ``explicit_url`` (--portal-url, a flow parameter), else
    ``env_url`` ($ODP_CKAN_URL), else the profile's ``portal_url``. The profile's token file
    is used only for its own ``portal_url``.

    Raises:
        ConfigError: none of them names a portal; the message names each place.
    """
    url = (explicit_url or env_url or profile.portal_url or "").strip()
    if not url:
        raise ConfigError(
            f"no CKAN portal for profile {profile.name!r}: looked at --portal-url (or the flow's "
            f"portal_url parameter), $ODP_CKAN_URL and portal_url in {profile.path}"
        )
    token = profile.token
    if url != profile.portal_url:  # the profile's token file belongs to its own portal
        token = token.model_copy(update={"file": None})
    return Destination(
        portal_url=url,
        organization=profile.organization.name,
        group=profile.group.name,
        group_title=profile.group.title,
        token=token,
        profile_file=profile.path,
    )
