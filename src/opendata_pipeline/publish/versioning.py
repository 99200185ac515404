"""Semantic versions from what changed: data (patch), compatible schema (minor), breaking (major).

Pure functions over Table Schema descriptors; no network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

Level = Literal["minor", "major"]
_VERSION_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_LOWER = {"minimum": True, "minLength": True, "maximum": False, "maxLength": False}
_DOC_KEYS = ("title", "description", "example", "rdfType")


@dataclass(frozen=True)
class SchemaChange:
    """One difference between two Table Schemas and how it affects users."""

    level: Level
    text: str


def _constraint_changes(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[SchemaChange]:
    changes: list[SchemaChange] = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        where = f"field {name!r}: {key}"
        if key in ("required", "unique"):
            level: Level = "major" if b else "minor"
            changes.append(SchemaChange(level, f"{where} {a!r} -> {b!r}"))
        elif key == "enum":
            relaxed = b is None or (a is not None and set(a) <= set(b))
            added = sorted(set(b or []) - set(a or [])) if a is not None else []
            text = f"{where} added {added}" if relaxed and added else f"{where} {a!r} -> {b!r}"
            changes.append(SchemaChange("minor" if relaxed else "major", text))
        elif key in _LOWER:
            if a is None or b is None:
                relaxed = b is None  # removing a bound relaxes, adding one tightens
            else:
                relaxed = bool(b < a) if _LOWER[key] else bool(b > a)
            changes.append(SchemaChange("minor" if relaxed else "major", f"{where} {a!r} -> {b!r}"))
        else:  # pattern and anything unknown: only removal is certainly compatible
            level = "minor" if b is None else "major"
            changes.append(SchemaChange(level, f"{where} {a!r} -> {b!r}"))
    return changes


def _field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[SchemaChange]:
    name = new["name"]
    changes: list[SchemaChange] = []
    for key, default in (("type", "string"), ("format", "default")):
        if old.get(key, default) != new.get(key, default):
            changes.append(
                SchemaChange("major", f"field {name!r}: {key} {old.get(key)!r} -> {new.get(key)!r}")
            )
    changes += _constraint_changes(name, old.get("constraints", {}), new.get("constraints", {}))
    ignored = {"name", "type", "format", "constraints"}
    for key in sorted((set(old) | set(new)) - ignored):
        if old.get(key) != new.get(key):
            level: Level = "minor" if key in _DOC_KEYS else "major"
            verb = "added" if key not in old else "removed" if key not in new else "changed"
            changes.append(SchemaChange(level, f"field {name!r}: {key} {verb}"))
    return changes


def schema_changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[SchemaChange]:
    """List the differences from ``old`` to ``new``, each rated minor or major.

    Removed or renamed fields, changed types or formats, tightened constraints, new
    required fields and changed keys are major; added optional fields, relaxed
    constraints, added enum values and documentation are minor.
    """
    if old is None:
        return []
    changes: list[SchemaChange] = []
    old_fields = {f["name"]: f for f in old.get("fields", [])}
    new_fields = {f["name"]: f for f in new.get("fields", [])}
    for name in old_fields.keys() - new_fields.keys():
        changes.append(SchemaChange("major", f"field {name!r} removed"))
    for name in [n for n in new_fields if n not in old_fields]:
        required = new_fields[name].get("constraints", {}).get("required", False)
        in_key = name in new.get("primaryKey", [])
        level: Level = "major" if required or in_key else "minor"
        changes.append(SchemaChange(level, f"field {name!r} added"))
    for name in [n for n in new_fields if n in old_fields]:
        changes += _field_changes(old_fields[name], new_fields[name])
    if [n for n in old_fields if n in new_fields] != [n for n in new_fields if n in old_fields]:
        changes.append(SchemaChange("major", "field order changed"))
    for key in ("primaryKey", "missingValues"):
        if old.get(key) != new.get(key):
            changes.append(SchemaChange("major", f"{key} {old.get(key)!r} -> {new.get(key)!r}"))
    old_fks, new_fks = old.get("foreignKeys", []), new.get("foreignKeys", [])
    if any(fk not in old_fks for fk in new_fks):
        changes.append(SchemaChange("major", "foreign key added or changed"))
    elif any(fk not in new_fks for fk in old_fks):
        changes.append(SchemaChange("minor", "foreign key removed"))
    for key in sorted(
        (set(old) | set(new)) - {"fields", "primaryKey", "missingValues", "foreignKeys"}
    ):
        if old.get(key) != new.get(key):
            changes.append(SchemaChange("minor", f"schema {key} changed"))
    return changes


def parse_version(text: str) -> tuple[int, int, int]:
    """Parse ``X.Y.Z``.

    Raises:
        ValueError: the text is not a semantic version.
    """
    match = _VERSION_RE.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a version of the form X.Y.Z")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def next_version(
    current: str | None, data_changed: bool, changes: list[SchemaChange]
) -> str | None:
    """Return the version to publish, or None when neither data nor schema changed."""
    if current is None:
        return "1.0.0"
    major, minor, patch = parse_version(current)
    levels = {c.level for c in changes}
    if "major" in levels:
        return f"{major + 1}.0.0"
    if "minor" in levels:
        return f"{major}.{minor + 1}.0"
    if data_changed:
        return f"{major}.{minor}.{patch + 1}"
    return None
