"""``odp plan``, ``odp publish``, ``odp versions``, ``odp package``: the portal side."""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import TYPE_CHECKING, Any

import click

from . import options, output

if TYPE_CHECKING:
    from ..ckan import CkanClient
    from ..orchestrate.summary import RunResult
    from ..profile import PublisherProfile


def _prefect_api() -> str | None:
    """$PREFECT_API_URL, else the project's own server if it runs, else None (temporary)."""
    from ..dev.prefect_server import PrefectServer, healthy

    settings = options.settings()
    if settings.prefect_api_url:
        return settings.prefect_api_url
    server = PrefectServer(options.project().root / ".prefect", settings.prefect_port)
    return server.api_url if healthy(server.api_url) else None


def _quiet_prefect() -> None:
    """Keep Prefect's console log off the terminal (runs still send every log to the API)."""
    from prefect.logging.handlers import PrefectConsoleHandler

    for logger in (logging.getLogger(), logging.getLogger("prefect")):
        for handler in logger.handlers:
            if isinstance(handler, PrefectConsoleHandler):
                handler.setLevel(logging.CRITICAL + 1)


def run_flow(
    slugs: tuple[str, ...],
    profile: str | None,
    portal_url: str | None,
    dry_run: bool,
    fan_out: bool,
    allow_draft: bool = False,
) -> RunResult:
    """Run ``publish-dataset`` (one slug) or ``publish-catalogue`` in this process.

    The run is recorded on the Prefect API :func:`_prefect_api` names.

    Raises:
        OdpError: the run could not start (settings, profile, catalogue).
    """
    api = _prefect_api()
    output.note(f"Prefect: {api or 'temporary server (start one: odp server up)'}")
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )

    from ..flows import publish_catalogue, publish_dataset
    from ..orchestrate.summary import run_result

    if not output.verbose():
        _quiet_prefect()
    # the flows send their own heartbeats (orchestrate.heartbeat); Prefect's engine would
    # hold every run's end for up to a second waiting for its heartbeat thread
    updates: dict[Any, Any] = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    if api:
        updates[PREFECT_API_URL] = api
    with temporary_settings(updates=updates):
        if len(slugs) == 1 and not fan_out:
            state = publish_dataset(
                slugs[0], dry_run, profile, portal_url, allow_draft, return_state=True
            )
        else:
            state = publish_catalogue(
                list(slugs) or None,
                dry_run,
                fan_out,
                profile,
                portal_url,
                allow_draft,
                return_state=True,
            )
    return run_result(state)


def report(result: RunResult, dry_run: bool) -> None:
    """Print one line per dataset (plans with their details), the package, a summary; exit."""
    for outcome in result.outcomes:
        if outcome.status == "failed":
            output.problem(outcome.line())
        elif dry_run and outcome.details:
            output.result(outcome.details)
        else:
            output.result(outcome.line())
    if result.package is not None:
        package = result.package
        version = f", version {package.version}" if package.version else ""
        output.result(f"catalogue package: {package.action}{version}  {package.url}")
    if result.package_error:
        output.problem(f"catalogue package: FAILED: {result.package_error}")
    counts = Counter(
        "would change"
        if dry_run and o.status == "planned" and "unchanged" not in o.summary
        else "unchanged"
        if "unchanged" in o.summary
        else o.status
        for o in result.outcomes
    )
    output.result(output.summary(counts.items()))
    kinds = [o.kind or "failed" for o in result.failed]
    if result.package_error:
        kinds.append(result.package_kind)
    code = output.exit_code_for(kinds)
    if code:
        raise click.exceptions.Exit(code)


@click.command("plan")
@options.apply(options.slugs, options.profile, options.portal_url, options.fan_out)
@output.guarded
def plan_cmd(
    slugs: tuple[str, ...], profile: str | None, portal_url: str | None, fan_out: bool
) -> None:
    """Show what publishing would change on the portal; write nothing.

    SLUGS (CKAN names) default to the whole catalogue. Needs no token for public datasets.
    """
    report(run_flow(slugs, profile, portal_url, True, fan_out), dry_run=True)


@click.command("publish")
@options.apply(
    options.slugs, options.profile, options.portal_url, options.fan_out, options.allow_draft
)
@output.guarded
def publish_cmd(
    slugs: tuple[str, ...],
    profile: str | None,
    portal_url: str | None,
    fan_out: bool,
    allow_draft: bool,
) -> None:
    """Gather, validate, plan and apply: publish datasets (default: the whole catalogue).

    A dataset that fails does not stop the others; one still drafted by odp init is
    refused unless --allow-draft.
    """
    report(run_flow(slugs, profile, portal_url, False, fan_out, allow_draft), dry_run=False)


def reader(profile: PublisherProfile, portal_url: str | None) -> tuple[CkanClient, str]:
    """A client for reading the publisher's portal (with the token if one is found)."""
    from ..ckan import CkanClient
    from ..ckan.token import find_token
    from ..publish.destination import destination

    settings = options.settings()
    target = destination(profile, portal_url, settings.ckan_url)
    token, _ = find_token(target.token, target.profile_file, settings)
    secret = token.get_secret_value() if token else None
    client = CkanClient(target.portal_url, secret, retry_seconds=settings.portal_retry_seconds)
    return client, target.portal_url


@click.command("versions")
@click.argument("slug")
@options.apply(options.profile, options.portal_url, options.as_json)
@output.guarded
def versions_cmd(slug: str, profile: str | None, portal_url: str | None, as_json: bool) -> None:
    """List the versions the portal holds for a dataset, with sha256 and download URL."""
    from ..publish.state import list_versions

    client, _ = reader(options.load_profile(profile), portal_url)
    versions = list_versions(client, slug)
    if as_json:
        output.result(json.dumps(versions, indent=2, ensure_ascii=False))
        return
    if not versions:
        output.result(f"{slug}: no published version")
        return
    for v in versions:
        output.result(f"{v['version']:<8} {v['published_at']}  sha256:{v['sha256']}  {v['url']}")


@click.command("package")
@options.apply(options.profile, options.portal_url)
@output.guarded
def package_cmd(profile: str | None, portal_url: str | None) -> None:
    """Print the URL of the publisher's catalogue data package (datapackage.json)."""
    from ..errors import ConfigError
    from ..publish.catalogue_package import current_resource

    publisher = options.load_profile(profile)
    client, _ = reader(publisher, portal_url)
    pkg = client.call("package_show", id=publisher.package_name)
    resource = current_resource(pkg)
    if resource is None:
        raise ConfigError(f"{publisher.package_name} has no datapackage.json yet: run odp publish")
    output.result(resource["url"])


COMMANDS = [plan_cmd, publish_cmd, versions_cmd, package_cmd]
