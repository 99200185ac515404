"""Gathered tables and their key values as files, so tasks pass paths instead of DataFrames.

Files are content-addressed (named by sha256), so a staged table never changes
under a path that was handed on, and concurrent runs can share the directory.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalogue import DatasetSpec
from ..gather.core import GatherContext, gather_dataset
from ..gather.http import HttpCache
from ..localportal.layout import project_root
from ..publish.plan import Release, release_of
from ..publish.settings import PublishTarget
from ..validate.engine import Lookups
from ..validate.report import Report
from ..validate.step import validate_data


@dataclass(frozen=True)
class Staged:
    """A gathered table written to ``path``; small enough to pass between tasks."""

    slug: str
    path: Path
    sha256: str
    provenance: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Checked:
    """The validation of one staged table: its report and where its key values are."""

    slug: str
    sha256: str
    report: Report
    keys_path: Path | None

    @property
    def valid(self) -> bool:
        return self.report.valid


def stage_dir() -> Path:
    """Where staged files live: $ODP_STAGE_DIR, else ``.cache/stage`` in the project."""
    return Path(os.environ.get("ODP_STAGE_DIR") or project_root() / ".cache" / "stage")


def gather_context(root: Path) -> GatherContext:
    """The gather context every run uses: the project root and its HTTP cache."""
    return GatherContext(root, HttpCache(root / ".cache" / "http"))


def _write_once(path: Path, data: bytes) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def stage_dataset(spec: DatasetSpec, ctx: GatherContext, directory: Path) -> Staged:
    """Gather a dataset and write its CSV to the stage directory.

    Raises:
        GatherError, ReadError, MappingError, FetchError, FetchUnavailable: as gathering does.
    """
    gathered = gather_dataset(spec, ctx)
    data = gathered.to_csv_bytes()
    digest = hashlib.sha256(data).hexdigest()
    path = directory / f"{spec.slug}-{digest}.csv"
    _write_once(path, data)
    return Staged(spec.slug, path, digest, [p.as_dict() for p in gathered.provenance])


def schema_digest(spec: DatasetSpec) -> str:
    """The sha256 of a dataset's schema file: part of every validation cache key."""
    return hashlib.sha256(spec.schema_path.read_bytes()).hexdigest()


def load_keys(checked: list[Checked]) -> Lookups:
    """The key values of already validated tables (for foreign-key checks)."""
    lookups: Lookups = {}
    for item in checked:
        if item.keys_path is not None:
            # written by check_staged into our own stage directory, never downloaded
            lookups.update(pickle.loads(item.keys_path.read_bytes()))  # noqa: S301
    return lookups


def check_staged(
    spec: DatasetSpec, staged: Staged, references: list[Checked], directory: Path, cap: int = 100
) -> Checked:
    """Validate a staged table, checking foreign keys against ``references``; store its keys."""
    report, own = validate_data(spec, staged.path.read_bytes(), load_keys(references), cap)
    keys_path = None
    if own:
        name = f"{spec.slug}-{staged.sha256[:20]}-{schema_digest(spec)[:20]}.keys"
        keys_path = directory / name
        _write_once(keys_path, pickle.dumps(own, protocol=pickle.HIGHEST_PROTOCOL))
    return Checked(spec.slug, staged.sha256, report, keys_path)


def release_for(
    spec: DatasetSpec, staged: Staged, checked: Checked, target: PublishTarget
) -> Release:
    """The release of a staged, validated table.

    Raises:
        ValidationFailed: the table has validation errors.
    """
    return release_of(spec, staged.path.read_bytes(), checked.report, staged.provenance, target)
