"""The ``odp`` command line for data stewards."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .catalogue import find_schema
from .ckan_client import CkanClient
from .errors import ConfigError, OdpError
from .gather.core import GatherContext
from .gather.http import HttpCache
from .localportal import manager
from .localportal.layout import Layout, project_root
from .orchestrate import server as prefect_server
from .orchestrate.server import PrefectServer
from .profile import load_profile
from .publish.connect import portal_client, publish_target
from .publish.step import list_versions
from .validate.step import validate_datasets, validate_path


def _log(message: str) -> None:
    click.echo(message, err=True)


def _fail_on_odp_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except OdpError as exc:
            click.secho(f"Error: {exc}", fg="red", err=True)
            sys.exit(2 if exc.transient else 1)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="opendata-pipeline")
def main() -> None:
    """Gather, validate and publish open data to CKAN, one publisher profile at a time."""


@main.group()
def portal() -> None:
    """Manage the local CKAN portal (CKAN 2.12, PostgreSQL, Redis, no Solr)."""


_name_option = click.option(
    "--name",
    default="local",
    envvar="ODP_PORTAL_NAME",
    show_default=True,
    help="Instance name; databases are named after it.",
)
_port_option = click.option(
    "--port",
    type=int,
    default=None,
    help="TCP port on 127.0.0.1 (default: saved, $ODP_PORTAL_PORT or 5050).",
)


@portal.command("up")
@_name_option
@_port_option
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    help="Also create this profile's organization and group (repeatable; profiles/ always).",
)
@_fail_on_odp_errors
def portal_up(name: str, port: int | None, profiles: tuple[str, ...]) -> None:
    """Install, start and bootstrap the portal; print its URL.

    Creates the organization and theme group of every profile in profiles/ that
    publishes to the local portal, and the publishing user as their editor.
    """
    layout = Layout.default(name, port)
    manager.up(layout, _log, profiles)
    click.echo(layout.url)


@portal.command("down")
@_name_option
@_fail_on_odp_errors
def portal_down(name: str) -> None:
    """Stop the portal (its data stays)."""
    layout = Layout.default(name)
    click.echo("stopped" if manager.stop(layout, _log) else "not running")


@portal.command("status")
@_name_option
@_fail_on_odp_errors
def portal_status(name: str) -> None:
    """Print URL, CKAN version, plugins and health; exit 3 when not running."""
    layout = Layout.default(name)
    st = manager.status(layout)
    click.echo(f"url:      {st.url}")
    if not st.running:
        click.echo("running:  no (start it with: odp portal up)")
        sys.exit(3)
    click.echo("running:  yes")
    click.echo(f"ckan:     {st.ckan_version}")
    click.echo(f"plugins:  {' '.join(st.plugins)}")
    for check, ok in st.health.items():
        click.echo(f"health:   {check}: {'ok' if ok else 'FAILING'}")
    if not all(st.health.values()):
        sys.exit(4)


@portal.command("reset")
@_name_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_fail_on_odp_errors
def portal_reset(name: str, yes: bool) -> None:
    """Stop the portal and wipe its databases, files and tokens."""
    layout = Layout.default(name)
    if not yes:
        click.confirm(
            f"Wipe portal '{name}' ({layout.db_main}, {layout.instance_dir})?", abort=True
        )
    manager.reset(layout, _log)
    click.echo("reset")


@main.group("server")
def server_group() -> None:
    """Manage this checkout's Prefect server (UI, deployments, run history) on loopback."""


_prefect_port = click.option(
    "--port", type=int, default=None, help="Port (default: $ODP_PREFECT_PORT or 4200)."
)


@server_group.command("up")
@_prefect_port
@_fail_on_odp_errors
def server_up(port: int | None) -> None:
    """Start the Prefect server in the background (data in .prefect/); print its URLs."""
    server = PrefectServer.default(port)
    prefect_server.start(server)
    if prefect_server.ensure_work_pool(server):
        click.echo(f"Created work pool {prefect_server.WORK_POOL!r} (process)")
    click.echo(f"UI:  {server.ui_url}")
    click.echo(f"API: {server.api_url}")
    click.echo(f"Use it from a shell: export PREFECT_API_URL={server.api_url}")


@server_group.command("down")
@_prefect_port
@_fail_on_odp_errors
def server_down(port: int | None) -> None:
    """Stop the Prefect server this checkout started."""
    click.echo("stopped" if prefect_server.stop(PrefectServer.default(port)) else "not running")


@server_group.command("status")
@_prefect_port
def server_status(port: int | None) -> None:
    """Print the server's URL and whether it answers; exit 3 when it does not."""
    server = PrefectServer.default(port)
    running = prefect_server.healthy(server.api_url)
    click.echo(f"api:      {server.api_url}")
    click.echo(f"running:  {'yes' if running else 'no (start it with: odp server up)'}")
    if not running:
        sys.exit(3)


