"""``odp publish`` of the whole demo catalogue through a :class:`FlakyProxy`, and a check of
what the portal holds afterwards. Used by the integration test (a few seeds) and by
``scripts/fault_campaign.py`` (seeds 1 to 20)."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from click.testing import CliRunner

from opendata_pipeline.cli import main
from opendata_pipeline.errors import PortalNotFound
from opendata_pipeline.publish.state import download, list_versions, read_state
from tests.catalogues import derive_catalogue, profile_for
from tests.flakyproxy import FlakyProxy
from tests.portal_fixture import Portal
from tests.project import ROOT


@dataclass
class FaultRun:
    """What one seeded run did and what the portal holds after it."""

    seed: int
    exit_code: int
    seconds: float
    requests: int
    faults: dict[str, int]
    output: str
    problems: list[str] = field(default_factory=list)
    """Every way the portal's end state differs from exactly one complete version 1.0.0."""


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def publish_through_faults(portal: Portal, tmp: Path, seed: int, rate: float = 0.3) -> FaultRun:
    """Publish a fresh copy of the catalogue with ``odp publish`` through a flaky proxy."""
    suffix = uuid.uuid4().hex[:6]
    names = derive_catalogue(ROOT, tmp / "catalogue", lambda s: f"{s}-{suffix}")
    profile = profile_for(tmp / "catalogue", tmp / "profile.yaml")
    raw = yaml.safe_load(profile.read_text(encoding="utf-8"))
    raw["catalogue"]["package"] = f"datenpaket-{suffix}"
    profile.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    env = {"ODP_CACHE_DIR": str(tmp / "cache"), "ODP_CKAN_TOKEN": portal.publisher_token}
    args = ["publish", "--profile", str(profile)]
    with _environment(env), FlakyProxy(portal.layout.port, seed, rate) as proxy:
        start = time.monotonic()
        cli = CliRunner().invoke(main, [*args, "--portal-url", proxy.url])
        seconds = time.monotonic() - start
    run = FaultRun(seed, cli.exit_code, seconds, proxy.requests, dict(proxy.faults), cli.output)
    run.problems = end_state_problems(portal, sorted(names.values()), f"datenpaket-{suffix}")
    return run


def end_state_problems(portal: Portal, names: list[str], package: str) -> list[str]:
    """How the portal differs from one complete version 1.0.0 per dataset (empty: none)."""
    problems = []
    for name in names:
        state = read_state(portal.admin, name, datastore_status=False)
        if state.package is None:
            problems.append(f"{name}: not on the portal")
            continue
        versions = [v["version"] for v in list_versions(portal.admin, name)]
        if state.version != "1.0.0" or versions != ["1.0.0"]:
            problems.append(f"{name}: version {state.version}, changelog {versions}")
        archives = [r for r in state.package["resources"] if r.get("odp_role") == "archive"]
        if len(archives) != 1:
            problems.append(f"{name}: {len(archives)} archived versions")
        for res in state.package["resources"]:
            body = download(portal.admin, res["url"])
            if hashlib.sha256(body).hexdigest() != res.get("sha256"):
                problems.append(f"{name}: {res['name']} does not match its sha256")
    try:
        pkg = portal.admin.call("package_show", id=package)
    except PortalNotFound:
        return [*problems, f"{package}: not on the portal"]
    if pkg.get("version") != "1.0.0":
        problems.append(f"{package}: version {pkg.get('version')}")
    return problems
