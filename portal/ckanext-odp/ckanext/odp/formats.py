"""Classify a resource's format as an EU file type and an IANA media type.

Pure (no CKAN): ``classify`` takes what a CKAN resource says about its format
(``format``, ``mimetype``, ``url``) and returns the EU file-type code and the
IANA media type, so that any distribution gets IRIs, whatever role it has.
The table ``vocab/file_types.json`` holds every current code of the EU
file-type authority table with its extensions and media type.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from urllib.parse import urlparse

FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
IANA = "https://www.iana.org/assignments/media-types/"
_MEDIA_TYPE = re.compile(r"^[a-z]+/[a-z0-9][a-z0-9.+_-]*$")
_TABLE = Path(__file__).parent / "vocab" / "file_types.json"


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, object]]:
    table: dict[str, dict[str, object]] = json.loads(_TABLE.read_text(encoding="utf-8"))
    return table


@functools.lru_cache(maxsize=1)
def _by_extension() -> dict[str, str]:
    """Extension -> code; where several codes share one, the code named like it wins."""
    out: dict[str, str] = {}
    for code, entry in sorted(_table().items()):
        for ext in entry["extensions"]:  # type: ignore[attr-defined]
            ext = str(ext).lower()
            if ext not in out or code == ext.lstrip(".").upper():
                out[ext] = code
    return out


@functools.lru_cache(maxsize=1)
def _by_media_type() -> dict[str, str]:
    out: dict[str, str] = {}
    for code, entry in sorted(_table().items()):
        media = entry.get("media_type")
        if media and (media not in out or code == media.split("/")[-1].upper()):
            out[str(media)] = code
    return out


def _code(fmt: str) -> str | None:
    fmt = fmt.strip()
    if fmt.startswith(FILE_TYPE):
        code = fmt[len(FILE_TYPE) :]
        return code if code in _table() else None
    candidate = re.sub(r"[\s-]+", "_", fmt.upper().lstrip("."))
    if candidate in _table():
        return candidate
    found = _by_extension().get("." + fmt.lower().lstrip("."))
    if found:
        return found
    media = fmt.lower().split(";")[0].strip()
    if media.startswith(IANA):
        media = media[len(IANA) :]
    return _by_media_type().get(media)


def media_type_of(code: str | None, mimetype: str | None) -> str | None:
    """The file type's registered media type, else the resource's own if well-formed."""
    if code:
        media = _table()[code].get("media_type")
        if media:
            return str(media)
    value = (mimetype or "").lower().split(";")[0].strip()
    if value.startswith(IANA):
        value = value[len(IANA) :]
    return value if _MEDIA_TYPE.match(value) else None


def classify(
    fmt: str | None, mimetype: str | None = None, url: str | None = None
) -> tuple[str | None, str | None]:
    """Return (EU file-type code, IANA media type) for a resource; None where unknown.

    Tried in order: the format (code, label, extension, media type or IRI), the
    MIME type, the URL's file extension.
    """
    code = _code(fmt) if fmt else None
    if code is None and mimetype:
        code = _code(mimetype)
    if code is None and url:
        suffix = Path(urlparse(url).path).suffix
        code = _by_extension().get(suffix.lower()) if suffix else None
    return code, media_type_of(code, mimetype)
