"""Declared datasets: ``datasets/<slug>/dataset.yaml`` and ``schemas/<slug>.schema.json``."""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,99}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Mapping(_Frozen):
    """How a source's columns become the schema's columns, applied in this order."""

    rename: dict[str, str] = {}
    """Source column -> schema field."""
    copy_columns: dict[str, str] = Field(default_factory=dict, alias="copy")
    """New column -> existing column whose values it starts with."""
    values: dict[str, dict[str, str]] = {}
    """Column -> {source value: published value}; unmapped values fail the gather."""
    constants: dict[str, str] = {}
    """Column -> value set on every row."""
    drop: list[str] = []
    """Source columns that are not published."""
    origin_column: str | None = None
    """If set, a column that receives each row's source URI."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class _SourceBase(_Frozen):
    mapping: Mapping = Mapping()
    name: str | None = None
    """A short label for messages; defaults to the path or URL."""


TabularFormat = Literal["csv", "xlsx", "json"]


class FileSource(_SourceBase):
    """A local CSV, XLSX or JSON file (path relative to the dataset folder)."""

    type: Literal["file"]
    path: str
    format: TabularFormat | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    records_path: str | None = None


class _RemoteSource(_SourceBase):
    """Limits for sources fetched over HTTP(S)."""

    max_bytes: int = 50_000_000
    """Refuse bodies larger than this."""
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 3
    """Extra attempts after a transient failure (timeouts, 5xx, dropped connections)."""


class HttpSource(_RemoteSource):
    """A CSV, XLSX or JSON document over HTTP(S)."""

    type: Literal["http"]
    url: str
    format: TabularFormat
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    records_path: str | None = None


class IcsSource(_RemoteSource):
    """An iCalendar feed, local (``path``) or over HTTP (``url``)."""

    type: Literal["ics"]
    path: str | None = None
    url: str | None = None


class CkanSource(_RemoteSource):
    """A resource of a dataset on another CKAN portal."""

    type: Literal["ckan"]
    portal: str
    dataset: str
    resource_name: str | None = None
    resource_format: str | None = None
    format: TabularFormat | None = None
    encoding: str | None = None
    delimiter: str | None = None


Source = Annotated[FileSource | HttpSource | IcsSource | CkanSource, Field(discriminator="type")]


class License(_Frozen):
    id: str
    """CKAN licence id, e.g. ``dl-de-by-2.0``."""
    uri: str
    """DCAT-AP.de licence URI (http://dcat-ap.de/def/licenses/...)."""
    attribution: str | None = None
    """Attribution text (licenseAttributionByText)."""


class Contact(_Frozen):
    """DCAT contact point."""

    name: str
    email: str | None = None
    url: str | None = None


class Publisher(_Frozen):
    """DCAT publisher: the body responsible for the data."""

    name: str
    url: str | None = None
    type: str | None = None
    """ADMS publisher type URI (http://purl.org/adms/publishertype/...)."""


class Dcat(_Frozen):
    """DCAT-AP.de properties (see shared/reference/dcat-ap-de.md)."""

    contributor_ids: list[str]
    political_geocoding_uris: list[str] = []
    political_geocoding_level_uri: str | None = None
    themes: list[str] = []
    """EU data-theme codes such as GOVE, TECH (kept apart from CKAN groups)."""
    frequency: str | None = None
    temporal_start: date | None = None
    temporal_end: date | None = None
    contact: Contact
    publisher: Publisher
    references: list[str] = []
    landing_page: str | None = None


class DatasetSpec(_Frozen):
    """One declared dataset."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    slug: str
    title: str
    notes: str
    tags: list[str] = []
    license: License
    dcat: Dcat
    sources: list[Source] = Field(min_length=1)
    hook: str | None = None
    """Python file in the dataset folder with ``transform(frame, context)``."""
    schema_ref: str | None = Field(default=None, alias="schema")
    """Path of the Table Schema, relative to the dataset folder (default: the slug's schema)."""
    folder: Path = Path(".")
    schema_path: Path = Path(".")
    renames: dict[str, str] = {}
    """Dataset folder name -> CKAN name, applied to foreign-key targets (publisher prefix)."""

    @field_validator("slug")
    @classmethod
    def _valid_slug(cls, v: str) -> str:
        if not SLUG_RE.match(v):
            raise ValueError(f"{v!r} is not a valid CKAN name (a-z, 0-9, - and _, 2-100 chars)")
        return v

    def table_schema(self) -> dict[str, Any]:
        """Return the Table Schema descriptor (a private copy; the file is parsed once).

        Foreign keys name datasets by folder name in the file; here they carry the
        CKAN names the publisher's prefix gives them.
        """
        schema: dict[str, Any] = copy.deepcopy(
            _read_schema(self.schema_path, self.schema_path.stat().st_mtime_ns)
        )
        for fk in schema.get("foreignKeys", []):
            reference = fk.get("reference", {})
            if reference.get("resource") in self.renames:
                reference["resource"] = self.renames[reference["resource"]]
        return schema


@dataclasses.dataclass(frozen=True)
class CatalogueDefaults:
    """What declarations inherit from their publisher (see ``profile.PublisherProfile``)."""

    fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Declaration fields a dataset may leave out (``license``, ``dcat`` merge key by key)."""
    name_prefix: str = ""
    """Put before each folder name to form the dataset's CKAN name."""


def _merged(defaults: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """``own`` over ``defaults``, mappings one level deep (``dcat.contact`` replaces as a whole)."""
    out = dict(defaults)
    for key, value in own.items():
        base = out.get(key)
        out[key] = (
            {**base, **value} if isinstance(base, dict) and isinstance(value, dict) else value
        )
    return out


@functools.lru_cache(maxsize=256)
def _read_schema(path: Path, mtime_ns: int) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def find_schema(schemas_dirs: list[Path], stem: str) -> Path:
    """``<stem>.schema.json`` in the first folder that has it (else where it would go)."""
    candidates = [d / f"{stem}.schema.json" for d in schemas_dirs]
    return next((c for c in candidates if c.exists()), candidates[0])


def load_dataset(
    folder: Path,
    schemas_dirs: list[Path],
    defaults: CatalogueDefaults | None = None,
    renames: dict[str, str] | None = None,
) -> DatasetSpec:
    """Read ``folder/dataset.yaml``; the slug is the folder name (after the publisher's prefix).

    Args:
        schemas_dirs: folders searched in order for ``<folder name>.schema.json``.
        defaults: fields inherited from the publisher profile.
        renames: folder name -> CKAN name of the catalogue's datasets (for foreign keys).

    Raises:
        ConfigError: the file is missing, not YAML, or not a valid declaration.
    """
    path = folder / "dataset.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read dataset declaration: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    defaults = defaults or CatalogueDefaults()
    if raw.setdefault("slug", folder.name) != folder.name:
        raise ConfigError(f"{path}: slug {raw['slug']!r} differs from folder name {folder.name!r}")
    raw = _merged(defaults.fields, {**raw, "slug": defaults.name_prefix + folder.name})
    schema_path = find_schema(schemas_dirs, folder.name)
    if raw.get("schema"):
        declared = (folder / raw["schema"]).resolve()
        if declared not in {(d / schema_path.name).resolve() for d in schemas_dirs}:
            raise ConfigError(
                f"{path}: schema must be {schema_path} (the folder name names the schema)"
            )
    try:
        spec = DatasetSpec.model_validate(
            {**raw, "folder": folder, "schema_path": schema_path, "renames": renames or {}}
        )
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid dataset declaration:\n{exc}") from None
    if not schema_path.exists():
        raise ConfigError(f"{path}: schema {schema_path} does not exist")
    return spec


def load_catalogue(
    root: Path, schemas_dirs: list[Path] | None = None, defaults: CatalogueDefaults | None = None
) -> dict[str, DatasetSpec]:
    """Load every dataset under ``root/datasets`` (CKAN name -> declaration).

    Args:
        schemas_dirs: where the Table Schemas are, searched in order (default ``root/schemas``).
        defaults: what the declarations inherit from their publisher.

    Raises:
        ConfigError: a declaration or schema is missing or invalid.
    """
    defaults = defaults or CatalogueDefaults()
    if not (root / "datasets").is_dir():
        raise ConfigError(f"{root}: no datasets/ folder (the catalogue root holds datasets/)")
    folders = sorted(p for p in (root / "datasets").iterdir() if (p / "dataset.yaml").exists())
    renames = {f.name: defaults.name_prefix + f.name for f in folders}
    dirs = schemas_dirs or [root / "schemas"]
    specs = (load_dataset(f, dirs, defaults, renames) for f in folders)
    return {spec.slug: spec for spec in specs}


def foreign_key_targets(schema: dict[str, Any]) -> set[str]:
    """Return the datasets a schema's foreign keys point at (other than itself)."""
    targets = set()
    for fk in schema.get("foreignKeys", []):
        resource = fk.get("reference", {}).get("resource", "")
        if resource:
            targets.add(resource)
    return targets


def publish_order(catalogue: dict[str, DatasetSpec]) -> list[list[str]]:
    """Group slugs into waves: every dataset comes after the ones its foreign keys name.

    Raises:
        ConfigError: the foreign keys form a cycle or name an unknown dataset.
    """
    deps = {
        slug: foreign_key_targets(spec.table_schema()) - {slug} for slug, spec in catalogue.items()
    }
    for slug, targets in deps.items():
        unknown = targets - catalogue.keys()
        if unknown:
            raise ConfigError(f"{slug}: foreign key to unknown dataset(s) {sorted(unknown)}")
    waves: list[list[str]] = []
    done: set[str] = set()
    while len(done) < len(deps):
        wave = sorted(s for s, t in deps.items() if s not in done and t <= done)
        if not wave:
            raise ConfigError(f"foreign keys form a cycle among {sorted(set(deps) - done)}")
        waves.append(wave)
        done.update(wave)
    return waves
