"""Where a local portal instance keeps its files: config, storage, log, secrets, port."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .assets import portal_assets
from .kind import PortalKind

DEFAULT_PORT = 5050
_NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,30}")


@dataclass(frozen=True)
class Layout:
    """Paths and names of one portal instance.

    Args:
        assets: this project's portal files (lock file, plugins, WSGI entry, bootstrap).
        home: folder for the CKAN virtualenv (shared by instances).
        instance_dir: folder for this instance's config, storage, logs and secrets.
        name: instance name; databases and roles are named after it and the folder.
        port: TCP port on 127.0.0.1.
        kind: CKAN version and plugin set (default: CKAN 2.12 with ckanext-odp).
    """

    assets: Path
    home: Path
    instance_dir: Path
    name: str
    port: int
    kind: PortalKind = PortalKind()

    def __post_init__(self) -> None:
        if not _NAME_RE.fullmatch(self.name):
            raise ConfigError(
                f"Portal instance name {self.name!r} must match {_NAME_RE.pattern} "
                "(a lowercase letter, then up to 30 of a-z, 0-9 and _)"
            )

    @classmethod
    def of(
        cls,
        home: Path,
        name: str = "local",
        port: int | None = None,
        kind: PortalKind | None = None,
    ) -> Layout:
        """The instance ``name`` under ``home`` (port and kind: given, else the saved ones,
        else 5050 and CKAN 2.12 with ckanext-odp)."""
        instance_dir = home / "instances" / name
        port = port or _saved_port(instance_dir) or DEFAULT_PORT
        kind = kind or _saved_kind(instance_dir) or PortalKind()
        return cls(portal_assets(), home, instance_dir, name, port, kind)

    @property
    def venv(self) -> Path:
        """The CKAN virtualenv (one per CKAN version, shared by the instances)."""
        return self.home / self.kind.venv_name

    @property
    def lock_file(self) -> Path:
        return self.assets / self.kind.lock_file

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
    def worker_pidfile(self) -> Path:
        """CKAN's background-jobs worker (portals running xloader)."""
        return self.instance_dir / "worker.pid"

    @property
    def worker_logfile(self) -> Path:
        return self.instance_dir / "worker.log"

    @property
    def stamp_file(self) -> Path:
        """What the running portal was started with (see ``portal.up``)."""
        return self.instance_dir / "started.sha256"

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
    def db_prefix(self) -> str:
        """``odp_<name>_<8 hex digits of the instance folder>``: PostgreSQL's databases and
        roles are shared by the whole machine, so two checkouts (or portal homes) with an
        instance of the same name must not meet in them."""
        folder = str(self.instance_dir.resolve())
        return f"odp_{self.name}_{hashlib.sha256(folder.encode()).hexdigest()[:8]}"

    @property
    def db_main(self) -> str:
        return f"{self.db_prefix}_ckan"

    @property
    def db_datastore(self) -> str:
        return f"{self.db_prefix}_datastore"

    @property
    def role_rw(self) -> str:
        return f"{self.db_prefix}_rw"

    @property
    def role_ro(self) -> str:
        return f"{self.db_prefix}_ro"


def _saved_port(instance_dir: Path) -> int | None:
    try:
        state = json.loads((instance_dir / "secrets" / "state.json").read_text())
        return int(state["port"])
    except (OSError, ValueError, KeyError):
        return None


def _saved_kind(instance_dir: Path) -> PortalKind | None:
    try:
        state = json.loads((instance_dir / "secrets" / "state.json").read_text())
    except (OSError, ValueError):
        return None
    if "ckan" not in state:
        return None
    return PortalKind(
        str(state["ckan"]), bool(state.get("stock", False)), bool(state.get("xloader", False))
    )


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
        saved = _saved_kind(layout.instance_dir)
        if saved is not None and saved != layout.kind:
            raise ConfigError(
                f"portal instance {layout.name!r} runs {saved.label()}, not "
                f"{layout.kind.label()}: reset it (odp portal reset --name {layout.name}) "
                "or choose another --name"
            )
        if state.get("port") == layout.port and saved is not None:
            return state
    except (OSError, ValueError):
        state = {
            "password_rw": secrets.token_urlsafe(24),
            "password_ro": secrets.token_urlsafe(24),
        }
    state["port"] = layout.port
    state.update(layout.kind.as_state())
    write_secret(layout.state_file, json.dumps(state))
    return state
