"""Which CKAN a local portal runs: its version, and whether it is stock or this project's.

The project's portal is CKAN 2.12 with ``ckanext-odp`` (loader, DCAT-AP.de profile,
German pages). A **stock** portal is what a municipality runs and a publisher cannot
change: CKAN's defaults plus exactly what a German municipal portal configures
(:data:`STOCK_PLUGINS` and the settings in ``ckanconfig.stock_settings``), with
``ckanext-pgsearch`` standing in for Solr. CKAN 2.10 and 2.11 run only as stock
portals (``ckanext-odp`` is built for 2.12). A stock 2.12 portal can also run
**xloader** (``ckanext-xloader`` with CKAN's background-jobs worker), as many
municipal portals do, which loads every uploaded CSV into the DataStore by itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

DEFAULT_CKAN = "2.12"
#: CKAN minor version -> lock file in ``portal/`` (exact versions, installed with uv).
LOCK_FILES = {
    "2.12": "requirements.lock",
    "2.11": "requirements-2.11.lock",
    "2.10": "requirements-2.10.lock",
}
#: The lock file of a stock CKAN 2.12 portal that also runs ckanext-xloader.
XLOADER_LOCK = "requirements-xloader.lock"
#: The project's plugins (``portal/ckanext-*``) a stock portal gets: the Solr stand-in.
STOCK_EXTENSIONS = ("ckanext-pgsearch",)
#: ``ckan.plugins`` of a stock portal: CKAN's default (``activity``), the DataStore and
#: its table view, ckanext-dcat, and pgsearch for Solr.
STOCK_PLUGINS = (
    "activity datastore datatables_view pgsearch dcat dcat_json_interface structured_data"
)


@dataclass(frozen=True)
class PortalKind:
    """A local portal's CKAN version and plugin set."""

    ckan: str = DEFAULT_CKAN
    """CKAN minor version: 2.10, 2.11 or 2.12."""
    stock: bool = False
    """Without ckanext-odp: only what a municipal portal configures."""
    xloader: bool = False
    """A stock portal that also runs ckanext-xloader and CKAN's jobs worker."""

    def __post_init__(self) -> None:
        if self.ckan not in LOCK_FILES:
            raise ConfigError(
                f"CKAN {self.ckan} is not supported for local portals "
                f"(one of {', '.join(sorted(LOCK_FILES))})"
            )
        if not self.stock and self.ckan != DEFAULT_CKAN:
            raise ConfigError(
                f"ckanext-odp is built for CKAN {DEFAULT_CKAN}; a CKAN {self.ckan} portal "
                "runs stock: add --stock"
            )
        if self.xloader and not (self.stock and self.ckan == DEFAULT_CKAN):
            raise ConfigError(f"xloader runs on a stock CKAN {DEFAULT_CKAN} portal: add --stock")

    @property
    def lock_file(self) -> str:
        """The lock file (in ``portal/``) its virtualenv is installed from."""
        return XLOADER_LOCK if self.xloader else LOCK_FILES[self.ckan]

    @property
    def venv_name(self) -> str:
        """Its CKAN virtualenv's folder in the portal home (one per CKAN version)."""
        if self.xloader:
            return "venv-xloader"
        return "venv" if self.ckan == DEFAULT_CKAN else f"venv-{self.ckan}"

    @property
    def activity_migrations(self) -> bool:
        """The activity plugin has migrations of its own (from CKAN 2.11; in 2.10 its tables
        are CKAN's)."""
        return self.ckan != "2.10"

    def label(self) -> str:
        extra = " (stock, xloader)" if self.xloader else " (stock)" if self.stock else ""
        return f"CKAN {self.ckan}{extra}"

    def as_state(self) -> dict[str, object]:
        return {"ckan": self.ckan, "stock": self.stock, "xloader": self.xloader}


def installed_extensions(kind: PortalKind, plugin_dirs: list[Path]) -> list[Path]:
    """The project's plugin folders installed into a virtualenv of ``kind``'s CKAN version.

    The default version's virtualenv has all (stock and full instances share it);
    other versions only what a stock portal needs.
    """
    if kind.ckan == DEFAULT_CKAN:
        return plugin_dirs
    return [p for p in plugin_dirs if p.name in STOCK_EXTENSIONS]


def locked_ckan_version(lock: Path) -> str:
    """The exact CKAN version a lock file pins (``2.11.4``), or ``?``."""
    found = re.search(r"^ckan==(\S+)", lock.read_text(encoding="utf-8"), re.MULTILINE)
    return found.group(1) if found else "?"
