"""The ``odp`` command line for data stewards.

Commands import what they need when they run, so ``odp --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..orchestrate import HEARTBEAT_SECONDS
from . import devtools, orchestration, publishing, scaffolding, validating
from .options import project_path_option

RUN_NO_FLOW = frozenset({"validate"})
"""Commands that run no Prefect flow in this process."""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="opendata-pipeline")
@project_path_option()
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks and Prefect's run logs.")
@click.pass_context
def main(ctx: click.Context, project: Path | None, verbose: bool) -> None:
    """Gather, validate and publish open data to CKAN, one publisher profile at a time.

    Exit codes: 0 success; 1 invalid data or a dataset failed; 2 bad usage,
    configuration or schema; 3 the portal (or Prefect server) stayed unreachable.
    """
    ctx.obj = {"verbose": verbose, "project": project}
    if ctx.invoked_subcommand in RUN_NO_FLOW:
        return  # nor need the settings module (pydantic-settings: 0.2-0.4 s to import)
    from ..settings import default_environment

    # flow runs of this process send heartbeats as often as deployed runs do (the crash
    # automation counts on it); set before Prefect reads its settings
    default_environment("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", str(HEARTBEAT_SECONDS))


for module in (validating, publishing, scaffolding, orchestration, devtools):
    for command in module.COMMANDS:
        main.add_command(command)

__all__ = ["main"]
