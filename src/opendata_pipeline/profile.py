"""Publisher profiles: everything that differs between municipalities, in one YAML file each.

A profile names the publisher (organization, contact, licence, contributor ID,
political geocoding), where it publishes (portal URL, token's environment
variable and Secret block, theme group), where its catalogue lives, and when
its datasets run. Dataset declarations inherit the publisher fields, so the
same ``dataset.yaml`` and schema serve every municipality.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from .catalogue import SLUG_RE, CatalogueDefaults, Contact, DatasetSpec, License, Publisher
from .catalogue import load_catalogue as _load_catalogue
from .errors import ConfigError
from .localportal.layout import project_root
from .publish.settings import TOKEN_BLOCK, TOKEN_ENV

DEFAULT_PROFILE = "default"
_CRON_RE = re.compile(r"^\S+( \S+){4}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _ckan_name(value: str) -> str:
    if not SLUG_RE.match(value):
        raise ValueError(f"{value!r} is not a valid CKAN name (a-z, 0-9, - and _, 2-100 chars)")
    return value


CkanName = Annotated[str, AfterValidator(_ckan_name)]


class Organization(_Frozen):
    """The CKAN organization that owns the publisher's datasets."""

    name: CkanName
    """CKAN name (URL part), e.g. ``stadt-musterstadt``."""
    title: str
    """Display name."""
    description: str = ""
    """Shown on the organization page when the pipeline has to create it (local portal)."""


class ThemeGroup(_Frozen):
    """The CKAN group users browse to find the datasets (the portal's theme)."""

    name: CkanName
    """CKAN name of the group, e.g. ``open-government``."""
    title: str
    """Display name, used when the group has to be created."""
    description: str = ""


class Geocoding(_Frozen):
    """DCAT-AP.de political geocoding of the publisher's area."""

    uris: list[str] = Field(min_length=1)
    """``http://dcat-ap.de/def/politicalGeocoding/...`` URIs (state, district, municipality)."""
    level_uri: str
    """``http://dcat-ap.de/def/politicalGeocoding/Level/...``."""


class TokenSource(_Frozen):
    """Where the publisher's CKAN API token is read from; the profile never holds the token."""

    env: str = TOKEN_ENV
    """Environment variable with the token (``<env>_FILE`` may name a file holding it)."""
    block: str = TOKEN_BLOCK
    """Prefect Secret block with the token."""


class CatalogueLocation(_Frozen):
    """Which declarations the publisher publishes and under which CKAN names."""

    root: str = ".."
    """Folder holding ``datasets/`` (relative to the profile file)."""
    schemas: list[str] = []
    """Folders of Table Schemas, searched in order (relative to the profile file; default
    ``<root>/schemas``); list a shared folder to reuse another publisher's schemas."""
    name_prefix: str = ""
    """Put before every dataset folder name to form the CKAN name, e.g. ``musterstadt-``."""
    package: str | None = None
    """CKAN name of the catalogue-level data package (default ``<organization>-datenpaket``)."""


class Schedule(_Frozen):
    """When the publisher's deployments run (see ``odp deployments``)."""

    timezone: str = "Europe/Berlin"
    default: str | None = None
    """Cron expression for datasets not listed below; none = run on demand only."""
    datasets: dict[str, str | None] = {}
    """Dataset folder name -> cron expression (``null`` = on demand)."""

    @field_validator("default")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        if v is not None and not _CRON_RE.match(v):
            raise ValueError(f"{v!r} is not a cron expression with five fields")
        return v

    def cron_for(self, dataset: str) -> str | None:
        """The cron expression of one dataset (its own, else the default)."""
        return self.datasets.get(dataset, self.default)


