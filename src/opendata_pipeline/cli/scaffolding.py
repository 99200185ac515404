"""``odp init``: start a catalogue project, a publisher profile or a dataset (never overwrites)."""

from __future__ import annotations

from pathlib import Path

import click

from . import options, output


@click.group("init")
def init_group() -> None:
    """Start a catalogue project, publisher profile or dataset (never overwrites a file)."""


@init_group.command("project")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option(
    "--name",
    default=None,
    help="Name of the project's first publisher profile (default: the folder's name).",
)
@output.guarded
def init_project_cmd(folder: Path, name: str | None) -> None:
    """Make FOLDER a catalogue project: odp.yaml, profiles/, datasets/, schemas/, flows/."""
    from ..scaffold import init_project

    chosen = name or folder.resolve().name.lower()
    for path in init_project(folder, chosen).files:
        output.result(f"wrote {path}")
    output.note(f"next: fill in the TODO values of profiles/{chosen}.yaml, then: odp init dataset")


@init_group.command("profile")
@click.argument("name")
@output.guarded
def init_profile_cmd(name: str) -> None:
    """Write profiles/NAME.yaml, a publisher profile to fill in."""
    from ..scaffold import init_profile

    for path in init_profile(name, options.project().profiles_dir).files:
        output.result(f"wrote {path}")
    output.note(f"next: fill in the TODO values, then: odp init dataset <slug> --profile {name}")


@init_group.command("dataset")
@click.argument("slug")
@click.option(
    "--from",
    "sample",
    required=True,
    help="Sample file (CSV, XLSX, JSON) or http(s) URL to draft the schema from.",
)
@options.profile
@output.guarded
def init_dataset_cmd(slug: str, sample: str, profile: str | None) -> None:
    """Write datasets/SLUG/dataset.yaml and a draft schema inferred from a sample."""
    from ..scaffold import init_dataset

    publisher = options.load_profile(profile)
    for path in init_dataset(publisher, slug, sample).files:
        output.result(f"wrote {path}")
    name = publisher.catalogue.name_prefix + slug
    output.note(
        f"next: odp validate {name} --profile {publisher.name}; review dataset.yaml and the "
        "schema and delete their draft lines (odp publish refuses drafts)"
    )


COMMANDS = [init_group]
