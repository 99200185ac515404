"""Plan a publication: compare the release with what the portal holds. Pure, no network."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from ..catalogue import DatasetSpec
from ..names import primary_key
from ..validate.report import Report
from ..validate.step import ValidationFailed
from . import artifacts
from .datastore import datastore_csv, datastore_fields, file_digest, load_token, needs_rewrite
from .destination import Destination
from .history import versions_section_of
from .metadata import current_package, desired_package, metadata_changes
from .rowdetails import LIMIT as DETAIL_LIMIT
from .rowdetails import MAX_ROWS, row_details
from .rowdiff import RowDiff, row_diff
from .state import PortalState
from .versioning import SchemaChange, next_version, schema_changes

Action = Literal["unchanged", "metadata", "version", "datastore"]


@dataclass(frozen=True)
class Release:
    """What a publication should leave on the portal for one dataset: a validated table."""

    spec: DatasetSpec
    destination: Destination
    schema: dict[str, Any]
    data_path: Path
    """The staged CSV (UTF-8); it never changes under this path."""
    sha256: str
    size: int
    rows: int
    report: dict[str, Any]
    """The validation report, published with the version."""
    provenance: list[dict[str, Any]]

    @property
    def slug(self) -> str:
        return self.spec.slug

    @property
    def stage(self) -> Path:
        """The folder of staged tables (each named by its sha256, never changed)."""
        return self.data_path.parent

    def staged_copy(self, sha256: str | None) -> Path | None:
        """This dataset's table with ``sha256`` if it is still staged here, checked."""
        if not sha256:
            return None
        path = self.stage / f"{self.slug}-{sha256}.csv"
        if not path.is_file() or file_digest(path).hexdigest() != sha256:
            return None
        return path

    @property
    def primary_key(self) -> list[str]:
        return primary_key(self.schema)

    def data(self) -> bytes:
        """The table's bytes."""
        return self.data_path.read_bytes()

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
    def load_csv(self) -> Path:
        """The CSV file the DataStore loads: the staged file unless formats need rewriting.

        A rewritten copy is written once next to the staged file, named by the digests
        of the data and the schema (like the staged file, it never changes under its path).
        """
        if not needs_rewrite(self.schema):
            return self.data_path
        name = f"{self.data_path.stem}-{self.schema_sha256[:16]}-datastore.csv"
        path = self.data_path.with_name(name)
        if not path.exists():
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(datastore_csv(self.data(), self.schema))
            os.replace(tmp, path)
        return path

    @cached_property
    def token(self) -> str:
        """Identifies a DataStore load of these bytes into this table shape."""
        return load_token(self.load_csv, self.fields, self.primary_key)


def release_of(
    spec: DatasetSpec,
    destination: Destination,
    data_path: Path,
    sha256: str,
    report: Report,
    provenance: list[dict[str, Any]],
) -> Release:
    """Build a release from a validated table, its report and its sources.

    Raises:
        ValidationFailed: the report has errors; nothing may be published.
    """
    if not report.valid:
        raise ValidationFailed(report)
    return Release(
        spec=spec,
        destination=destination,
        schema=spec.table_schema(),
        data_path=data_path,
        sha256=sha256,
        size=data_path.stat().st_size,
        rows=report.rows,
        report=report.to_dict(),
        provenance=provenance,
    )


@dataclass(frozen=True)
class Plan:
    """What publishing a release changes on the portal, and the state it was planned from.

    ``apply`` executes exactly this; it re-checks only that the portal still holds
    ``state`` (compare-and-swap on ``metadata_modified``).
    """

    release: Release
    state: PortalState
    action: Action
    current_version: str | None
    next_version: str | None = None
    rows: RowDiff | None = None
    schema_changes: list[SchemaChange] = field(default_factory=list)
    metadata_changes: list[str] = field(default_factory=list)
    datastore_pending: bool = False
    row_details: list[dict[str, Any]] | None = None
    """The rows themselves when few differ (``rowdetails``), for the version history."""

    @property
    def slug(self) -> str:
        return self.release.slug

    def steps(self, can_load: bool) -> list[str]:
        """The writes, in order (``can_load``: the portal can load the DataStore)."""
        steps = []
        if self.action == "version" and not self.state.exists:
            steps.append("create draft")
        if self.action == "version":
            steps.append(f"version {self.next_version}")
        if self.action == "metadata":
            steps.append("metadata")
        if can_load and (self.action in ("version", "datastore") or self.datastore_pending):
            steps.append("datastore")
        return steps

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
    """Managed package fields, including the conformsTo link once the schema has a URL.

    The description keeps the versions section the portal's copy ends with.
    """
    desired = desired_package(release.spec, release.destination)
    # the versions section the last version appended to the description stays (issue 17)
    desired["notes"] += versions_section_of((state.package or {}).get("notes"))
    if state.package_id:
        schema = state.current.get("schema")
        rid = schema["id"] if schema else artifacts.resource_id(state.package_id, "schema")
        name = artifacts.file_name("schema", release.slug)
        url = artifacts.download_url(release.destination.host, state.package_id, rid, name)
        desired["extras"]["conforms_to"] = f'["{url}"]'
    return desired


def _archive_without_table(state: PortalState) -> bool:
    """The current version's archived copy has no DataStore table (so no preview) yet."""
    archive = state.archive_for(state.version) if state.version else None
    return archive is not None and not archive.get("datastore_active")


def make_plan(
    release: Release,
    state: PortalState,
    previous_data: bytes | Path | None = None,
    previous_schema: dict[str, Any] | None = None,
) -> Plan:
    """Compare the release with the portal's state.

    Args:
        previous_data: the current version's CSV, or its file (needed only when the
            data changed); a file is read in batches.
        previous_schema: the current version's schema (needed only when it changed).
    """
    current = state.version
    meta = metadata_changes(
        current_package(state.package or {}, state.org_name), desired_metadata(release, state)
    )
    if current is None:
        return Plan(
            release, state, "version", None, "1.0.0", RowDiff(release.rows, 0, 0), [], meta, True
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
            # the stage keeps the hashes of its tables: the next version reuses them
            row_diff(previous_data, release.data_path, release.primary_key, release.stage)
            if data_changed
            else RowDiff(0, 0, 0)
        )
        details = None
        few = rows.added + rows.removed + rows.changed <= DETAIL_LIMIT
        if previous_data is not None and few and release.rows <= MAX_ROWS:
            old = previous_data.read_bytes() if isinstance(previous_data, Path) else previous_data
            details = row_details(old, release.data(), release.primary_key)
        return Plan(release, state, "version", current, version, rows, changes, meta, True, details)
    pending = state.datastore is not None and (
        state.datastore.get("token") != release.token or _archive_without_table(state)
    )
    if meta:
        return Plan(release, state, "metadata", current, None, None, [], meta, pending)
    if pending:
        return Plan(release, state, "datastore", current, None, None, [], [], True)
    return Plan(release, state, "unchanged", current)
