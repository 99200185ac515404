"""Reuse a staged table when the same sources and declaration staged it before.

Gathering reads every source anyway (that is how a run sees a change); reading the
bytes as tables, mapping and writing the CSV are what can be skipped. A *stage key*
names everything the staged CSV is made of: the sources' bytes and where they came
from, the source declarations, the schema's fields and the gathering code with the
libraries it reads tables with. A record under that key in the stage folder names
the staged file; it is used only while that file still has the recorded sha256.
Datasets with a hook are always gathered: a hook may read more than its sources.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..catalogue import DatasetSpec
from .core import Fetched

#: Libraries whose behaviour shapes a staged table (reading, mapping, writing CSV).
LIBRARIES = ("pandas", "numpy", "pyarrow", "icalendar", "openpyxl")


@dataclass(frozen=True)
class Reused:
    """A staged table found for a stage key, and the rows each source held."""

    path: Path
    sha256: str
    rows: list[int]


@functools.cache
def _listing(folder: Path) -> tuple[str, ...]:
    try:
        return tuple(sorted(os.listdir(folder)))
    except OSError:
        return ()


def library_releases() -> list[str]:
    """The installed releases of :data:`LIBRARIES`: their ``dist-info`` folders' names.

    Found next to each package without importing it (``importlib.metadata`` scans every
    distribution and costs a tenth of a second; this costs a millisecond).
    """
    found = []
    for name in LIBRARIES:
        spec = importlib.util.find_spec(name)
        places = list(spec.submodule_search_locations or []) if spec else []
        site = Path(places[0]).parent if places else None
        prefix = f"{name.lower()}-"
        releases = [
            entry
            for entry in (_listing(site) if site else ())
            if entry.lower().startswith(prefix) and entry.endswith(".dist-info")
        ]
        found.append(",".join(releases) or f"{name}: not installed")
    return found


@functools.cache
def code_digest() -> str:
    """The sha256 of the gathering code and the releases of the libraries it uses."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    for release in library_releases():
        digest.update(release.encode())
    return digest.hexdigest()


def stage_key(spec: DatasetSpec, fetched: list[Fetched]) -> str | None:
    """What the staged table of ``fetched`` depends on, as a hex digest (None: a hook)."""
    if spec.hook:
        return None
    parts: list[Any] = [code_digest(), spec.slug, spec.table_schema().get("fields", [])]
    for item in fetched:
        declared = item.source.model_dump(mode="json")
        parts.append([declared, item.uri, item.fmt, item.fingerprint[0]])
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _record_path(stage: Path, slug: str, key: str) -> Path:
    return stage / f"{slug}-{key[:40]}.staged.json"


def _sha256_of(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def find(stage: Path, slug: str, key: str, sources: int) -> Reused | None:
    """The staged table recorded under ``key``, if the record and its file are intact.

    Args:
        sources: how many sources the dataset has (the record holds one row count each).
    """
    try:
        record = json.loads(_record_path(stage, slug, key).read_text(encoding="utf-8"))
        name, sha256, rows = str(record["file"]), str(record["sha256"]), record["rows"]
        rows = [int(n) for n in rows]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    path = stage / name
    if len(rows) != sources or Path(name).name != name or _sha256_of(path) != sha256:
        return None
    return Reused(path, sha256, rows)


def remember(stage: Path, slug: str, key: str, path: Path, sha256: str, rows: list[int]) -> None:
    """Record that ``key`` staged ``path`` (written whole or not at all)."""
    record = {"file": path.name, "sha256": sha256, "rows": rows}
    target = _record_path(stage, slug, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(record, fh)
    os.replace(tmp, target)
