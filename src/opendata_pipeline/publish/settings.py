"""Where to publish and with which token: typed settings, secrets never printed."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr

from ..errors import ConfigError

TOKEN_BLOCK = "odp-ckan-token"  # noqa: S105 - a block name, not a secret
URL_BLOCK = "odp-ckan-url"
TOKEN_ENV = "ODP_CKAN_TOKEN"  # noqa: S105 - a variable's name, not a secret


class PublishTarget(BaseModel):
    """The portal, organization and group datasets are published to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    portal_url: str
    """Base URL of the CKAN portal, e.g. http://127.0.0.1:5050."""
    organization: str
    """CKAN organization (name) that owns the datasets."""
    group: str
    """CKAN group (name) every dataset joins: the portal's theme users browse."""
    group_title: str = ""
    """Title used when the group has to be created (default: the name)."""
    token_env: str = TOKEN_ENV
    """Environment variable with the API token (the token itself is never part of settings)."""
    token_block: str = TOKEN_BLOCK
    """Prefect Secret block with the API token."""
    full_text_max_rows: int = 200_000
    """DataStore tables above this size get no full-text column (it costs ~25 s/1M rows)."""


SecretLookup = Callable[[str], "str | None"]
"""Reads a named secret from a secret store (a Prefect Secret block); None if absent."""


def resolve_token(
    env: str = TOKEN_ENV,
    token_file: Path | None = None,
    secrets: SecretLookup | None = None,
    block: str = TOKEN_BLOCK,
) -> SecretStr:
    """Find the CKAN API token: environment, token file, Prefect Secret block, local portal.

    Args:
        env: the environment variable; ``<env>_FILE`` may name a file with the token.
        secrets: reads a secret by name; the block name is ``$<env>_BLOCK`` or ``block``.

    Raises:
        ConfigError: no token was found; the message names every place looked at.
    """
    value = os.environ.get(env)
    if value:
        return SecretStr(value.strip())
    looked = [f"environment variable {env}"]
    file_env = os.environ.get(env + "_FILE")
    looked.append(f"file named by {env}_FILE" + (f" ({file_env})" if file_env else " (unset)"))
    if file_env and Path(file_env).is_file():
        return SecretStr(Path(file_env).read_text(encoding="utf-8").strip())
    if secrets is not None:
        block = os.environ.get(env + "_BLOCK") or block
        looked.append(f"Prefect Secret block {block!r}")
        found = secrets(block)
        if found:
            return SecretStr(found.strip())
    if token_file is not None:
        looked.append(f"local portal token file {token_file}")
        if token_file.is_file():
            return SecretStr(token_file.read_text(encoding="utf-8").strip())
    raise ConfigError("No CKAN API token found. Looked at: " + "; ".join(looked) + ".")
