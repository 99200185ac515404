"""Gather one declared dataset: read every source, map it, combine, keep provenance."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import requests

from ..catalogue import CkanSource, DatasetSpec, FileSource, HttpSource, IcsSource, Source
from ..ckan import CkanClient
from ..clock import utc_now
from ..errors import OdpError, TerminalError
from .http import FetchPolicy, HttpCache, fetch
from .ics import read_ics
from .mapping import MappingError, apply_mapping
from .readers import ReadError, read_table
from .trust import check_url, local_file

if TYPE_CHECKING:  # pandas where sources are read as tables: a no-op run reuses its stage
    import pandas as pd


class GatherError(TerminalError):
    """A dataset's sources cannot be turned into its table."""


@dataclass(frozen=True)
class Provenance:
    """Where one source's bytes came from, for the published changelog and data package."""

    source: str
    type: str
    uri: str
    retrieved_at: str
    sha256: str
    bytes: int
    rows: int
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class GatherResult:
    """The combined table (all strings) and one provenance record per source."""

    slug: str
    frame: pd.DataFrame
    provenance: list[Provenance]

    def to_csv_bytes(self) -> bytes:
        """Serialise as UTF-8 CSV with comma delimiter and LF line ends."""
        return self.frame.to_csv(index=False, lineterminator="\n").encode("utf-8")

    def write_csv(self, target: BinaryIO) -> None:
        """Write :meth:`to_csv_bytes`'s bytes to ``target``, a chunk of rows at a time."""
        text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
        try:
            self.frame.to_csv(text, index=False, lineterminator="\n")
            text.flush()
        finally:
            text.detach()  # the caller owns ``target``


@dataclass(frozen=True)
class GatherContext:
    """What gathering may use: the project root, an HTTP cache, a session."""

    root: Path
    cache: HttpCache | None = None
    session: requests.Session | None = field(default=None, compare=False)
    allowed_hosts: tuple[str, ...] = ()
    """Hosts remote sources may be fetched from (the profile's ``source_hosts``; empty: any)."""
    secret_files: tuple[Path, ...] = ()
    """Token files: never read as a source, even inside the project."""
    catalogue: Path | None = None
    """The profile's catalogue folder (``datasets/``), if not inside ``root``: file sources
    may read inside it too."""


