"""Where to publish and with which token: typed settings, secrets never printed."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr

from ..errors import ConfigError


class PublishTarget(BaseModel):
    """The portal, organization and group datasets are published to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    portal_url: str
    """Base URL of the CKAN portal, e.g. http://127.0.0.1:5050."""
    organization: str = "digitale-modellregionen-nrw"
    """CKAN organization (name) that owns the datasets."""
    group: str = "digitale-daten"
    """CKAN group (name) every dataset joins: the portal's theme users browse."""
    group_title: str = "Digitale Daten"
    """Title used when the group has to be created."""
    full_text_max_rows: int = 200_000
    """DataStore tables above this size get no full-text column (it costs ~25 s/1M rows)."""


def resolve_token(env: str = "ODP_CKAN_TOKEN", token_file: Path | None = None) -> SecretStr:
    """Find the CKAN API token: environment, then a token file (the local portal's).

    Raises:
        ConfigError: no token was found; the message names every place looked at.
    """
    value = os.environ.get(env)
    if value:
        return SecretStr(value.strip())
    looked = [f"environment variable {env}"]
    file_env = os.environ.get(env + "_FILE")
    candidates = [Path(file_env)] if file_env else []
    looked.append(f"file named by {env}_FILE" + (f" ({file_env})" if file_env else " (unset)"))
    if token_file is not None:
        candidates.append(token_file)
        looked.append(f"local portal token file {token_file}")
    for path in candidates:
        if path.is_file():
            return SecretStr(path.read_text(encoding="utf-8").strip())
    raise ConfigError("No CKAN API token found. Looked at: " + "; ".join(looked) + ".")
