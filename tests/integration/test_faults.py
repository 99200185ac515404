"""The command line under faults: 30 % of portal requests fail (503, reset, answer lost),
and a portal that does not answer at all. The full campaign (seeds 1-20) is
``scripts/fault_campaign.py``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from opendata_pipeline.cli import main
from tests.catalogues import profile_for
from tests.fault_runs import publish_through_faults
from tests.portal_fixture import Portal, free_port
from tests.project import ROOT

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(autouse=True)
def _recorded_on_the_harness(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_API_URL

    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_publish_succeeds_when_30_percent_of_requests_fail(
    portal: Portal, tmp_path: Path, seed: int
) -> None:
    run = publish_through_faults(portal, tmp_path, seed)
    assert sum(run.faults.values()) >= 3, run.faults  # the faults really happened
    assert run.exit_code == 0, run.output
    assert run.problems == []
    assert "4 datasets: 4 published" in run.output
    assert "catalogue package: created, version 1.0.0" in run.output


def test_an_unreachable_portal_exits_3_with_one_line_per_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    profile = profile_for(ROOT, tmp_path / "profile.yaml")
    monkeypatch.setenv("ODP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ODP_CKAN_TOKEN", "odp-unreachable-canary-0123456789")
    monkeypatch.setenv("ODP_PORTAL_RETRY_SECONDS", "2")
    args = ["--profile", str(profile), "--portal-url", closed]
    cli = CliRunner().invoke(main, ["publish", "modellregionen", *args])
    assert cli.exit_code == 3, cli.output
    lines = cli.output.splitlines()
    failed = [line for line in lines if "FAILED" in line]
    assert len(failed) == 2, cli.output  # the dataset and the catalogue package
    assert re.fullmatch(
        r"modellregionen: FAILED at plan: (status|package)_show: portal at "
        rf"{closed} did not answer \(connection refused\) "
        r"\(gave up after \d+ attempt\(s\) in \d+ s\)",
        failed[0],
    ), failed[0]
    assert "Traceback" not in cli.output
    assert "odp-unreachable-canary-0123456789" not in cli.output

    versions = CliRunner().invoke(main, ["versions", "modellregionen", *args])
    assert versions.exit_code == 3, versions.output
    assert versions.output.count("\n") == 1 and "Traceback" not in versions.output
    assert re.match(
        rf"error: (status|package)_show: portal at {closed} did not answer ", versions.output
    )