_profile_option = click.option(
    "--profile",
    default=None,
    help="Publisher profile: a name in profiles/ or a YAML file (default: $ODP_PROFILE, default).",
)


def _project_root() -> Path:
    return project_root()


@main.command("validate")
@click.argument("target")
@click.option(
    "--schema",
    "schema_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Table Schema for a file (default: schemas/<file stem>.schema.json).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the full JSON report here.",
)
@click.option(
    "--cap",
    type=int,
    default=100,
    show_default=True,
    help="Errors kept per error type (totals are always complete).",
)
@_profile_option
@_fail_on_odp_errors
def validate(
    target: str, schema_path: Path | None, json_path: Path | None, cap: int, profile: str | None
) -> None:
    """Validate a dataset (by CKAN name) or a CSV file against its Table Schema.

    Prints a Markdown summary; exits 1 when there are errors.
    """
    root = _project_root()
    publisher = load_profile(profile)
    path = Path(target)
    if path.is_file():
        schema_path = schema_path or find_schema(publisher.schemas_dirs, path.stem)
        if not schema_path.exists():
            raise ConfigError(f"No schema for {path}: looked at {schema_path}; pass --schema.")
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        reports = [validate_path(path, schema, cap)]
        if schema.get("foreignKeys"):
            _log("Note: foreign keys are checked only when validating by dataset slug.")
    else:
        catalogue = publisher.load_catalogue()
        if target not in catalogue:
            raise ConfigError(
                f"{target!r} is neither a file nor a dataset "
                f"(datasets: {', '.join(sorted(catalogue))})."
            )
        ctx = GatherContext(root, HttpCache(root / ".cache" / "http"))
        results = validate_datasets(catalogue, [target], ctx, cap)
        reports = [results[target].report]
    for report in reports:
        click.echo(report.to_markdown())
        if json_path:
            json_path.write_text(report.to_json(), encoding="utf-8")
    if not all(r.valid for r in reports):
        sys.exit(1)


def _progress_listener(stack: contextlib.ExitStack) -> Callable[[Any], None]:
    """A progress bar on a terminal, else one line per finished dataset (both on stderr)."""
    console = Console(stderr=True)
    if not console.is_terminal:

        def line(event: Any) -> None:
            if event.outcome is not None:
                _log(f"[{event.done}/{event.total}] {event.outcome.line()}")

        return line
    bar = stack.enter_context(
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
    )
    task = bar.add_task("datasets", total=None)

    def update(event: Any) -> None:
        last = f"datasets (last: {event.outcome.dataset})" if event.outcome else "datasets"
        bar.update(task, total=event.total, completed=event.done, description=last)

    return update


def _publish(
    slugs: tuple[str, ...],
    portal_url: str | None,
    dry_run: bool,
    fan_out: bool,
    verbose: bool,
    profile: str | None = None,
) -> list[Any]:
    from .orchestrate.entry import connect_prefect, quiet_console, run_publish
    from .orchestrate.progress import listening

    if portal_url:
        os.environ["ODP_CKAN_URL"] = portal_url
    api = connect_prefect()
    _log(f"Prefect: {api}" if api else "Prefect: temporary server (start one: odp server up)")
    if not verbose:
        quiet_console()
    with contextlib.ExitStack() as stack:
        stack.enter_context(listening(_progress_listener(stack)))
        return run_publish(list(slugs), dry_run, fan_out, profile)


def _report_outcomes(outcomes: list[Any]) -> None:
    for outcome in outcomes:
        if outcome.status != "failed":
            click.echo(outcome.line())
    failed = [o for o in outcomes if o.status == "failed"]
    for outcome in failed:
        click.secho(outcome.line(), fg="red", err=True)
    if failed:
        sys.exit(1)


_run_options = [
    click.argument("slugs", nargs=-1),
    _profile_option,
    click.option(
        "--portal-url",
        default=None,
        help="CKAN base URL (default: $ODP_CKAN_URL, Secret block odp-ckan-url, local portal).",
    ),
    click.option(
        "--fan-out",
        is_flag=True,
        help="Run each dataset as its own deployment run (workers share the catalogue).",
    ),
    click.option("-v", "--verbose", is_flag=True, help="Show Prefect's run logs on stderr."),
]


def _with_run_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_run_options):
        fn = option(fn)
    return fn


@main.command("plan")
@_with_run_options
@_fail_on_odp_errors
def plan_cmd(
    slugs: tuple[str, ...],
    profile: str | None,
    portal_url: str | None,
    fan_out: bool,
    verbose: bool,
) -> None:
    """Show what publishing would change on the portal; writes nothing.

    SLUGS (CKAN names) default to the whole catalogue. Runs the publish flows with dry_run.
    """
    _report_outcomes(_publish(slugs, portal_url, True, fan_out, verbose, profile))


