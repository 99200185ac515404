"""What a source may reach: files inside the catalogue project, http(s) URLs on allowed hosts.

Declarations are input like any other: a ``path`` may try to leave the project (``../``,
an absolute path, a symbolic link) or to read a token file, a URL may use another
scheme or point at a host the publisher did not allow.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import TerminalError

SCHEMES = ("http", "https")


class SourceRefused(TerminalError):
    """A source points somewhere sources may not read from."""

    kind = "config"


def local_file(
    folder: Path, relative: str, roots: Iterable[Path], secrets: Iterable[Path], label: str
) -> Path:
    """The file ``relative`` to a dataset folder, if it may be read.

    Args:
        roots: the catalogue project and the profile's catalogue folder; the file must lie
            inside one of them (symbolic links resolved).
        secrets: token files, never read as a source.

    Raises:
        SourceRefused: outside those folders, in a hidden folder (``.portal``, ``.git``, ...),
            or a token file.
    """
    path = (folder / relative).resolve()
    bases = [r.resolve() for r in roots]
    inside = next((path.relative_to(b) for b in bases if path.is_relative_to(b)), None)
    if inside is None:
        raise SourceRefused(
            f"{label}: path {relative!r} leads to {path}, outside the catalogue project "
            f"({', '.join(map(str, bases))}); sources may only read files inside it "
            "(symbolic links resolved)"
        )
    hidden = [part for part in inside.parts if part.startswith(".")]
    if hidden or path in {p.resolve() for p in secrets}:
        raise SourceRefused(
            f"{label}: path {relative!r} is a hidden or secret file of the project "
            f"({inside.as_posix()}); sources may not read those"
        )
    return path


def host_allowed(host: str, port: int | None, allowed: Iterable[str]) -> bool:
    """Tell whether ``host`` on ``port`` matches an entry: ``host``, ``host:port``, ``*.domain``."""
    host = host.lower()
    for entry in allowed:
        entry = entry.lower().strip()
        name, _, want_port = entry.partition(":")
        if want_port and (port is None or str(port) != want_port):
            continue
        if name == host or (name.startswith("*.") and host.endswith(name[1:])):
            return True
    return False


def check_url(url: str, allowed: tuple[str, ...], label: str) -> None:
    """Refuse a URL that is not http(s) or whose host the profile does not allow.

    Raises:
        SourceRefused: naming the source and the URL.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise SourceRefused(
            f"{label}: {url!r} is not an http(s) URL; sources are fetched over http or "
            "https only (local files: a file source with a path inside the project)"
        )
    try:
        port = parts.port
    except ValueError:
        raise SourceRefused(f"{label}: {url!r} has an invalid port") from None
    if allowed and not host_allowed(parts.hostname, port, allowed):
        raise SourceRefused(
            f"{label}: host {parts.hostname!r} of {url} is not in the profile's "
            f"source_hosts ({', '.join(allowed)})"
        )