class PublisherProfile(_Frozen):
    """One publisher: identity, DCAT-AP.de defaults, portal, catalogue and schedules."""

    title: str
    """What the profile is, for messages (e.g. ``Stadt Musterstadt``)."""
    organization: Organization
    publisher: Publisher
    """DCAT publisher (dct:publisher) of every dataset."""
    contact: Contact
    """DCAT contact point of every dataset unless a dataset names its own."""
    license: License
    """Default licence; a dataset may declare its own (or only its own attribution)."""
    contributor_ids: list[str] = Field(min_length=1)
    """DCAT-AP.de contributorID URIs (http://dcat-ap.de/def/contributors/...)."""
    political_geocoding: Geocoding
    portal_url: str | None = None
    """CKAN portal; $ODP_CKAN_URL and --portal-url override it; none = the local portal."""
    token: TokenSource = TokenSource()
    group: ThemeGroup
    themes: list[str] = []
    """EU data-theme codes (GOVE, TECH, ...) for datasets that name none."""
    catalogue: CatalogueLocation = CatalogueLocation()
    schedule: Schedule = Schedule()
    name: str = ""
    """The profile's name (its file stem); set when loading."""
    path: Path = Path(".")
    """The profile file; set when loading."""

    @property
    def catalogue_root(self) -> Path:
        """The folder with ``datasets/``: $ODP_CATALOGUE_ROOT, else the profile's ``root``."""
        env = os.environ.get("ODP_CATALOGUE_ROOT")
        return Path(env) if env else (self.path.parent / self.catalogue.root).resolve()

    @property
    def schemas_dirs(self) -> list[Path]:
        """The folders of Table Schemas, in search order (new schemas go to the first)."""
        if self.catalogue.schemas and not os.environ.get("ODP_CATALOGUE_ROOT"):
            return [(self.path.parent / d).resolve() for d in self.catalogue.schemas]
        return [self.catalogue_root / "schemas"]

    @property
    def package_name(self) -> str:
        """CKAN name of the catalogue-level data package."""
        return self.catalogue.package or f"{self.organization.name}-datenpaket"

    def dataset_defaults(self) -> CatalogueDefaults:
        """What every dataset declaration inherits from this profile."""
        dcat = {
            "contributor_ids": self.contributor_ids,
            "political_geocoding_uris": self.political_geocoding.uris,
            "political_geocoding_level_uri": self.political_geocoding.level_uri,
            "contact": self.contact.model_dump(exclude_none=True),
            "publisher": self.publisher.model_dump(exclude_none=True),
        }
        if self.themes:
            dcat["themes"] = self.themes
        license_ = self.license.model_dump(exclude_none=True)
        return CatalogueDefaults(
            fields={"license": license_, "dcat": dcat}, name_prefix=self.catalogue.name_prefix
        )

    def load_catalogue(self) -> dict[str, DatasetSpec]:
        """Load this publisher's datasets (CKAN name -> declaration).

        Raises:
            ConfigError: a declaration or schema is missing or invalid.
        """
        return _load_catalogue(self.catalogue_root, self.schemas_dirs, self.dataset_defaults())


def profiles_dir() -> Path:
    """Where named profiles live: $ODP_PROFILES_DIR, else ``profiles/`` of the checkout."""
    env = os.environ.get("ODP_PROFILES_DIR")
    return Path(env) if env else project_root() / "profiles"


def profile_path(name: str | None = None) -> Path:
    """The file of profile ``name`` (a name in ``profiles_dir()`` or a path to a YAML file).

    Without a name: $ODP_PROFILE, else ``default``.
    """
    chosen = name or os.environ.get("ODP_PROFILE") or DEFAULT_PROFILE
    if chosen.endswith((".yaml", ".yml")) or os.sep in chosen:
        return Path(chosen).resolve()
    return profiles_dir() / f"{chosen}.yaml"


def load_profile(name: str | None = None) -> PublisherProfile:
    """Read and check a publisher profile.

    Raises:
        ConfigError: the file is missing or not a valid profile; names the file and field.
    """
    path = profile_path(name)
    if not path.is_file():
        known = sorted(p.stem for p in profiles_dir().glob("*.yaml"))
        raise ConfigError(
            f"publisher profile {path} does not exist (profiles in {profiles_dir()}: "
            f"{', '.join(known) or 'none'}; create one with: odp init profile <name>)"
        )
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read publisher profile: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    try:
        name = path.parent.name if path.stem == "profile" else path.stem
        return PublisherProfile.model_validate({**raw, "name": name, "path": path})
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid publisher profile:\n{exc}") from None
