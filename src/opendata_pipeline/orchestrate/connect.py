"""CKAN clients for tasks: one per portal and token per process, the token found where the
profile says (environment, token file or Prefect Secret block)."""

from __future__ import annotations

import hashlib
import threading

from ..ckan import CkanClient
from ..ckan.token import find_token, require_token
from ..publish.destination import Destination
from ..settings import load_settings
from .secrets import block_secret

_clients: dict[tuple[str, str, float], CkanClient] = {}
_lock = threading.Lock()


def portal_client(destination: Destination, write: bool) -> CkanClient:
    """A client for ``destination``: with the publisher's token when one is found.

    Args:
        write: the caller writes, so a token is required.

    Raises:
        ConfigError: ``write`` and no token was found (names every place looked at).
    """
    settings = load_settings()
    args = (destination.token, destination.profile_file, settings, block_secret)
    token = require_token(*args) if write else find_token(*args)[0]
    secret = token.get_secret_value() if token else ""
    digest = hashlib.sha256(secret.encode()).hexdigest()
    key = (destination.portal_url, digest, settings.portal_retry_seconds)
    with _lock:
        if key not in _clients:
            _clients[key] = CkanClient(
                destination.portal_url,
                secret or None,
                retry_seconds=settings.portal_retry_seconds,
            )
        return _clients[key]
