"""The pipeline's four steps for one dataset: gather -> validate -> plan -> apply.

Plain functions over small values (declarations, file paths, hashes, reports,
plans); no Prefect. The flows run each as a task; ``odp validate`` calls the first
two directly. Tables travel as files in the workspace, never as DataFrames:
files are named by their sha256, so a path handed on never changes underneath.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .catalogue import DatasetSpec
from .ckan import CkanClient
from .drafts import refuse_drafts
from .errors import TerminalError
from .gather import reuse
from .gather.core import GatherContext, fetch_sources, write_table
from .gather.http import HttpCache
from .memory import release_unused
from .publish.apply import Applied, apply_plan
from .publish.destination import Destination
from .publish.plan import Plan, release_of
from .publish.planning import plan_release
from .validate.report import Report
from .validate.step import validate_staged

if TYPE_CHECKING:
    from .profile import PublisherProfile
    from .settings import Settings
    from .validate.keys import Lookups


@dataclass(frozen=True)
class Workspace:
    """Where a run keeps its files: the project (for local sources) and a cache folder."""

    project: Path
    cache: Path
    allowed_hosts: tuple[str, ...] = ()
    """Hosts remote sources may be fetched from (the profile's ``source_hosts``; empty: any)."""
    secret_files: tuple[Path, ...] = ()
    """Token files, never read as a source (their paths, not their contents)."""
    catalogue: Path | None = None
    """The profile's catalogue folder: file sources may read inside it and the project."""

    @property
    def stage(self) -> Path:
        return self.cache / "stage"

    def gather_context(self) -> GatherContext:
        return GatherContext(
            self.project,
            HttpCache(self.cache / "http"),
            allowed_hosts=self.allowed_hosts,
            secret_files=self.secret_files,
            catalogue=self.catalogue,
        )


def workspace_for(
    project: Path, cache: Path, profile: PublisherProfile, settings: Settings
) -> Workspace:
    """The workspace of a run for ``profile``: its allowed source hosts, its token files."""
    secrets = (profile.token.file_path(profile.path), settings.token_file(profile.token.env))
    return Workspace(
        project,
        cache,
        tuple(profile.source_hosts),
        tuple(p for p in secrets if p is not None),
        profile.catalogue_root,
    )


@dataclass(frozen=True)
class Staged:
    """A gathered table written to ``path``; small enough to pass between tasks."""

    slug: str
    path: Path
    sha256: str
    provenance: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Checked:
    """A validated table: its report, and where its key values are (for foreign keys)."""

    staged: Staged
    report: Report
    keys_path: Path | None

    @property
    def slug(self) -> str:
        return self.staged.slug

    @property
    def valid(self) -> bool:
        return self.report.valid


class ReferenceInvalid(TerminalError):
    """A dataset this one's foreign keys point at is invalid, so its keys cannot be checked."""


def _write_once(path: Path, data: bytes) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def gather(spec: DatasetSpec, workspace: Workspace) -> Staged:
    """Read a dataset's sources and stage its table as a CSV file.

    Sources whose bytes and declaration staged a table before are not read again as
    tables: that table is reused (:mod:`gather.reuse`).

    Raises:
        GatherError, ReadError, MappingError, FetchError: terminal, naming dataset and source.
        FetchUnavailable: a remote source did not answer after retries.
    """
    fetched = fetch_sources(spec, workspace.gather_context())
    key = reuse.stage_key(spec, fetched)
    found = reuse.find(workspace.stage, spec.slug, key, len(fetched)) if key else None
    if found is not None:
        provenance = [f.provenance(rows) for f, rows in zip(fetched, found.rows, strict=True)]
        return Staged(spec.slug, found.path, found.sha256, [p.as_dict() for p in provenance])
    workspace.stage.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=workspace.stage, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w+b") as fh:
            provenance = write_table(spec, fetched, fh)  # one CSV source: batch by batch
            fh.seek(0)
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        path = workspace.stage / f"{spec.slug}-{digest}.csv"
        if path.exists():
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if key:
        rows = [p.rows for p in provenance]
        reuse.remember(workspace.stage, spec.slug, key, path, digest, rows)
    staged = Staged(spec.slug, path, digest, [p.as_dict() for p in provenance])
    del fetched
    release_unused()  # the table is on disk now; the next step starts small
    return staged


@functools.cache
def engine_digest() -> str:
    """The sha256 of the validation engine's source: part of every validation cache key.

    A cached report or key file written by other validation code (another release, or a
    checkout between two commits) may hold other fields or other verdicts, so it never
    matches; the package version alone does not change between commits.
    """
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for path in sorted((package / "validate").glob("*.py")) + [package / "gather" / "tables.py"]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def schema_digest(spec: DatasetSpec) -> str:
    """The sha256 of a dataset's schema file: part of every validation cache key."""
    return hashlib.sha256(spec.schema_path.read_bytes()).hexdigest()


def _lookups(references: list[Checked]) -> Lookups:
    lookups: Lookups = {}
    for item in references:
        if item.keys_path is not None:
            # written by validate() into our own stage directory, never downloaded
            lookups.update(pickle.loads(item.keys_path.read_bytes()))  # noqa: S301
    return lookups


def validate(
    spec: DatasetSpec,
    staged: Staged,
    references: list[Checked],
    workspace: Workspace,
    cap: int = 100,
    keep_keys: bool = True,
) -> Checked:
    """Validate a staged table against its schema, foreign keys against ``references``.

    Returns the report whether the table is valid or not. ``keep_keys``: keep the
    table's key values in a file for datasets whose foreign keys point at it (False
    when none does: for a large table they cost memory and time).

    Raises:
        ReferenceInvalid: a referenced table is invalid; its keys cannot vouch for ours.
    """
    invalid = sorted(r.slug for r in references if not r.valid)
    if invalid:
        raise ReferenceInvalid(
            f"dataset {spec.slug}: foreign keys not checked: referenced dataset(s) "
            f"{', '.join(invalid)} are invalid"
        )
    result = validate_staged(spec, staged.path, _lookups(references), cap, keep_keys)
    report, own = result.report, result.lookups
    keys_path = None
    if own:  # the engine's digest is in the name: key files of other code never match
        digests = f"{staged.sha256[:20]}-{schema_digest(spec)[:20]}-{engine_digest()[:12]}"
        name = f"{spec.slug}-{digests}.keys"
        keys_path = workspace.stage / name
        _write_once(keys_path, pickle.dumps(own, protocol=pickle.HIGHEST_PROTOCOL))
    del result, own
    release_unused()
    return Checked(staged, report, keys_path)


def plan(spec: DatasetSpec, checked: Checked, destination: Destination, client: CkanClient) -> Plan:
    """What publishing the validated table would change on the portal (reads only).

    Raises:
        ValidationFailed: the table is invalid; nothing may be published.
        PortalUnavailable: the portal did not answer (transient).
    """
    staged = checked.staged
    release = release_of(
        spec, destination, staged.path, staged.sha256, checked.report, staged.provenance
    )
    planned = plan_release(client, release)
    release_unused()  # the previous version's table was read to count changed rows
    return planned


def apply(plan: Plan, client: CkanClient, allow_draft: bool = False) -> Applied:
    """Carry out a plan on the portal (see :func:`publish.apply.apply_plan`).

    Raises:
        DraftRefused: the dataset is still the draft ``odp init`` wrote (unless ``allow_draft``).
    """
    if not allow_draft:
        refuse_drafts(plan.release.spec)
    applied = apply_plan(client, plan)
    release_unused()
    return applied
