"""Declared datasets: the model of ``datasets/<folder>/dataset.yaml`` and the order they run in.

:mod:`.project` reads the files; everything here is pure.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from .errors import ConfigError
from .names import ckan_name


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
    deadline: float = Field(default=300.0, gt=0)
    """Seconds one download may take in all, retries and redirects included."""


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

    slug: Annotated[str, AfterValidator(ckan_name)]
    title: str
    notes: str
    tags: list[str] = []
    license: License
    dcat: Dcat
    sources: list[Source] = Field(min_length=1)
    draft: bool = False
    """Written by ``odp init dataset`` until a steward has reviewed the declaration; ``odp
    publish`` refuses it (see :mod:`.drafts`)."""
    hook: str | None = None
    """Python file in the dataset folder with ``transform(frame, context)``."""
    schema_ref: str | None = Field(default=None, alias="schema")
    """Path of the Table Schema, relative to the dataset folder (default: the slug's schema)."""
    folder: Path = Path(".")
    schema_path: Path = Path(".")
    renames: dict[str, str] = {}
    """Dataset folder name -> CKAN name, applied to foreign-key targets (publisher prefix)."""

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


@functools.lru_cache(maxsize=256)
def _read_schema(path: Path, mtime_ns: int) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def foreign_key_targets(schema: dict[str, Any]) -> set[str]:
    """Return the datasets a schema's foreign keys point at (other than itself)."""
    targets = set()
    for fk in schema.get("foreignKeys", []):
        resource = fk.get("reference", {}).get("resource", "")
        if resource:
            targets.add(resource)
    return targets


def references(spec: DatasetSpec) -> list[str]:
    """The other datasets ``spec``'s foreign keys point at, sorted."""
    return sorted(foreign_key_targets(spec.table_schema()) - {spec.slug})


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


def needed_for(catalogue: dict[str, DatasetSpec], slugs: list[str]) -> list[str]:
    """The given datasets plus every dataset their foreign keys reach, in publish order.

    Raises:
        ConfigError: a slug is not in the catalogue, or the foreign keys form a cycle.
    """
    unknown = sorted(set(slugs) - catalogue.keys())
    if unknown:
        raise ConfigError(
            f"unknown dataset(s) {unknown} (datasets: {', '.join(sorted(catalogue))})"
        )
    wanted: set[str] = set()
    todo = list(slugs)
    while todo:
        slug = todo.pop()
        if slug not in wanted:
            wanted.add(slug)
            todo += references(catalogue[slug])
    return [s for wave in publish_order(catalogue) for s in wave if s in wanted]
