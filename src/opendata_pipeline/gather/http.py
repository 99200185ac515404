"""Download a source over HTTP(S): conditional, bounded, retried only when worth it."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests
import urllib3

from ..clock import utc_now
from ..errors import TerminalError, TransientError
from ..retry import backoff_delay
from .trust import check_url

RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}

# Content types accepted per declared format (besides generic binary/text ones).
ACCEPTED_TYPES = {
    "csv": {
        "text/csv",
        "application/csv",
        "text/comma-separated-values",
        "text/plain",
        "application/vnd.ms-excel",
        "text/x-csv",
    },
    "json": {"application/json", "text/json", "text/plain", "application/geo+json"},
    "xlsx": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
        "application/vnd.ms-excel",
    },
    "ics": {"text/calendar", "text/plain", "application/ics"},
}
GENERIC_TYPES = {"application/octet-stream", "binary/octet-stream", ""}


class FetchError(TerminalError):
    """The source answered, but not with what was declared; retrying will not help."""


class FetchUnavailable(TransientError):
    """The source did not answer usefully after all retries."""


@dataclass(frozen=True)
class Fetched:
    """Bytes of a source and what is known of where they came from."""

    body: bytes
    url: str
    retrieved_at: str
    sha256: str
    etag: str | None
    last_modified: str | None
    content_type: str | None
    not_modified: bool
    """True when the server answered 304 and the cached copy was used."""


@dataclass(frozen=True)
class FetchPolicy:
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_bytes: int = 50_000_000
    deadline: float = 300.0
    """Seconds the whole download may take, retries and redirects included."""
    allowed_hosts: tuple[str, ...] = ()
    """Hosts the URL and every redirect may point at (empty: any)."""
    max_redirects: int = 5


class HttpCache:
    """Last body and validators per URL, so unchanged sources are not downloaded again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode()).hexdigest()[:32]
        return self.folder / f"{key}.body", self.folder / f"{key}.json"

    def load(self, url: str) -> tuple[bytes, dict[str, str | None]] | None:
        body_path, meta_path = self._paths(url)
        try:
            return body_path.read_bytes(), json.loads(meta_path.read_text())
        except (OSError, ValueError):
            return None

    def store(self, url: str, body: bytes, etag: str | None, last_modified: str | None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        body_path, meta_path = self._paths(url)
        body_path.write_bytes(body)
        meta_path.write_text(json.dumps({"etag": etag, "last_modified": last_modified}))


def _looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


def check_body(body: bytes, content_type: str | None, expected: str, label: str) -> None:
    """Refuse an HTML page, or a content type that does not fit the declared format.

    Raises:
        FetchError: naming the source and what arrived instead.
    """
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime == "text/html" or (expected != "html" and _looks_like_html(body)):
        raise FetchError(
            f"{label}: expected {expected.upper()} but received an HTML page "
            f"(content type {mime or 'not given'}); the URL probably points at an error or "
            "landing page, not at the file."
        )
    if mime not in GENERIC_TYPES and mime not in ACCEPTED_TYPES.get(expected, set()):
        raise FetchError(
            f"{label}: expected {expected.upper()} but the server says the content type is "
            f"{mime!r}. Fix the URL or declare the right format."
        )


def _read_capped(resp: requests.Response, cap: int, label: str, deadline: float) -> bytes:
    declared = resp.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise FetchError(f"{label}: body of {int(declared):,} bytes exceeds the cap of {cap:,}")
    chunks, size = [], 0
    while chunk := resp.raw.read1(65536, decode_content=True):
        size += len(chunk)
        if size > cap:
            raise FetchError(f"{label}: body exceeds the cap of {cap:,} bytes; download stopped")
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise _Late()
    body = b"".join(chunks)
    if declared and declared.isdigit() and len(body) < int(declared):
        raise _Truncated(
            f"{label}: truncated body: received {len(body):,} of {int(declared):,} bytes"
        )
    return body


class _Late(Exception):
    pass


def _get(
    session: requests.Session,
    url: str,
    headers: dict[str, str],
    policy: FetchPolicy,
    label: str,
    deadline: float,
) -> requests.Response:
    """GET ``url``, following redirects only to http(s) URLs on allowed hosts."""
    for _ in range(policy.max_redirects + 1):
        left = max(deadline - time.monotonic(), 0.1)
        resp = session.get(
            url,
            headers=headers,
            stream=True,
            allow_redirects=False,
            timeout=(min(policy.connect_timeout, left), min(policy.read_timeout, left)),
        )
        if not resp.is_redirect:
            return resp
        resp.close()
        url = urljoin(url, resp.headers["Location"])
        check_url(url, policy.allowed_hosts, label)
    raise FetchError(f"{label}: more than {policy.max_redirects} redirects")


class _Truncated(Exception):
    pass


def fetch(
    url: str,
    expected: str,
    label: str,
    cache: HttpCache | None = None,
    policy: FetchPolicy = FetchPolicy(),
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Fetched:
    """GET ``url``; reuse the cached body when the server says it has not changed.

    Args:
        url: HTTP(S) URL of the source.
        expected: declared format (csv, json, xlsx, ics).
        label: names dataset and source in every message.

    Raises:
        FetchError: 4xx answers, HTML instead of data, wrong content type, size cap.
        SourceRefused: not an http(s) URL, or a host (also of a redirect) not allowed.
        FetchUnavailable: timeouts, dropped connections, 5xx or truncated bodies after retries.
    """
    session = session or requests.Session()
    cached = cache.load(url) if cache else None
    headers = {"User-Agent": "opendata-pipeline/0.1"}
    if cached:
        meta = cached[1]
        if meta.get("etag"):
            headers["If-None-Match"] = str(meta["etag"])
        if meta.get("last_modified"):
            headers["If-Modified-Since"] = str(meta["last_modified"])
    check_url(url, policy.allowed_hosts, label)
    deadline = time.monotonic() + policy.deadline
    last_problem = ""
    tried = 0
    for attempt in range(policy.retries + 1):
        if attempt:
            delay = backoff_delay(attempt, policy.backoff, policy.max_backoff)
            if time.monotonic() + delay >= deadline:
                break
            sleep(delay)
        tried += 1
        try:
            with _get(session, url, headers, policy, label, deadline) as resp:
                if resp.status_code == 304 and cached:
                    body = cached[0]
                    return _fetched(url, body, resp, cached[1], not_modified=True)
                if resp.status_code in RETRY_STATUS:
                    last_problem = f"HTTP {resp.status_code}"
                    continue
                if resp.status_code >= 400:
                    raise FetchError(
                        f"{label}: HTTP {resp.status_code} from {url}; not retried. "
                        "Check the URL and access rights."
                    )
                body = _read_capped(resp, policy.max_bytes, label, deadline)
                check_body(body, resp.headers.get("Content-Type"), expected, label)
                fetched = _fetched(url, body, resp, {}, not_modified=False)
                if cache:
                    cache.store(url, body, fetched.etag, fetched.last_modified)
                return fetched
        except _Truncated as exc:
            last_problem = str(exc)
        except _Late:
            raise FetchUnavailable(
                f"{label}: {url} did not finish within the deadline of {policy.deadline:g} s "
                "(raise the source's deadline if it is slow but sound)",
                exhausted=True,
            ) from None
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            urllib3.exceptions.HTTPError,
        ) as exc:
            last_problem = f"{type(exc).__name__}: {exc}"
    raise FetchUnavailable(
        f"{label}: {url} failed after {tried} attempt(s) ({last_problem}).",
        exhausted=True,
    )


def _fetched(
    url: str, body: bytes, resp: requests.Response, meta: dict[str, str | None], not_modified: bool
) -> Fetched:
    return Fetched(
        body=body,
        url=url,
        retrieved_at=utc_now(),
        sha256=hashlib.sha256(body).hexdigest(),
        etag=resp.headers.get("ETag") or meta.get("etag"),
        last_modified=resp.headers.get("Last-Modified") or meta.get("last_modified"),
        content_type=resp.headers.get("Content-Type"),
        not_modified=not_modified,
    )
