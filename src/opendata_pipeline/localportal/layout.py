"""Where a local portal instance keeps its files, and its generated configuration."""

from __future__ import annotations

import configparser
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .services import PG_HOST, PG_PORT, REDIS_HOST, REDIS_PORT

PLUGINS = (
    "activity datastore odp_publish pgsearch dcat dcat_json_interface structured_data "
    "datatables_view text_view"
)
DEFAULT_PORT = 5050
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


def project_root() -> Path:
    """Return the checkout this package runs from (it holds ``portal/``)."""
    env = os.environ.get("ODP_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "portal" / "requirements.lock").exists():
            return parent
    return Path.cwd().resolve()


@dataclass(frozen=True)
class Layout:
    """Paths and names of one portal instance.

    Args:
        root: the project checkout (holds ``portal/``).
        home: folder for the CKAN virtualenv (shared by instances).
        instance_dir: folder for this instance's config, storage, logs and secrets.
        name: instance name; databases and roles are named after it.
        port: TCP port on 127.0.0.1.
    """

    root: Path
    home: Path
    instance_dir: Path
    name: str
    port: int

    def __post_init__(self) -> None:
        if not _NAME_RE.match(self.name):
            raise ConfigError(f"Portal instance name {self.name!r} must match {_NAME_RE.pattern}")

    @classmethod
    def default(cls, name: str = "local", port: int | None = None) -> Layout:
        """Return the layout of a named instance under ``<root>/.portal``."""
        root = project_root()
        home = Path(os.environ.get("ODP_PORTAL_HOME", root / ".portal"))
        instance_dir = home / "instances" / name
        if port is None:
            port = _saved_port(instance_dir) or int(os.environ.get("ODP_PORTAL_PORT", DEFAULT_PORT))
        return cls(root, home, instance_dir, name, port)

    @property
    def venv(self) -> Path:
        return self.home / "venv"

    def bin(self, tool: str) -> Path:
        return self.venv / "bin" / tool

    @property
    def ini(self) -> Path:
        return self.instance_dir / "ckan.ini"

    @property
    def storage(self) -> Path:
        return self.instance_dir / "storage"

    @property
    def pidfile(self) -> Path:
        return self.instance_dir / "gunicorn.pid"

    @property
    def logfile(self) -> Path:
        return self.instance_dir / "ckan.log"

    @property
    def secrets_dir(self) -> Path:
        return self.instance_dir / "secrets"

    @property
    def state_file(self) -> Path:
        return self.secrets_dir / "state.json"

    @property
    def admin_token_file(self) -> Path:
        return self.secrets_dir / "admin.token"

    @property
    def publisher_token_file(self) -> Path:
        return self.secrets_dir / "publisher.token"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def site_id(self) -> str:
        return f"odp-{self.name}"

    @property
    def db_main(self) -> str:
        return f"odp_{self.name}_ckan"

    @property
    def db_datastore(self) -> str:
        return f"odp_{self.name}_datastore"

    @property
    def role_rw(self) -> str:
        return f"odp_{self.name}_rw"

    @property
    def role_ro(self) -> str:
        return f"odp_{self.name}_ro"


def _saved_port(instance_dir: Path) -> int | None:
    try:
        state = json.loads((instance_dir / "secrets" / "state.json").read_text())
        return int(state["port"])
    except (OSError, ValueError, KeyError):
        return None


def write_secret(path: Path, value: str) -> None:
    """Write a secret file readable by its owner only (mode 600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    os.chmod(path, 0o600)


def load_state(layout: Layout) -> dict[str, Any]:
    """Return the instance's saved state (passwords, port), creating it on first use."""
    try:
        state: dict[str, Any] = json.loads(layout.state_file.read_text())
        if state.get("port") == layout.port:
            return state
    except (OSError, ValueError):
        state = {
            "password_rw": secrets.token_urlsafe(24),
            "password_ro": secrets.token_urlsafe(24),
        }
    state["port"] = layout.port
    write_secret(layout.state_file, json.dumps(state))
    return state


def ckan_settings(layout: Layout, state: dict[str, Any]) -> dict[str, str]:
    """Return the ``[app:main]`` settings this project sets in ckan.ini."""
    rw = f"postgresql://{layout.role_rw}:{state['password_rw']}@{PG_HOST}:{PG_PORT}"
    ro = f"postgresql://{layout.role_ro}:{state['password_ro']}@{PG_HOST}:{PG_PORT}"
    return {
        "sqlalchemy.url": f"{rw}/{layout.db_main}",
        "ckan.datastore.write_url": f"{rw}/{layout.db_datastore}",
        "ckan.datastore.read_url": f"{ro}/{layout.db_datastore}",
        "ckan.site_url": layout.url,
        "ckan.site_id": layout.site_id,
        "ckan.site_title": "Open Data (lokales Portal)",
        "ckan.storage_path": str(layout.storage),
        "ckan.redis.url": f"redis://{REDIS_HOST}:{REDIS_PORT}/0",
        "ckan.plugins": PLUGINS,
        "ckan.views.default_views": "datatables_view text_view",
        "solr_url": "http://127.0.0.1:1/solr-is-replaced-by-pgsearch",
        "ckan.max_resource_size": "2048",
        "ckan.auth.create_user_via_web": "false",
        "ckan.datastore.default_fts_lang": "german",
        "ckan.locale_default": "de",
        "ckan.locales_offered": "de en",
        "debug": "false",
        "ckanext.dcat.rdf.profiles": "euro_dcat_ap_2 dcatap_de",
        "ckanext.dcat.enable_content_negotiation": "false",
    }


def patch_ini(path: Path, settings: dict[str, str]) -> None:
    """Set keys of ``[app:main]`` in an ini file that ``ckan generate config`` wrote."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path)
    for key, value in settings.items():
        parser.set("app:main", key, value)
    # Log to the instance's log file only at INFO and above.
    if parser.has_section("logger_ckan"):
        parser.set("logger_ckan", "level", "INFO")
    with open(path, "w") as fh:
        parser.write(fh)
    os.chmod(path, 0o600)
