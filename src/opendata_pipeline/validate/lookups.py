"""Foreign-key lookups: the key values a referenced table holds (see :mod:`.keys`)."""

from __future__ import annotations

from .keys import Lookups, key_set

__all__ = ["Lookups", "key_set"]
