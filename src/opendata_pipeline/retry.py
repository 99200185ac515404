"""Backoff for retrying transient failures (HTTP sources and the portal alike)."""

from __future__ import annotations

import random


def backoff_delay(attempt: int, base: float = 0.5, cap: float = 15.0) -> float:
    """Seconds to wait before retry ``attempt`` (1-based): exponential, capped, jitter 0.5-1.5x."""
    return float(min(cap, base * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5))  # noqa: S311
