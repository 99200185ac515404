"""Find the CKAN API token a publisher's profile points at; it is never a parameter or a setting
that gets printed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import SecretStr

from ..errors import ConfigError
from ..profile import TokenSource
from ..settings import DEFAULT_TOKEN_ENV, FILE_SUFFIX, Settings

SecretLookup = Callable[[str], "str | None"]
"""Reads a named secret from a secret store (a Prefect Secret block); None if absent."""


def _read(path: Path) -> SecretStr | None:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return SecretStr(value) if value else None


def find_token(
    source: TokenSource,
    profile_file: Path,
    settings: Settings,
    secrets: SecretLookup | None = None,
) -> tuple[SecretStr | None, list[str]]:
    """Look for the token: the variable, ``<variable>_FILE``, the profile's file, the block.

    Returns:
        The token (None if none was found) and every place looked at, for messages.
    """
    variable = source.env or DEFAULT_TOKEN_ENV
    looked = [f"environment variable {variable}"]
    token = settings.token(variable)
    if token is None:
        named = settings.token_file(variable)
        looked.append(f"file named by {variable}{FILE_SUFFIX}" + (f" ({named})" if named else ""))
        token = _read(named) if named else None
    own = source.file_path(profile_file)
    if token is None and own is not None:
        looked.append(f"token file {own} (profile {profile_file.name})")
        token = _read(own)
    if token is None and secrets is not None:
        looked.append(f"Prefect Secret block {source.block!r}")
        found = secrets(source.block)
        token = SecretStr(found.strip()) if found and found.strip() else None
    return token, looked


def require_token(
    source: TokenSource,
    profile_file: Path,
    settings: Settings,
    secrets: SecretLookup | None = None,
) -> SecretStr:
    """The token, for writes.

    Raises:
        ConfigError: no token was found; the message names every place looked at.
    """
    token, looked = find_token(source, profile_file, settings, secrets)
    if token is None:
        raise ConfigError("No CKAN API token found. Looked at: " + "; ".join(looked) + ".")
    return token
