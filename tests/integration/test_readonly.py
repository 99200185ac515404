"""Reading needs no token: plan, versions and package read public datasets anonymously."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from opendata_pipeline.cli import main
from tests.flowing import catalogue_copy, run_catalogue
from tests.portal_fixture import Portal

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_plan_versions_and_package_work_without_a_token(
    portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cat = catalogue_copy(tmp_path, monkeypatch, portal.url, portal.publisher_token)
    published = run_catalogue(**cat.params())
    assert {o.status for o in published.outcomes} == {"published"}
    package_version = published.package.version
    monkeypatch.delenv("ODP_CKAN_TOKEN")  # from here on, no token anywhere
    from prefect.settings import PREFECT_API_URL

    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
    runner = CliRunner()
    common = ["--profile", cat.profile, "--portal-url", portal.url]
    plan = runner.invoke(main, ["plan", *common])
    assert plan.exit_code == 0, plan.output
    for new in cat.names.values():
        assert f"{new}: unchanged (portal: 1.0.0)" in plan.output
    assert f"catalogue package: unchanged, version {package_version}" in plan.output
    slug = cat.names["projekte"]
    versions = runner.invoke(main, ["versions", slug, *common])
    assert versions.exit_code == 0, versions.output
    assert versions.output.startswith("1.0.0 ") and "/download/" in versions.output
    package = runner.invoke(main, ["package", *common])
    assert package.exit_code == 0, package.output
    assert package.output.strip().endswith("/download/datapackage.json")
    # writing does need one, and says where it looked
    publish = runner.invoke(main, ["publish", slug, *common])
    assert publish.exit_code == 2, publish.output
    assert "No CKAN API token found" in publish.output and "Traceback" not in publish.output
