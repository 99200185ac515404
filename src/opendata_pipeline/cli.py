"""The ``odp`` command line for data stewards."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .catalogue import load_catalogue
from .errors import ConfigError, OdpError
from .gather.core import GatherContext
from .gather.http import HttpCache
from .localportal import manager
from .localportal.layout import Layout, project_root
from .publish.connect import portal_client, publish_target
from .publish.step import Outcome, list_versions, publish_datasets
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
    """Gather, validate and publish the Digitale Modellregionen NRW open data to CKAN."""


@main.group()
def portal() -> None:
    """Manage the local CKAN portal (CKAN 2.12, PostgreSQL, Redis, no Solr)."""


_name_option = click.option(
    "--name",
    default="local",
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
@_fail_on_odp_errors
def portal_up(name: str, port: int | None) -> None:
    """Install, start and bootstrap the portal; print its URL."""
    layout = Layout.default(name, port)
    manager.up(layout, _log)
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
@_fail_on_odp_errors
def validate(target: str, schema_path: Path | None, json_path: Path | None, cap: int) -> None:
    """Validate a dataset (by slug) or a CSV file against its Table Schema.

    Prints a Markdown summary; exits 1 when there are errors.
    """
    root = _project_root()
    path = Path(target)
    if path.is_file():
        schema_path = schema_path or root / "schemas" / f"{path.stem}.schema.json"
        if not schema_path.exists():
            raise ConfigError(f"No schema for {path}: looked at {schema_path}; pass --schema.")
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        reports = [validate_path(path, schema, cap)]
        if schema.get("foreignKeys"):
            _log("Note: foreign keys are checked only when validating by dataset slug.")
    else:
        catalogue = load_catalogue(root)
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


_portal_url_option = click.option(
    "--portal-url",
    default=None,
    help="CKAN base URL (default: $ODP_CKAN_URL, else the local portal).",
)


def _publish(slugs: tuple[str, ...], portal_url: str | None, dry_run: bool) -> dict[str, Outcome]:
    root = _project_root()
    catalogue = load_catalogue(root)
    unknown = [s for s in slugs if s not in catalogue]
    if unknown:
        raise ConfigError(
            f"unknown dataset(s) {unknown} (datasets: {', '.join(sorted(catalogue))})"
        )
    target = publish_target(portal_url)
    client = portal_client(target)
    ctx = GatherContext(root, HttpCache(root / ".cache" / "http"))
    # publish_datasets orders by foreign keys itself.
    return publish_datasets(
        catalogue, list(slugs or catalogue), ctx, target, client, dry_run, log=_log
    )


def _report_outcomes(outcomes: dict[str, Outcome], dry_run: bool) -> None:
    for outcome in outcomes.values():
        if outcome.result is not None:
            res = outcome.result
            if dry_run:
                click.echo(res.plan.to_text())
            else:
                click.echo(f"{res.slug}: {res.plan.headline()} -> {res.version}  {res.url}")
    failed = [o for o in outcomes.values() if not o.ok]
    for outcome in failed:
        click.secho(f"FAILED {outcome.slug}: {outcome.error}", fg="red", err=True)
    if failed:
        sys.exit(1)


@main.command("plan")
@click.argument("slugs", nargs=-1)
@_portal_url_option
@_fail_on_odp_errors
def plan_cmd(slugs: tuple[str, ...], portal_url: str | None) -> None:
    """Show what publishing would change on the portal; writes nothing.

    SLUGS default to the whole catalogue.
    """
    _report_outcomes(_publish(slugs, portal_url, dry_run=True), dry_run=True)


@main.command("publish")
@click.argument("slugs", nargs=-1)
@_portal_url_option
@_fail_on_odp_errors
def publish_cmd(slugs: tuple[str, ...], portal_url: str | None) -> None:
    """Gather, validate and publish datasets (default: the whole catalogue).

    Exits 1 if any dataset failed; the others are still published.
    """
    _report_outcomes(_publish(slugs, portal_url, dry_run=False), dry_run=False)


@main.command("versions")
@click.argument("slug")
@_portal_url_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_fail_on_odp_errors
def versions_cmd(slug: str, portal_url: str | None, as_json: bool) -> None:
    """List the versions the portal holds for a dataset, with sha256 and download URL."""
    target = publish_target(portal_url)
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
    click.echo(f"Group:  {layout.url}/group/digitale-daten")
    outcomes = _publish((), layout.url, dry_run=False)
    _report_outcomes(outcomes, dry_run=False)


if __name__ == "__main__":
    main()