@main.command("publish")
@_with_run_options
@_fail_on_odp_errors
def publish_cmd(
    slugs: tuple[str, ...],
    profile: str | None,
    portal_url: str | None,
    fan_out: bool,
    verbose: bool,
) -> None:
    """Gather, validate and publish datasets (default: the whole catalogue).

    Runs the flow publish-dataset (one slug) or publish-catalogue. Exits 1 if any
    dataset failed (the others are still published), 2 if the portal was unreachable.
    """
    _report_outcomes(_publish(slugs, portal_url, False, fan_out, verbose, profile))


@main.group("init")
def init_group() -> None:
    """Start a new dataset or publisher profile (never overwrites a file)."""


@init_group.command("dataset")
@click.argument("slug")
@click.option(
    "--from",
    "sample",
    required=True,
    help="Sample file (CSV, XLSX, JSON) or http(s) URL to infer the draft schema from.",
)
@_profile_option
@_fail_on_odp_errors
def init_dataset_cmd(slug: str, sample: str, profile: str | None) -> None:
    """Write datasets/SLUG/dataset.yaml and a draft schema inferred from a sample."""
    from .scaffold import init_dataset

    publisher = load_profile(profile)
    for path in init_dataset(publisher, slug, sample).files:
        click.echo(f"wrote {path}")
    name = publisher.catalogue.name_prefix + slug
    click.echo(f"next: review the schema, then: odp validate {name} --profile {publisher.name}")


@init_group.command("profile")
@click.argument("name")
@_fail_on_odp_errors
def init_profile_cmd(name: str) -> None:
    """Write profiles/NAME.yaml, a publisher profile to fill in."""
    from .scaffold import init_profile

    for path in init_profile(name).files:
        click.echo(f"wrote {path}")
    click.echo(f"next: fill in the TODO values, then: odp init dataset <slug> --profile {name} ...")


@main.command("deployments")
@_profile_option
@_fail_on_odp_errors
def deployments_cmd(profile: str | None) -> None:
    """Print a Prefect deployment file for a publisher (its datasets on its schedules).

    Save it and deploy: prefect deploy --all --prefect-file prefect.NAME.yaml
    """
    import yaml

    from .orchestrate.deployments import prefect_file

    publisher = load_profile(profile)
    document = prefect_file(publisher, publisher.load_catalogue(), profile or publisher.name)
    click.echo(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), nl=False)


@main.command("package")
@click.option("--portal-url", default=None, help="CKAN base URL (default: as for publish).")
@_profile_option
@_fail_on_odp_errors
def package_cmd(portal_url: str | None, profile: str | None) -> None:
    """Print the URL of the publisher's catalogue data package (datapackage.json)."""
    from .publish.catalogue_package import current_resource

    publisher = load_profile(profile)
    target = publish_target(portal_url, profile=publisher)
    pkg = CkanClient(target.portal_url).call("package_show", id=publisher.package_name)
    resource = current_resource(pkg)
    if resource is None:
        raise ConfigError(f"{publisher.package_name} has no datapackage.json yet: run odp publish")
    click.echo(resource["url"])


@main.command("versions")
@click.argument("slug")
@click.option(
    "--portal-url", default=None, help="CKAN base URL (default: $ODP_CKAN_URL, local portal)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_profile_option
@_fail_on_odp_errors
def versions_cmd(slug: str, portal_url: str | None, as_json: bool, profile: str | None) -> None:
    """List the versions the portal holds for a dataset, with sha256 and download URL."""
    target = publish_target(portal_url, profile=load_profile(profile))
    versions = list_versions(portal_client(target), slug)
    if as_json:
        click.echo(json.dumps(versions, indent=2, ensure_ascii=False))
        return
    if not versions:
        click.echo(f"{slug}: no published version")
        return
    for v in versions:
        click.echo(f"{v['version']:<8} {v['published_at']}  sha256:{v['sha256']}  {v['url']}")


@main.command("demo")
@_port_option
@_fail_on_odp_errors
def demo(port: int | None) -> None:
    """Bring the local portal up and publish the whole catalogue to it."""
    layout = Layout.default("local", port)
    manager.up(layout, _log)
    click.echo(f"Portal: {layout.url}")
    click.echo(f"Group:  {layout.url}/group/{load_profile().group.name}")
    server = PrefectServer.default()
    started = prefect_server.start(server)
    click.echo(f"Prefect: {server.ui_url}" + (" (started)" if started else ""))
    _report_outcomes(_publish((), layout.url, False, False, False))


if __name__ == "__main__":
    main()
