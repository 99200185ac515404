"""Plan a publication: compare the release with what the portal holds. Pure, no network."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from ..catalogue import DatasetSpec
from ..validate.report import Report
from ..validate.step import ValidatedDataset, ValidationFailed
from . import artifacts
from .datastore import datastore_csv, datastore_fields, load_token
from .metadata import current_package, desired_package, metadata_changes
from .rowdiff import RowDiff, row_diff
from .settings import PublishTarget
from .state import PortalState
from .versioning import SchemaChange, next_version, schema_changes

Action = Literal["unchanged", "metadata", "version", "datastore"]


@dataclass
class Release:
    """What a publication should leave on the portal for one dataset."""

    spec: DatasetSpec
    target: PublishTarget
    schema: dict[str, Any]
    data: bytes
    rows: int
    report: dict[str, Any]
    provenance: list[dict[str, Any]]

    @property
    def slug(self) -> str:
        return self.spec.slug

    @property
    def primary_key(self) -> list[str]:
        key = self.schema.get("primaryKey", [])
        return [key] if isinstance(key, str) else list(key)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @cached_property
    def schema_bytes(self) -> bytes:
        return artifacts.canonical_schema(self.schema)

    @property
    def schema_sha256(self) -> str:
        return hashlib.sha256(self.schema_bytes).hexdigest()

    @cached_property
    def fields(self) -> list[dict[str, Any]]:
        """DataStore fields (types and data dictionary) from the schema."""
        return datastore_fields(self.schema)

    @cached_property
    def load_csv(self) -> bytes:
        """The CSV the DataStore loads (the published bytes unless formats need rewriting)."""
        return datastore_csv(self.data, self.schema)

    @cached_property
    def token(self) -> str:
        """Identifies a DataStore load of these bytes into this table shape."""
        return load_token(self.load_csv, self.fields, self.primary_key)


def make_release(spec: DatasetSpec, validated: ValidatedDataset, target: PublishTarget) -> Release:
    """Turn a validated dataset into a release.

    Raises:
        ValidationFailed: the dataset has validation errors; nothing may be published.
    """
    provenance = [p.as_dict() for p in validated.gathered.provenance]
    return release_of(spec, validated.csv_bytes, validated.report, provenance, target)


def release_of(
    spec: DatasetSpec,
    data: bytes,
    report: Report,
    provenance: list[dict[str, Any]],
    target: PublishTarget,
) -> Release:
    """Build a release from validated bytes, their report and their sources.

    Raises:
        ValidationFailed: the report has errors; nothing may be published.
    """
    if not report.valid:
        raise ValidationFailed(report)
    return Release(
        spec=spec,
        target=target,
        schema=spec.table_schema(),
        data=data,
        rows=report.rows,
        report=report.to_dict(),
        provenance=provenance,
    )


@dataclass
class Plan:
    """What publishing a release would change on the portal."""

    slug: str
    action: Action
    current_version: str | None
    next_version: str | None = None
    rows: RowDiff | None = None
    schema_changes: list[SchemaChange] = field(default_factory=list)
    metadata_changes: list[str] = field(default_factory=list)
    datastore_pending: bool = False

    @property
    def writes(self) -> bool:
        return self.action != "unchanged"

    def headline(self) -> str:
        """One line: ``unchanged``, ``metadata only`` or ``new version X.Y.Z``."""
        if self.action == "version":
            return f"new version {self.next_version}"
        return {"unchanged": "unchanged", "metadata": "metadata only"}.get(
            self.action, "finish DataStore load"
        )

    def notes(self) -> str:
        """Version notes: what changed, in a sentence or two."""
        if self.current_version is None:
            return f"Erstveröffentlichung ({self.rows.added if self.rows else 0} Zeilen)."
        parts = []
        if self.rows and (self.rows.added or self.rows.removed or self.rows.changed):
            parts.append(
                f"Zeilen: {self.rows.added} neu, {self.rows.removed} entfernt, "
                f"{self.rows.changed} geändert"
            )
        if self.schema_changes:
            parts.append("Schema: " + "; ".join(c.text for c in self.schema_changes))
        return (". ".join(parts) or "Keine inhaltliche Änderung") + "."

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.slug,
            "action": self.action,
            "summary": self.headline(),
            "current_version": self.current_version,
            "next_version": self.next_version,
            "rows": self.rows.__dict__ if self.rows else None,
            "schema_changes": [c.__dict__ for c in self.schema_changes],
            "metadata_changes": self.metadata_changes,
            "datastore_pending": self.datastore_pending,
        }

    def to_text(self) -> str:
        """A few lines a steward reads before publishing."""
        lines = [f"{self.slug}: {self.headline()} (portal: {self.current_version or 'none'})"]
        if self.rows is not None and self.action == "version":
            lines.append(f"  rows: {self.rows.summary()}")
        lines += [f"  schema ({c.level}): {c.text}" for c in self.schema_changes]
        if self.metadata_changes:
            lines.append("  metadata: " + ", ".join(self.metadata_changes))
        if self.datastore_pending and self.action != "version":
            lines.append("  DataStore: not yet loaded with the current version")
        return "\n".join(lines)


def desired_metadata(release: Release, state: PortalState) -> dict[str, Any]:
    """Managed package fields, including the conformsTo link once the schema has a URL."""
    desired = desired_package(release.spec, release.target)
    if state.package_id:
        schema = state.current.get("schema")
        rid = schema["id"] if schema else artifacts.resource_id(state.package_id, "schema")
        name = artifacts.file_name("schema", release.slug)
        url = artifacts.download_url(release.target.portal_url, state.package_id, rid, name)
        desired["extras"]["conforms_to"] = f'["{url}"]'
    return desired


def make_plan(
    release: Release,
    state: PortalState,
    previous_data: bytes | None = None,
    previous_schema: dict[str, Any] | None = None,
) -> Plan:
    """Compare the release with the portal's state.

    Args:
        previous_data: the current version's CSV (needed only when the data changed).
        previous_schema: the current version's schema (needed only when it changed).
    """
    current = state.version
    meta = metadata_changes(
        current_package(state.package or {}, state.org_name), desired_metadata(release, state)
    )
    if current is None:
        return Plan(
            release.slug, "version", None, "1.0.0", RowDiff(release.rows, 0, 0), [], meta, True
        )
    data_changed = state.sha256("data") != release.sha256
    changes: list[SchemaChange] = []
    if state.sha256("schema") != release.schema_sha256:
        changes = schema_changes(previous_schema, release.schema) or [
            SchemaChange("minor", "schema file rewritten (no change in meaning)")
        ]
    version = next_version(current, data_changed, changes)
    if version is not None:
        rows = (
            row_diff(previous_data, release.data, release.primary_key)
            if data_changed
            else RowDiff(0, 0, 0)
        )
        return Plan(release.slug, "version", current, version, rows, changes, meta, True)
    pending = state.datastore is not None and state.datastore.get("token") != release.token
    if meta:
        return Plan(release.slug, "metadata", current, None, None, [], meta, pending)
    if pending:
        return Plan(release.slug, "datastore", current, None, None, [], [], True)
    return Plan(release.slug, "unchanged", current)
