"""Every environment variable this project reads, in one place, with its default and meaning.

Nothing else in the package reads ``os.environ``: the command line builds
:class:`Settings` once and passes the values on as parameters; flows run by a
Prefect worker build them from the worker's environment. Child processes get
their environment from :func:`child_environment`.

Importing this module imports pydantic-settings (about half a second), so the
command line imports it only when a command needs settings.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ConfigError

DEFAULT_TOKEN_ENV = "ODP_CKAN_TOKEN"  # noqa: S105 - a variable's name, not a secret
FILE_SUFFIX = "_FILE"


class Settings(BaseSettings):
    """Settings from the environment: ``ODP_*``, and ``PREFECT_API_URL`` as Prefect names it."""

    model_config = SettingsConfigDict(
        env_prefix="ODP_", frozen=True, extra="ignore", use_attribute_docstrings=True
    )

    project: Path | None = None
    """Catalogue project folder (it holds `odp.yaml`). Default: the nearest folder with
    `odp.yaml` at or above the working directory."""
    profile: str | None = None
    """Publisher profile: a name in the project's `profiles/` or a YAML file. Default: the
    project's `default_profile`."""
    ckan_url: str | None = None
    """CKAN portal URL; overrides the profile's `portal_url` (`--portal-url` overrides this)."""
    ckan_token: SecretStr | None = None
    """CKAN API token, when the profile's `token.env` is left at its default."""
    ckan_token_file: Path | None = None
    """A file holding the CKAN API token (`<token variable>_FILE` for another variable)."""
    portal_retry_seconds: float = Field(default=60.0, gt=0)
    """How long one request to the CKAN portal may take, retries of transient failures (502,
    503, 504, timeouts, dropped connections) included; then the portal counts as
    unreachable (exit code 3)."""
    cache_dir: Path | None = None
    """Staged tables, validation keys and the HTTP cache. Default: `<project>/.cache`."""
    portal_name: str = "local"
    """Local development portal (`odp portal`): instance name; its databases carry it."""
    portal_port: int | None = None
    """Local development portal: TCP port. Default: the instance's saved port, else 5050."""
    portal_home: Path | None = None
    """Local development portal: CKAN virtualenv and instances. Default: `<project>/.portal`."""
    prefect_port: int = 4200
    """Local Prefect server (`odp server`): TCP port on 127.0.0.1."""
    prefect_database_url: str | None = None
    """Local Prefect server: SQLAlchemy URL of its database, e.g.
    `postgresql+asyncpg://user@host/db`. Default: SQLite in `<project>/.prefect`."""
    prefect_api_url: str | None = Field(default=None, validation_alias="PREFECT_API_URL")
    """Prefect API that command-line runs are recorded on (Prefect's own variable). Default:
    the project's server if it runs, else a temporary one."""

    def token(self, variable: str | None) -> SecretStr | None:
        """The token in the environment variable ``variable`` (default ``ODP_CKAN_TOKEN``)."""
        if variable in (None, DEFAULT_TOKEN_ENV):
            return self.ckan_token
        value = os.environ.get(variable)
        return SecretStr(value) if value else None

    def token_file(self, variable: str | None) -> Path | None:
        """The file named by ``<variable>_FILE`` (default ``ODP_CKAN_TOKEN_FILE``), if set."""
        if variable in (None, DEFAULT_TOKEN_ENV):
            return self.ckan_token_file
        value = os.environ.get(variable + FILE_SUFFIX)
        return Path(value) if value else None


def load_settings(**overrides: Any) -> Settings:
    """Read the settings from the environment; ``overrides`` that are not None win.

    Raises:
        ConfigError: a variable holds a value of the wrong type (names the variable).
    """
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"ODP_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"invalid setting: {problems}") from None


def documented_variables() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) of every setting: the README's settings table."""
    rows = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        variable = alias if isinstance(alias, str) else f"ODP_{name.upper()}"
        default = "" if field.default is None else str(field.default)
        rows.append((variable, default, " ".join((field.description or "").split())))
    return rows


def child_environment(
    extra: dict[str, str] | None = None, drop: tuple[str, ...] = ()
) -> dict[str, str]:
    """A child process's environment: this one's minus names starting with ``drop``, + ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(extra or {})
    return env


def markdown_table() -> str:
    """The README's settings table (``python -m opendata_pipeline.settings`` prints it)."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for variable, default, meaning in documented_variables():
        lines.append(f"| `{variable}` | {f'`{default}`' if default else ''} | {meaning} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
