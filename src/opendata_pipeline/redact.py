"""Keep secrets out of anything a person or a log may read."""

from __future__ import annotations

from collections.abc import Iterable

_REPLACEMENT = "***"


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Return ``text`` with every non-trivial secret replaced by ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 8:
            text = text.replace(secret, _REPLACEMENT)
    return text
