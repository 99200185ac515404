"""``odp portal`` and ``odp demo``: a local CKAN portal and the whole demo on this machine."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import click

from . import options, output
from .orchestration import server

if TYPE_CHECKING:
    from ..dev.kind import PortalKind
    from ..dev.layout import Layout

DEMO_WORKER = "odp-demo"


def layout(
    name: str | None = None, port: int | None = None, kind: PortalKind | None = None
) -> Layout:
    """A local portal instance of this project (default: $ODP_PORTAL_NAME, else ``local``)."""
    from ..dev.layout import Layout

    settings = options.settings()
    home = settings.portal_home or options.project().root / ".portal"
    return Layout.of(home, name or settings.portal_name, port or settings.portal_port, kind)


_name = click.option(
    "--name", default=None, help="Instance name; its databases carry it (default: local)."
)
_port = click.option(
    "--port", type=int, default=None, help="TCP port on 127.0.0.1 (default: saved, else 5050)."
)


@click.group("portal")
def portal_group() -> None:
    """The local CKAN portal (CKAN 2.12, PostgreSQL, Redis, no Solr) for development."""


def _portal_up(
    name: str | None, port: int | None, extra: tuple[str, ...], kind: PortalKind | None = None
) -> Layout:
    from ..dev.bootstrap import local_profiles
    from ..dev.portal import up

    instance = layout(name, port, kind)
    up(instance, local_profiles(options.project(), list(extra), output.note), output.note)
    return instance


@portal_group.command("up")
@_name
@_port
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    help="Also create this profile's organization and group (repeatable).",
)
@click.option(
    "--ckan",
    "ckan_version",
    type=click.Choice(["2.10", "2.11", "2.12"]),
    default=None,
    help="CKAN version of a new instance (default: 2.12; 2.10 and 2.11 need --stock).",
)
@click.option(
    "--stock",
    is_flag=True,
    default=None,
    help="A stock portal as municipalities run it: without ckanext-odp (see README).",
)
@click.option(
    "--xloader",
    is_flag=True,
    default=None,
    help="With --stock: the portal also runs ckanext-xloader and CKAN's jobs worker.",
)
@output.guarded
def portal_up(
    name: str | None,
    port: int | None,
    profiles: tuple[str, ...],
    ckan_version: str | None,
    stock: bool | None,
    xloader: bool | None,
) -> None:
    """Install, start and bootstrap the portal; print its URL.

    Creates the organization and theme group of every profile in profiles/ whose
    portal is on this machine, and the publishing user as their editor. An existing
    instance keeps the CKAN version and plugins it was created with.
    """
    kind = None
    if ckan_version or stock or xloader:
        from ..dev.kind import DEFAULT_CKAN, PortalKind

        kind = PortalKind(ckan_version or DEFAULT_CKAN, bool(stock), bool(xloader))
    output.result(_portal_up(name, port, profiles, kind).url)


@portal_group.command("down")
@_name
@output.guarded
def portal_down(name: str | None) -> None:
    """Stop the portal (its data stays)."""
    from ..dev.portal import stop

    output.result("stopped" if stop(layout(name), output.note) else "not running")


@portal_group.command("status")
@_name
@output.guarded
def portal_status(name: str | None) -> None:
    """Print URL, CKAN version, plugins and health; exit 3 unless running and healthy."""
    from ..dev.portal import status

    st = status(layout(name))
    output.result(f"url:      {st.url}")
    if not st.running:
        output.result("running:  no (start it with: odp portal up)")
        raise click.exceptions.Exit(output.UNREACHABLE)
    output.result("running:  yes")
    output.result(f"ckan:     {st.ckan_version}")
    output.result(f"plugins:  {' '.join(st.plugins)}")
    for check, ok in st.health.items():
        output.result(f"health:   {check}: {'ok' if ok else 'FAILING'}")
    if not all(st.health.values()):
        raise click.exceptions.Exit(output.UNREACHABLE)


@portal_group.command("reset")
@_name
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@output.guarded
def portal_reset(name: str | None, yes: bool) -> None:
    """Stop the portal and wipe its databases, files and tokens."""
    from ..dev.portal import reset

    instance = layout(name)
    if not yes:
        click.confirm(
            f"Wipe portal '{instance.name}' ({instance.db_main}, {instance.instance_dir})?",
            abort=True,
        )
    reset(instance, output.note)
    output.result("reset")


@click.group("demo", invoke_without_command=True)
@click.pass_context
@output.guarded
def demo_group(ctx: click.Context) -> None:
    """Run the demo: local portal, Prefect server, deployments, a worker, then publish.

    Everything keeps running (schedules fire while the worker is up); stop it all
    with: odp demo down.
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..dev import prefect_server

    instance = _portal_up(None, None, ())
    publisher = options.load_profile(None)
    output.result(f"Portal:  {instance.url}")
    output.result(f"Group:   {instance.url}/group/{publisher.group.name}")
    srv = server()
    prefect_server.start(srv)
    prefect_server.ensure_work_pool(srv)
    output.result(f"Prefect: {srv.ui_url}")
    deployed = subprocess.run(
        [prefect_server.prefect_command(), "--no-prompt", "deploy", "--all"],
        cwd=options.project().root,
        env=srv.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if deployed.returncode != 0:
        raise click.ClickException("prefect deploy failed:\n" + deployed.stdout[-2000:])
    worker = prefect_server.start_worker(srv, DEMO_WORKER)
    output.result(f"Worker:  {DEMO_WORKER} (pid {worker.pid()}, log {worker.logfile})")
    from .publishing import report, run_flow

    report(run_flow((), None, instance.url, False, False), dry_run=False)


@demo_group.command("down")
@output.guarded
def demo_down() -> None:
    """Stop the demo's worker, Prefect server and local portal (their data stays)."""
    from ..dev import prefect_server
    from ..dev.portal import stop

    srv = server()
    stopped = [
        ("worker", prefect_server.worker(srv, DEMO_WORKER).stop()),
        ("Prefect server", prefect_server.stop(srv)),
        ("portal", stop(layout(), output.note)),
    ]
    for what, was_running in stopped:
        output.result(f"{what}: {'stopped' if was_running else 'not running'}")


COMMANDS = [portal_group, demo_group]
