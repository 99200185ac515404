"""The one boundary between this project and a CKAN portal.

Every call to CKAN goes through :class:`CkanClient`, which turns ckanapi's and
requests' exceptions into this project's typed errors in exactly one place,
and keeps the API token out of every message.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Callable
from typing import Any

import ckanapi
import requests

from .errors import PortalConflict, PortalNotFound, PortalRejected, PortalUnavailable
from .redact import redact

TRANSIENT_STATUS = {502, 503, 504}
_NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


class CkanClient:
    """Call CKAN actions over HTTP with typed errors.

    Args:
        url: the portal's base URL, e.g. ``http://127.0.0.1:5050``.
        token: an API token, or None for anonymous reads.
        timeout: connect and read timeouts in seconds.
        on_call: called with each action name before it is sent (for counting writes).
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        timeout: tuple[float, float] = (5.0, 120.0),
        on_call: Callable[[str], None] | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._on_call = on_call
        self._extensions: frozenset[str] | None = None
        self._session = requests.Session()
        self._remote = ckanapi.RemoteCKAN(
            self.url, apikey=token, user_agent="opendata-pipeline/0.1", session=self._session
        )

    @property
    def token_digest(self) -> str:
        """A sha256 of the token: tells clients apart without holding the token in a key."""
        return hashlib.sha256((self._token or "").encode()).hexdigest()

    def __repr__(self) -> str:
        return f"CkanClient({self.url!r}, token={'set' if self._token else 'none'})"

    def call(self, action: str, files: dict[str, Any] | None = None, **data: Any) -> Any:
        """Call a CKAN action and return its result.

        Raises:
            PortalUnavailable: the portal did not answer or answered 502/503/504 (retry).
            PortalRejected: the portal refused the call (do not retry).
        """
        if self._on_call is not None:
            self._on_call(action)
        if files:
            # Multipart requests carry strings only; CKAN parses JSON for nested values.
            data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
        try:
            return self._remote.call_action(
                action, data_dict=data, files=files, requests_kwargs={"timeout": self._timeout}
            )
        except _NETWORK_ERRORS as exc:
            raise PortalUnavailable(
                self._msg(f"{action}: portal at {self.url} did not answer: {exc}")
            ) from None
        except ckanapi.NotAuthorized as exc:
            raise PortalRejected(
                self._msg(
                    f"{action}: not authorized ({exc}). Check that the API token belongs "
                    "to an editor of the dataset's organization."
                )
            ) from None
        except ckanapi.NotFound as exc:
            raise PortalNotFound(self._msg(f"{action}: not found ({exc})")) from None
        except ckanapi.ValidationError as exc:
            if _is_conflict(exc):
                raise PortalConflict(
                    self._msg(f"{action}: the dataset changed meanwhile ({exc}); plan again")
                ) from None
            raise PortalRejected(
                self._msg(f"{action}: rejected by CKAN validation: {exc}")
            ) from None
        except (ckanapi.SearchQueryError, ckanapi.SearchError) as exc:
            raise PortalRejected(self._msg(f"{action}: invalid search: {exc}")) from None
        except ckanapi.SearchIndexError as exc:
            raise PortalUnavailable(self._msg(f"{action}: search index failed: {exc}")) from None
        except (ckanapi.CKANAPIError, ckanapi.ServerIncompatibleError) as exc:
            status = _status_of(exc)
            if status in TRANSIENT_STATUS or status is None:
                raise PortalUnavailable(
                    self._msg(f"{action}: portal error {status}: {exc}")
                ) from None
            raise PortalRejected(self._msg(f"{action}: portal error {status}: {exc}")) from None

    def extensions(self) -> frozenset[str]:
        """The plugins the portal runs (``status_show``), asked once per client."""
        if self._extensions is None:
            status = self.call("status_show")
            self._extensions = frozenset(status.get("extensions", []))
        return self._extensions

    def get(self, url: str) -> requests.Response:
        """GET a URL of the portal (downloads, DCAT exports) with the client's timeouts."""
        try:
            headers = {"Authorization": self._token} if self._token else {}
            return self._session.get(url, timeout=self._timeout, headers=headers)
        except _NETWORK_ERRORS as exc:
            raise PortalUnavailable(self._msg(f"GET {url} failed: {exc}")) from None

    def _msg(self, text: str) -> str:
        return redact(text, [self._token])


def _status_of(exc: Exception) -> int | None:
    """Read the HTTP status from ckanapi's ``repr([url, status, body])`` message."""
    try:
        parts = ast.literal_eval(str(exc.args[0]))
        return int(parts[1])
    except (ValueError, SyntaxError, IndexError, TypeError):
        return None


def _is_conflict(exc: Exception) -> bool:
    """True for a failed ``match`` (package_revise) or a name taken by a concurrent create."""
    errors = getattr(exc, "error_dict", None) or {}
    if "match" in errors:
        return True
    return any("already in use" in str(m) for m in errors.get("name", []))
