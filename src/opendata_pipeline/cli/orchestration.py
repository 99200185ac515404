"""``odp deployments``, ``odp notifications``, ``odp server``: running on Prefect."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from . import options, output

if TYPE_CHECKING:
    from ..dev.prefect_server import PrefectServer


@click.command("deployments")
@options.profile
@output.guarded
def deployments_cmd(profile: str | None) -> None:
    """Print a Prefect deployment file for a publisher (its datasets on its schedules).

    Save it and deploy: prefect deploy --all --prefect-file prefect.NAME.yaml
    """
    import yaml

    from ..orchestrate.deployments import prefect_file
    from ..project import profile_catalogue

    publisher = options.load_profile(profile)
    document = prefect_file(publisher, profile_catalogue(publisher), profile or publisher.name)
    click.echo(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), nl=False)


def server(port: int | None = None) -> PrefectServer:
    """This project's Prefect server (running or not)."""
    from ..dev.prefect_server import PrefectServer

    settings = options.settings()
    return PrefectServer(
        options.project().root / ".prefect",
        port or settings.prefect_port,
        settings.prefect_database_url,
    )


@click.group("server")
def server_group() -> None:
    """This project's Prefect server (UI, deployments, run history) on 127.0.0.1."""


_port = click.option(
    "--port", type=int, default=None, help="Port (default: $ODP_PREFECT_PORT, 4200)."
)


@server_group.command("up")
@_port
@output.guarded
def server_up(port: int | None) -> None:
    """Start the Prefect server in the background (data in .prefect/); create the work pool."""
    from ..dev import prefect_server
    from ..orchestrate.deployments import WORK_POOL

    srv = server(port)
    prefect_server.start(srv)
    if prefect_server.ensure_work_pool(srv):
        output.note(f"created work pool {WORK_POOL!r} (process)")
    output.result(f"UI:  {srv.ui_url}")
    output.result(f"API: {srv.api_url}")
    output.note(f"use it from a shell: export PREFECT_API_URL={srv.api_url}")


@server_group.command("down")
@_port
@output.guarded
def server_down(port: int | None) -> None:
    """Stop the Prefect server this project started."""
    from ..dev import prefect_server

    srv = server(port)
    output.result("stopped" if prefect_server.stop(srv) else "not running")


@server_group.command("status")
@_port
@output.guarded
def server_status(port: int | None) -> None:
    """Print the server's URL and whether it answers; exit 3 when it does not."""
    from ..dev import prefect_server

    srv = server(port)
    running = prefect_server.healthy(srv.api_url)
    output.result(f"api:      {srv.api_url}")
    output.result(f"running:  {'yes' if running else 'no (start it with: odp server up)'}")
    if not running:
        raise click.exceptions.Exit(output.UNREACHABLE)


COMMANDS = [deployments_cmd, server_group]


@click.group("notifications")
def notifications_group() -> None:
    """Failure notifications on the Prefect server at $PREFECT_API_URL (from the profile)."""


@notifications_group.command("apply")
@options.profile
@output.guarded
def notifications_apply(profile: str | None) -> None:
    """Create or replace the notification block and automations the profile asks for."""
    from ..orchestrate.notifications import apply_notifications
    from ..settings import child_environment

    publisher = options.load_profile(profile)
    api = options.settings().prefect_api_url
    if not api:
        from ..errors import ConfigError

        raise ConfigError("PREFECT_API_URL is not set: which Prefect server should notify?")
    for name in apply_notifications(publisher, child_environment()):
        output.result(f"applied {name} on {api}")


COMMANDS.append(notifications_group)
