"""The one boundary between this project and a CKAN portal.

Every call to CKAN goes through :class:`CkanClient`, which turns ckanapi's and
requests' exceptions into this project's typed errors in exactly one place,
retries each request's transient failures within a time budget, sends the API
token only to the portal's own origin and keeps it out of every message.
"""

from __future__ import annotations

import ast
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import ckanapi
import ckanapi.common
import requests

from ..errors import (
    PortalConflict,
    PortalNotFound,
    PortalRejected,
    PortalUnavailable,
)
from ..redact import redact
from ..retry import backoff_delay
from .multipart import Content, MultipartBody

TRANSIENT_STATUS = {502, 503, 504}
RETRY_SECONDS = 60.0
"""Default budget of one request, retries included."""
_NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
USER_AGENT = "opendata-pipeline/0.1"


def origin(url: str) -> tuple[str, str, int | None]:
    """A URL's origin: scheme, host and port (the scheme's default port if none is given)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


class _OwnOriginSession(requests.Session):
    """A session that drops the Authorization header on a redirect to any other origin."""

    def rebuild_auth(self, prepared_request: Any, response: Any) -> None:
        if origin(prepared_request.url) != origin(response.request.url):
            prepared_request.headers.pop("Authorization", None)
            prepared_request.headers.pop("X-CKAN-API-Key", None)
        super().rebuild_auth(prepared_request, response)  # type: ignore[no-untyped-call]


class CkanClient:
    """Call CKAN actions over HTTP with typed errors.

    Args:
        url: the portal's base URL, e.g. ``http://127.0.0.1:5050``.
        token: an API token, or None for anonymous reads; sent only to ``url``'s origin.
        timeout: connect and read timeouts in seconds.
        on_call: called with each action name before it is sent (for counting writes).
        retry_seconds: how long one request may take, transient failures retried included;
            0 for a single attempt.
        sleep: how to wait between attempts (tests pass a fake).
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        timeout: tuple[float, float] = (5.0, 120.0),
        on_call: Callable[[str], None] | None = None,
        retry_seconds: float = RETRY_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._on_call = on_call
        self._retry_seconds = retry_seconds
        self._sleep = sleep
        self._extensions: frozenset[str] | None = None
        self._session = _OwnOriginSession()
        self._remote = ckanapi.RemoteCKAN(
            self.url, apikey=token, user_agent=USER_AGENT, session=self._session
        )

    @property
    def token_digest(self) -> str:
        """A sha256 of the token: tells clients apart without holding the token in a key."""
        return hashlib.sha256((self._token or "").encode()).hexdigest()

    def __repr__(self) -> str:
        return f"CkanClient({self.url!r}, token={'set' if self._token else 'none'})"

    def call(
        self, action: str, files: dict[str, tuple[str, Content]] | None = None, **data: Any
    ) -> Any:
        """Call a CKAN action and return its result; retry transient failures.

        ``files`` are uploads (form field -> file name and content: bytes, a path or a
        seekable stream); they are streamed, never read into memory whole.

        Raises:
            PortalUnavailable: the portal did not answer, or answered 502/503/504, until
                the time budget ran out (not retried again by the caller).
            PortalRejected: the portal refused the call (do not retry).
        """
        if files:
            # Multipart requests carry strings only; CKAN parses JSON for nested values.
            data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
        return self._retrying(action, lambda left: self._call_once(action, files, data, left))

    def _call_once(
        self,
        action: str,
        files: dict[str, tuple[str, Content]] | None,
        data: dict[str, Any],
        left: float,
    ) -> Any:
        if self._on_call is not None:
            self._on_call(action)
        try:
            if files:
                return self._post_multipart(action, data, files, self._bound(left))
            return self._remote.call_action(
                action, data_dict=data, requests_kwargs={"timeout": self._bound(left)}
            )
        except _NETWORK_ERRORS as exc:
            raise PortalUnavailable(
                self._msg(f"{action}: portal at {self.url} did not answer ({_reason(exc)})")
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
            if _is_conflict(exc) or self._name_taken(action, data, exc):
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
                    self._msg(f"{action}: portal error {status}: {_short(exc)}")
                ) from None
            raise PortalRejected(
                self._msg(f"{action}: portal error {status}: {_short(exc)}")
            ) from None

    def _post_multipart(
        self,
        action: str,
        data: dict[str, str],
        files: dict[str, tuple[str, Content]],
        timeout: tuple[float, float],
    ) -> Any:
        """POST an action with uploads, streamed from disk (ckanapi would hold them in memory).

        The answer is read as ckanapi reads it, so errors translate the same way.
        """
        url = f"{self.url}/api/action/{action}"
        with MultipartBody(data, files) as body:
            headers = {"Content-Type": body.content_type, "User-Agent": USER_AGENT}
            if self._token:
                headers |= {"Authorization": self._token, "X-CKAN-API-Key": self._token}
            resp = self._session.post(
                url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            )
        return ckanapi.common.reverse_apicontroller_action(url, resp.status_code, resp.text)

    def _name_taken(self, action: str, data: dict[str, Any], exc: Exception) -> bool:
        """True if a ``package_create`` was refused because the name exists by now.

        CKAN words the refusal in the portal's language; asking is language-independent.
        A retried create whose first answer was lost is refused like this too.
        """
        errors = getattr(exc, "error_dict", None) or {}
        if action != "package_create" or "name" not in errors or not data.get("name"):
            return False
        try:
            self.call("package_show", id=data["name"])
        except (PortalNotFound, PortalRejected):
            return False
        return True

    def extensions(self) -> frozenset[str]:
        """The plugins the portal runs (``status_show``), asked once per client."""
        if self._extensions is None:
            status = self.call("status_show")
            self._extensions = frozenset(status.get("extensions", []))
        return self._extensions

    def get(self, url: str) -> requests.Response:
        """GET a URL (downloads, DCAT exports); the token goes only to the portal's origin.

        Answers 502/503/504 and network errors are retried within the time budget.

        Raises:
            PortalUnavailable: no answer (or only 502/503/504) until the budget ran out.
        """
        own = origin(url) == origin(self.url)
        headers = {"Authorization": self._token} if self._token and own else {}

        def once(left: float) -> requests.Response:
            try:
                resp = self._session.get(url, timeout=self._bound(left), headers=headers)
            except _NETWORK_ERRORS as exc:
                raise PortalUnavailable(self._msg(f"GET {url} failed ({_reason(exc)})")) from None
            if resp.status_code in TRANSIENT_STATUS:
                raise PortalUnavailable(f"GET {url}: HTTP {resp.status_code}")
            return resp

        resp: requests.Response = self._retrying(f"GET {url}", once)
        return resp

    def download(self, url: str, target: BinaryIO) -> tuple[int, str]:
        """GET a file into ``target`` in blocks (never whole in memory).

        Like :meth:`get`, the token goes only to the portal's origin and network errors
        and 502/503/504 are retried within the time budget; each attempt starts
        ``target`` afresh.

        Returns:
            The HTTP status and the sha256 of what was written (only a 200's body is).

        Raises:
            PortalUnavailable: no complete answer (or only 502/503/504) until the budget ran out.
        """
        own = origin(url) == origin(self.url)
        headers = {"Authorization": self._token} if self._token and own else {}

        def once(left: float) -> tuple[int, str]:
            target.seek(0)
            target.truncate()
            digest = hashlib.sha256()
            try:
                with self._session.get(
                    url, timeout=self._bound(left), headers=headers, stream=True
                ) as resp:
                    if resp.status_code in TRANSIENT_STATUS:
                        raise PortalUnavailable(f"GET {url}: HTTP {resp.status_code}")
                    if resp.status_code == 200:
                        for block in resp.iter_content(1 << 20):
                            digest.update(block)
                            target.write(block)
                    return resp.status_code, digest.hexdigest()
            except _NETWORK_ERRORS as exc:
                raise PortalUnavailable(self._msg(f"GET {url} failed ({_reason(exc)})")) from None

        answer: tuple[int, str] = self._retrying(f"GET {url}", once)
        return answer

    def _retrying(self, what: str, attempt: Callable[[float], Any]) -> Any:
        """Run ``attempt`` until it succeeds, fails for good, or the time budget is spent."""
        start = time.monotonic()
        tries = 0
        while True:
            tries += 1
            left = self._retry_seconds - (time.monotonic() - start)
            try:
                return attempt(left)
            except PortalUnavailable as exc:
                if self._retry_seconds <= 0:
                    raise
                delay = backoff_delay(tries, base=0.25, cap=5.0)
                spent = time.monotonic() - start
                if spent + delay >= self._retry_seconds:
                    raise PortalUnavailable(
                        f"{exc} (gave up after {tries} attempt(s) in {spent:.0f} s)",
                        exhausted=True,
                    ) from None
                self._sleep(delay)

    def _bound(self, left: float) -> tuple[float, float]:
        """The timeouts of one attempt: no longer than the budget that is left."""
        connect, read = self._timeout
        if self._retry_seconds <= 0:
            return self._timeout
        left = max(left, 1.0)
        return min(connect, left), min(read, left)

    def _msg(self, text: str) -> str:
        return redact(text, [self._token])


def _reason(exc: Exception) -> str:
    """What went wrong on the network, in a few words (requests' texts run over lines)."""
    text = str(exc).lower()
    for words in ("connection refused", "connection reset", "name or service not known"):
        if words in text:
            return words
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if "remotedisconnected" in text or "connection aborted" in text:
        return "connection closed without an answer"
    return type(exc).__name__


def _short(exc: Exception, limit: int = 300) -> str:
    """An error's text, cut short (portal error pages can be long HTML)."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + " …"


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
    taken = ("already in use", "bereits vergeben")  # CKAN's English and German wording
    return any(t in str(m) for m in errors.get("name", []) for t in taken)
