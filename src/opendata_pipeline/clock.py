"""The one way this project writes timestamps: UTC, ISO 8601, whole seconds."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> str:
    """Return the current time as ``YYYY-MM-DDTHH:MM:SS+00:00``."""
    return datetime.now(UTC).isoformat(timespec="seconds")
