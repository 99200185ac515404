"""Options several commands share: defined once, with one help text each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..profile import PublisherProfile
    from ..project import Project
    from ..settings import Settings

profile = click.option(
    "--profile",
    default=None,
    help="Publisher profile: a name in profiles/ or a YAML file "
    "(default: $ODP_PROFILE, else the project's default_profile).",
)
portal_url = click.option(
    "--portal-url",
    default=None,
    help="CKAN portal URL (default: $ODP_CKAN_URL, else the profile's portal_url).",
)
as_json = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
slugs = click.argument("slugs", nargs=-1)
allow_draft = click.option(
    "--allow-draft",
    is_flag=True,
    help="Publish declarations and schemas still marked as drafts by odp init "
    "(refused otherwise: review them and delete the draft line).",
)
fan_out = click.option(
    "--fan-out",
    is_flag=True,
    help="Run each dataset as its own publish-dataset deployment run (workers share the work).",
)


def settings() -> Settings:
    """The settings of this invocation (read once; --project overrides $ODP_PROJECT)."""
    from ..settings import load_settings

    state = _state()
    if "settings" not in state:
        state["settings"] = load_settings(project=state.get("project"))
    value: Settings = state["settings"]
    return value


def project() -> Project:
    """The catalogue project this invocation works in.

    Raises:
        ConfigError: no project was found.
    """
    from ..project import Project

    state = _state()
    if "project_obj" not in state:
        state["project_obj"] = Project.find(settings().project)
    value: Project = state["project_obj"]
    return value


def load_profile(ref: str | None) -> PublisherProfile:
    """The publisher profile ``ref`` (default: $ODP_PROFILE, else the project's default)."""
    return project().load_profile(ref or settings().profile)


def _state() -> dict[str, Any]:
    root = click.get_current_context().find_root()
    if root.obj is None:
        root.obj = {}
    state: dict[str, Any] = root.obj
    return state


def apply(*decorators: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Apply several option decorators in the order given (top to bottom)."""

    def wrap(fn: Any) -> Any:
        for decorator in reversed(decorators):
            fn = decorator(fn)
        return fn

    return wrap


def project_path_option() -> Callable[[Any], Any]:
    return click.option(
        "--project",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Catalogue project folder (default: $ODP_PROJECT, else found from here upwards).",
    )
