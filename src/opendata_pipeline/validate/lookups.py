"""Foreign-key lookups: the key values a referenced table holds."""

from __future__ import annotations

from typing import Any

from .engine import Lookups


def _fields(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def lookups_for(
    resource: str,
    schema: dict[str, Any],
    values: dict[str, list[str | None]],
    key_fields: list[str] | None = None,
) -> Lookups:
    """Build the lookup of a validated table from its canonical key values.

    Rows whose key cells are all empty are left out, as frictionless does.
    """
    fields = key_fields or _fields(schema.get("primaryKey") or [])
    if not fields or not all(f in values for f in fields):
        return {}
    columns = [
        v.to_pylist() if hasattr(v, "to_pylist") else list(v) for v in (values[f] for f in fields)
    ]
    keys = {t for t in zip(*columns, strict=True) if set(t) != {None}}
    return {(resource, tuple(fields)): keys}
