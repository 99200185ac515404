"""Publisher profiles: everything that differs between municipalities, in one YAML file each.

A profile names the publisher (organization, contact, licence, contributor ID,
political geocoding), where it publishes (portal URL, where the token is read
from, theme group), where its catalogue lives, when its datasets run and whom to
notify when a run fails. Dataset declarations inherit the publisher fields, so
the same ``dataset.yaml`` and schema serve every municipality.

This module is the model only; :mod:`.project` finds and reads profile files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from .catalogue import CatalogueDefaults, Contact, License, Publisher
from .names import ckan_name

_CRON_RE = re.compile(r"\S+( \S+){4}")
TOKEN_BLOCK = "odp-ckan-token"  # noqa: S105 - a block's name, not a secret


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


CkanName = Annotated[str, AfterValidator(ckan_name)]


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

    env: str | None = None
    """Environment variable with the token (default ``ODP_CKAN_TOKEN``); ``<env>_FILE`` may
    name a file holding it."""
    file: str | None = None
    """A file holding the token, relative to the profile file (e.g. a mounted secret, or the
    local development portal's token file); used only with the profile's own ``portal_url``."""
    block: str = TOKEN_BLOCK
    """Prefect Secret block with the token."""

    def file_path(self, profile_file: Path) -> Path | None:
        """The token file as an absolute path, if the profile names one."""
        return (profile_file.parent / self.file).resolve() if self.file else None


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
        if v is not None and not _CRON_RE.fullmatch(v):
            raise ValueError(f"{v!r} is not a cron expression with five fields")
        return v

    def cron_for(self, dataset: str) -> str | None:
        """The cron expression of one dataset (its own, else the default)."""
        return self.datasets.get(dataset, self.default)


class Notifications(_Frozen):
    """Whom a failed or crashed publishing run notifies (``odp notifications apply``)."""

    webhook: str | None = None
    """URL a message is POSTed to as JSON (``subject``, ``text``): a chat channel's incoming
    webhook or an e-mail gateway."""
    webhook_env: str | None = None
    """Environment variable holding that URL instead, when the URL itself is a secret."""
    crash_after: int = Field(default=120, ge=60)
    """Seconds without a heartbeat after which a running publishing run counts as crashed."""


class PublisherProfile(_Frozen):
    """One publisher: identity, DCAT-AP.de defaults, portal, catalogue and schedules."""

    title: str
    """What the profile is, for messages (e.g. ``Stadt Musterstadt``)."""
    organization: Organization
    publisher: Publisher
    """DCAT publisher (dct:publisher) of every dataset."""
    contact: Contact
    """DCAT contact point of every dataset unless a dataset names its own; needs an e-mail
    address or a web address (DCAT-AP.de asks for a reachable contact point)."""
    license: License
    """Default licence; a dataset may declare its own (or only its own attribution)."""
    contributor_ids: list[str] = Field(min_length=1)
    """DCAT-AP.de contributorID URIs (http://dcat-ap.de/def/contributors/...)."""
    political_geocoding: Geocoding
    portal_url: str | None = None
    """CKAN portal URL; ``$ODP_CKAN_URL`` and ``--portal-url`` override it. Without one,
    every command needs ``--portal-url`` or ``$ODP_CKAN_URL``."""
    token: TokenSource = TokenSource()
    group: ThemeGroup
    themes: list[str] = []
    """EU data-theme codes (GOVE, TECH, ...) for datasets that name none."""
    catalogue: CatalogueLocation = CatalogueLocation()
    source_hosts: list[str] = []
    """Hosts that ``http``, ``ics`` and ``ckan`` sources may be fetched from (``host``,
    ``host:port`` or ``*.domain``), redirects included; empty = any host. Sources never
    get the portal's token."""
    schedule: Schedule = Schedule()
    notifications: Notifications | None = None
    """Failure notifications; none = no automation."""
    name: str = ""
    """The profile's name (its file stem); set when loading."""
    path: Path = Path(".")
    """The profile file; set when loading."""

    @field_validator("contact")
    @classmethod
    def _reachable(cls, v: Contact) -> Contact:
        if not (v.email or v.url):
            raise ValueError(
                "the contact needs an e-mail address (email) or a web address (url): "
                "harvesters (DCAT-AP.de) reject a contact point that only has a name"
            )
        return v

    @property
    def catalogue_root(self) -> Path:
        """The folder with ``datasets/`` (the profile's ``catalogue.root``)."""
        return (self.path.parent / self.catalogue.root).resolve()

    @property
    def schemas_dirs(self) -> list[Path]:
        """The folders of Table Schemas, in search order (new schemas go to the first)."""
        if self.catalogue.schemas:
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
