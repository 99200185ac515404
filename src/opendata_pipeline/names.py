"""Names and keys with one rule each: CKAN names, and Table Schema field lists.

Pure and import-light: the command line, declarations, profiles, scaffolding and
validation all use these.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import ConfigError

CKAN_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{1,99}")
"""What CKAN accepts as a dataset, organization or group name (matched in full)."""


def is_ckan_name(value: object) -> bool:
    """Tell whether ``value`` is a valid CKAN name: the whole string, no trailing newline."""
    return isinstance(value, str) and CKAN_NAME.fullmatch(value) is not None


def ckan_name(value: str, kind: str = "name") -> str:
    """Return ``value`` if CKAN accepts it as a name.

    Raises:
        ConfigError: it is not 2-100 characters of a-z, 0-9, ``-`` and ``_`` starting
            with a letter or digit (the message names ``kind`` and the value).
    """
    if not is_ckan_name(value):
        raise ConfigError(
            f"{kind} {value!r} is not a valid CKAN name: use 2-100 characters, lowercase "
            "letters a-z, digits, '-' and '_', starting with a letter or digit"
        )
    return value


def field_names(value: Any) -> list[str]:
    """A Table Schema field list, which may be written as one string or a list of strings."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def primary_key(schema: dict[str, Any]) -> list[str]:
    """The fields of a Table Schema's ``primaryKey`` (a string or a list), in order."""
    return field_names(schema.get("primaryKey"))