def _local_uri(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_uri()


def _label(spec: DatasetSpec, src: Source) -> str:
    where = src.name or getattr(src, "path", None) or getattr(src, "url", None)
    if isinstance(src, CkanSource):
        where = src.name or f"{src.portal}/dataset/{src.dataset}"
    return f"dataset {spec.slug}, source {where}"


def _policy(src: HttpSource | IcsSource | CkanSource, ctx: GatherContext) -> FetchPolicy:
    return FetchPolicy(
        connect_timeout=src.connect_timeout,
        read_timeout=src.read_timeout,
        retries=src.retries,
        max_bytes=src.max_bytes,
        deadline=src.deadline,
        allowed_hosts=ctx.allowed_hosts,
    )


def _read_local(spec: DatasetSpec, relative: str, ctx: GatherContext, label: str) -> bytes:
    try:
        return _local_path(spec, relative, ctx, label).read_bytes()
    except OSError as exc:
        raise GatherError(f"{label}: cannot read {relative}: {exc.strerror}") from None


def _local_path(spec: DatasetSpec, relative: str, ctx: GatherContext, label: str) -> Path:
    roots = [ctx.root] + ([ctx.catalogue] if ctx.catalogue else [])
    return local_file(spec.folder, relative, roots, ctx.secret_files, label)


def _readable(spec: DatasetSpec, relative: str, ctx: GatherContext, label: str) -> Path:
    """A local file to read in blocks (a large CSV is never held in memory whole)."""
    path = _local_path(spec, relative, ctx, label)
    try:
        with path.open("rb"):
            return path
    except OSError as exc:
        raise GatherError(f"{label}: cannot read {relative}: {exc.strerror}") from None


def _fingerprint(body: bytes | Path) -> tuple[str, int]:
    """The sha256 and size of a source's bytes (a file is read in blocks)."""
    if isinstance(body, bytes):
        return hashlib.sha256(body).hexdigest(), len(body)
    with body.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest(), os.fstat(fh.fileno()).st_size


@dataclass(frozen=True)
class Fetched:
    """One source's bytes as fetched, not yet read as a table."""

    source: Source
    label: str
    body: bytes | Path
    """The bytes, or the local file holding them (a CSV file is read in blocks)."""
    uri: str
    fmt: str
    """``csv``, ``xlsx``, ``json`` or ``ics``: how the bytes are read."""
    retrieved_at: str
    meta: dict[str, Any] = field(default_factory=dict)
    """HTTP validators of a remote source (etag, last_modified, not_modified)."""

    @cached_property
    def fingerprint(self) -> tuple[str, int]:
        """The bytes' sha256 and size."""
        return _fingerprint(self.body)

    def provenance(self, rows: int) -> Provenance:
        """The provenance record of these bytes, read as ``rows`` rows."""
        digest, size = self.fingerprint
        return Provenance(
            source=self.label.split(", source ", 1)[1],
            type=self.source.type,
            uri=self.uri,
            retrieved_at=self.retrieved_at,
            sha256=digest,
            bytes=size,
            rows=rows,
            **self.meta,
        )


def _remote_meta(got: Any) -> dict[str, Any]:
    return {"etag": got.etag, "last_modified": got.last_modified, "not_modified": got.not_modified}


def _fetch(spec: DatasetSpec, src: Source, ctx: GatherContext) -> Fetched:
    label = _label(spec, src)
    meta: dict[str, Any] = {}
    body: bytes | Path
    if isinstance(src, FileSource):
        path = spec.folder / src.path
        fmt = src.format or path.suffix.lstrip(".").lower()
        read = _readable if fmt == "csv" else _read_local
        body, uri = read(spec, src.path, ctx, label), _local_uri(path, ctx.root)
    elif isinstance(src, HttpSource):
        got = fetch(src.url, src.format, label, ctx.cache, _policy(src, ctx), ctx.session)
        body, uri, fmt, meta = got.body, src.url, src.format, _remote_meta(got)
    elif isinstance(src, IcsSource):
        if bool(src.path) == bool(src.url):
            raise GatherError(f"{label}: an ics source needs exactly one of path or url")
        if src.path:
            path = spec.folder / src.path
            body, uri = _read_local(spec, src.path, ctx, label), _local_uri(path, ctx.root)
        else:
            assert src.url is not None
            got = fetch(src.url, "ics", label, ctx.cache, _policy(src, ctx), ctx.session)
            body, uri, meta = got.body, src.url, _remote_meta(got)
        fmt = "ics"
    elif isinstance(src, CkanSource):
        body, uri, fmt = _ckan_resource(src, label, ctx)
    else:  # pragma: no cover - pydantic rejects unknown types first
        raise GatherError(f"{label}: unknown source type")
    return Fetched(src, label, body, uri, fmt, utc_now(), meta)


def _table(fetched: Fetched) -> tuple[pd.DataFrame, int]:
    """The source's table with its mapping applied, and how many rows the source held."""
    src, body, label = fetched.source, fetched.body, fetched.label
    if isinstance(src, IcsSource):
        frame = read_ics(body if isinstance(body, bytes) else body.read_bytes(), label)
    elif isinstance(src, CkanSource):
        frame = read_table(body, fetched.fmt, label, encoding=src.encoding, delimiter=src.delimiter)
    else:
        options = src.model_dump(include={"encoding", "delimiter", "sheet", "records_path"})
        frame = read_table(body, fetched.fmt, label, **options)
    return apply_mapping(frame, src.mapping, label, fetched.uri), len(frame)


def _ckan_resource(src: CkanSource, label: str, ctx: GatherContext) -> tuple[bytes, str, str]:
    check_url(src.portal, ctx.allowed_hosts, label)
    client = CkanClient(src.portal)  # never with a token: sources are read anonymously
    try:
        pkg = client.call("package_show", id=src.dataset)
    except OdpError as exc:
        raise GatherError(f"{label}: cannot read dataset {src.dataset!r}: {exc}") from None
    resources = pkg.get("resources", [])
    if src.resource_name:
        found = [r for r in resources if r.get("name") == src.resource_name]
    else:
        wanted = (src.resource_format or src.format or "csv").lower()
        found = [r for r in resources if (r.get("format") or "").lower() == wanted]
    if not found:
        names = [(r.get("name"), r.get("format")) for r in resources]
        raise GatherError(
            f"{label}: no resource matching name={src.resource_name!r} "
            f"format={src.resource_format!r} (resources: {names})"
        )
    res = found[0]
    fmt = (src.format or res.get("format") or "csv").lower()
    got = fetch(res["url"], fmt, label, ctx.cache, _policy(src, ctx), ctx.session)
    return got.body, res["url"], fmt


def _load_hook(spec: DatasetSpec) -> Any:
    assert spec.hook is not None
    path = spec.folder / spec.hook
    module_spec = importlib.util.spec_from_file_location(f"odp_hook_{spec.slug}", path)
    if module_spec is None or module_spec.loader is None:
        raise GatherError(f"dataset {spec.slug}: cannot load hook {path}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    if not hasattr(module, "transform"):
        raise GatherError(f"dataset {spec.slug}: hook {path} has no transform(frame, context)")
    return module.transform


def _order_columns(frame: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    fields = [f["name"] for f in spec.table_schema().get("fields", [])]
    extra = [c for c in frame.columns if c not in fields]
    if extra:
        raise GatherError(
            f"dataset {spec.slug}: column(s) {extra} are not in the schema "
            f"{spec.schema_path.name}; rename them or list them under mapping.drop"
        )
    return frame[[f for f in fields if f in frame.columns]]


def fetch_sources(spec: DatasetSpec, ctx: GatherContext) -> list[Fetched]:
    """Fetch every source of a dataset, in declared order, without reading them as tables.

    Raises:
        GatherError, FetchError: terminal, naming dataset and source.
        FetchUnavailable: a remote source did not answer after retries.
        ReadError, MappingError: an earlier source cannot be read, and a later one not
            fetched: the earlier error wins, as it does when each source is read in turn.
    """
    fetched: list[Fetched] = []
    for src in spec.sources:
        try:
            fetched.append(_fetch(spec, src, ctx))
        except OdpError:
            for earlier in fetched:
                _table(earlier)
            raise
    return fetched


def combine(spec: DatasetSpec, fetched: list[Fetched]) -> GatherResult:
    """Read fetched sources as tables, map and stack them, run the dataset's hook.

    Raises:
        GatherError, ReadError, MappingError: terminal, naming dataset and source.
    """
    import pandas as pd

    frames, provenance = [], []
    for item in fetched:
        frame, rows = _table(item)
        frames.append(frame)
        provenance.append(item.provenance(rows))
    combined = pd.concat(frames, ignore_index=True).fillna("") if len(frames) > 1 else frames[0]
    if spec.hook:
        combined = _load_hook(spec)(combined, {"spec": spec, "provenance": provenance})
        if not isinstance(combined, pd.DataFrame):
            raise GatherError(f"dataset {spec.slug}: hook must return a pandas DataFrame")
    combined = combined.astype(str)
    return GatherResult(spec.slug, _order_columns(combined, spec), provenance)


def _streams(spec: DatasetSpec, fetched: list[Fetched]) -> bool:
    """One CSV source and no hook: every row can be mapped and written on its own."""
    return len(fetched) == 1 and not spec.hook and fetched[0].fmt == "csv"


def _write_batches(spec: DatasetSpec, item: Fetched, target: BinaryIO) -> int:
    """Map and write a CSV source batch by batch (as :func:`combine` + ``write_csv``
    would write it whole); the number of rows it held.

    Raises:
        ReadError, MappingError, GatherError: as :func:`combine` raises them.
    """
    import pandas as pd

    from .readers import csv_batches

    src = item.source
    assert not isinstance(src, IcsSource)
    options = {"encoding": src.encoding, "delimiter": src.delimiter}
    rows = 0
    text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    try:
        for header, columns in csv_batches(item.body, item.label, **options):
            if columns:
                arrays = {n: pd.array(c, dtype=str) for n, c in zip(header, columns, strict=True)}
                frame = pd.DataFrame(arrays, columns=header)
            else:  # a header without rows
                frame = pd.DataFrame(columns=header)
            frame.index = pd.RangeIndex(rows, rows + len(frame))  # row numbers in errors
            mapped = apply_mapping(frame, src.mapping, item.label, item.uri).astype(str)
            _order_columns(mapped, spec).to_csv(
                text, index=False, header=rows == 0, lineterminator="\n"
            )
            rows += len(frame)
        text.flush()
    finally:
        text.detach()  # the caller owns ``target``
    return rows


def write_table(spec: DatasetSpec, fetched: list[Fetched], target: BinaryIO) -> list[Provenance]:
    """Read, map and combine fetched sources and write the table to ``target`` as CSV
    (the bytes of :meth:`GatherResult.write_csv`); one provenance record per source.

    A single CSV source without a hook is streamed, a batch of rows at a time, so a
    large table is never held whole; anything else is combined in memory. Should a
    value map fail on the way, the whole table is read again, so that the error names
    the same value and row as it would otherwise.

    Raises:
        GatherError, ReadError, MappingError: terminal, naming dataset and source.
    """
    if _streams(spec, fetched):
        start = target.tell()
        try:
            return [fetched[0].provenance(_write_batches(spec, fetched[0], target))]
        except MappingError:
            target.seek(start)
            target.truncate()
    gathered = combine(spec, fetched)
    gathered.write_csv(target)
    return gathered.provenance


def gather_dataset(spec: DatasetSpec, ctx: GatherContext) -> GatherResult:
    """Read and combine every source of a dataset.

    Raises:
        GatherError, ReadError, MappingError, FetchError: terminal, naming dataset and source.
        FetchUnavailable: a remote source did not answer after retries.
    """
    return combine(spec, fetch_sources(spec, ctx))


__all__ = [
    "Fetched",
    "GatherContext",
    "GatherError",
    "GatherResult",
    "Provenance",
    "ReadError",
    "combine",
    "fetch_sources",
    "gather_dataset",
    "write_table",
]
