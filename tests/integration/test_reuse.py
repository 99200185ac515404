"""Reuse by other municipalities: profiles, loadable data packages, aggregation across publishers.

Two example municipalities (examples/kreis-soest, examples/stadt-aachen) publish the
same dataset types as the shipped catalogue, with the shared schemas, under their
own organizations and users on the session portal; only files change, no code.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
import yaml

from opendata_pipeline.ckan import CkanClient
from tests.flowing import run_catalogue
from tests.portal_fixture import Portal
from tests.project import ROOT

pytestmark = pytest.mark.usefixtures("prefect_harness")
FRICTIONLESS = str(Path(sys.executable).parent / "frictionless")


@dataclass
class Region:
    """An example municipality copied under unique names, with its own editor account."""

    example: str
    profile: Path
    org: str
    prefix: str
    client: CkanClient
    token_env: str

    def name(self, folder: str) -> str:
        return self.prefix + folder


def _copy_example(example: str, dest: Path, suffix: str, portal_url: str) -> tuple[Path, str]:
    shutil.copytree(ROOT / "examples" / example, dest)
    profile = yaml.safe_load((dest / "profile.yaml").read_text(encoding="utf-8"))
    org = f"{example}-{suffix}"
    profile["organization"]["name"] = org
    profile["portal_url"] = portal_url
    profile["catalogue"]["name_prefix"] = (
        f"{org}-" if profile["catalogue"].get("name_prefix") else ""
    )
    profile["catalogue"]["package"] = f"{org}-datenpaket"
    profile["catalogue"]["schemas"] = [
        str(ROOT / "schemas") if s == "../../schemas" else s
        for s in profile["catalogue"]["schemas"]
    ]
    profile["token"] = {"env": f"ODP_TEST_TOKEN_{suffix.upper()}", "block": f"tok-{suffix}"}
    (dest / "profile.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), "utf-8")
    return dest / "profile.yaml", org


def _editor_of(portal: Portal, org: str, title: str) -> str:
    """Create ``org`` and a user who may edit only it; return the user's API token."""
    admin = portal.admin
    admin.call("organization_create", name=org, title=title)
    user = f"u-{org}"[:100]
    admin.call(
        "user_create", name=user, email=f"{user}@localhost.invalid", password=uuid.uuid4().hex
    )
    admin.call("organization_member_create", id=org, username=user, role="editor")
    admin.call("group_member_create", id=portal.group, username=user, role="member")
    token: str = admin.call("api_token_create", user=user, name="test")["token"]
    return token


def _publish(region: Region, monkeypatch: pytest.MonkeyPatch, token: str) -> list[Any]:
    monkeypatch.setenv(region.token_env, token)
    monkeypatch.delenv("ODP_CKAN_TOKEN", raising=False)
    monkeypatch.delenv("ODP_CKAN_URL", raising=False)
    return list(run_catalogue(profile=str(region.profile)).outcomes)


@pytest.fixture(scope="module")
def regions(
    portal: Portal, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Region]]:
    """Kreis Soest and Stadt Aachen published with their profiles (each by its own editor)."""
    tmp = tmp_path_factory.mktemp("reuse")
    found = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ODP_CACHE_DIR", str(tmp / "cache"))
        for example in ("kreis-soest", "stadt-aachen"):
            suffix = uuid.uuid4().hex[:6]
            profile, org = _copy_example(example, tmp / example, suffix, portal.url)
            token = _editor_of(portal, org, example)
            region = Region(
                example,
                profile,
                org,
                f"{org}-",
                CkanClient(portal.url, token),
                f"ODP_TEST_TOKEN_{suffix.upper()}",
            )
            outcomes = _publish(region, mp, token)
            assert [(o.dataset, o.status, o.version) for o in outcomes] == [
                (region.name("modellregionen"), "published", "1.0.0"),
                (region.name("veranstaltungen"), "published", "1.0.0"),
            ]
            found[example] = region
        yield found


def _resource(portal: Portal, dataset: str, name_start: str) -> dict[str, Any]:
    pkg = portal.admin.call("package_show", id=dataset)
    found: dict[str, Any] = next(r for r in pkg["resources"] if r["name"].startswith(name_start))
    return found


def test_second_municipality_publishes_the_same_types_under_its_own_organization(
    regions: dict[str, Region], portal: Portal
) -> None:
    soest = regions["kreis-soest"]
    pkg = portal.admin.call("package_show", id=soest.name("veranstaltungen"))
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert pkg["organization"]["name"] == soest.org
    assert [g["name"] for g in pkg["groups"]] == [portal.group]
    assert pkg["license_id"] == "dl-de-by-2.0"
    assert json.loads(extras["politicalGeocodingURI"]) == [
        "http://dcat-ap.de/def/politicalGeocoding/districtKey/05974"
    ]
    assert extras["politicalGeocodingLevelURI"].endswith("/Level/administrativeDistrict")
    assert extras["contact_name"] == "Kreis Soest, Stabsstelle Digitalisierung (Beispiel)"
    assert extras["contact_email"] == "opendata@kreis-soest.example"
    assert extras["publisher_name"] == "Kreis Soest (Beispiel)"
    assert json.loads(extras["contributorID"]) == ["http://dcat-ap.de/def/contributors/openNRW"]
    # the shared schema, with its foreign key pointing at this publisher's own region list
    schema = requests.get(_resource(portal, pkg["name"], "Table Schema")["url"], timeout=10).json()
    shared = json.loads((ROOT / "schemas" / "veranstaltungen.schema.json").read_text())
    assert schema["fields"] == shared["fields"]
    assert schema["foreignKeys"] == [
        {
            "fields": "region_id",
            "reference": {"resource": soest.name("modellregionen"), "fields": "region_id"},
        }
    ]
    csv = requests.get(_resource(portal, pkg["name"], "Daten")["url"], timeout=10).text
    assert [line.split(",")[0] for line in csv.splitlines()[1:]] == [
        "kreis-soest-2026-01",
        "kreis-soest-2026-02",
        "kreis-soest-2026-03",
    ]
    # each editor can write only to its own organization
    aachen = regions["stadt-aachen"]
    assert (
        portal.admin.call("package_show", id=aachen.name("veranstaltungen"))["organization"]["name"]
        == aachen.org
    )
    with pytest.raises(Exception, match="not authorized|Authorization"):
        aachen.client.call("package_patch", id=pkg["id"], title="übernommen")
    assert portal.admin.call("package_show", id=pkg["id"])["title"] == pkg["title"]
    # nothing of the first publisher's catalogue was touched or duplicated
    orgs = {p["organization"]["name"] for p in _all_packages(portal, soest.prefix)}
    assert orgs == {soest.org}


def _all_packages(portal: Portal, prefix: str) -> list[dict[str, Any]]:
    found = portal.admin.call("package_search", q=f"name:{prefix}*", rows=100)["results"]
    return [p for p in found if p["name"].startswith(prefix)]


def _frictionless_validate(url: str) -> dict[str, Any]:
    done = subprocess.run(
        [FRICTIONLESS, "validate", url, "--json"], capture_output=True, text=True, timeout=120
    )
    report: dict[str, Any] = json.loads(done.stdout)
    assert (done.returncode == 0) == report["valid"], done.stderr
    return report


def test_data_packages_validate_and_load_over_the_portal_urls(
    regions: dict[str, Region], portal: Portal, tmp_path: Path
) -> None:
    from frictionless import Package

    soest = regions["kreis-soest"]
    events = soest.name("veranstaltungen")
    dataset_url = _resource(portal, events, "Data Package")["url"]
    catalogue_url = _resource(portal, f"{soest.org}-datenpaket", "Data Package")["url"]
    for url in (dataset_url, catalogue_url):
        report = _frictionless_validate(url)
        assert report["valid"], json.dumps(report["tasks"], indent=1)[:3000]
        assert report["stats"]["tasks"] == 2  # events + the region list they reference

    catalogue = Package(catalogue_url)
    assert sorted(catalogue.resource_names) == [soest.name("modellregionen"), events]
    frame = catalogue.get_table_resource(events).to_pandas()
    assert len(frame) == 3 and set(frame["region_id"]) == {"soest"}
    assert catalogue.get_resource(events).schema.foreign_keys[0]["reference"]["resource"] == (
        soest.name("modellregionen")
    )
    # pandas from the URLs alone: the descriptor names every table's download URL
    descriptor = requests.get(catalogue_url, timeout=10).json()
    tables = {r["name"]: pd.read_csv(r["path"], dtype=str) for r in descriptor["resources"]}
    assert len(tables[soest.name("modellregionen")]) == 5
    assert tables[events]["veranstaltung_id"].tolist() == [
        "kreis-soest-2026-01",
        "kreis-soest-2026-02",
        "kreis-soest-2026-03",
    ]

    # the foreign key really is checked: point the region list at a copy without Soest
    regions_csv = requests.get(tables_path(descriptor, soest.name("modellregionen")), timeout=10)
    kept = [row for row in regions_csv.text.splitlines() if not row.startswith("soest,")]
    (tmp_path / "regionen.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    for res in descriptor["resources"]:
        if res["name"] == soest.name("modellregionen"):
            res["path"] = "regionen.csv"  # next to the descriptor
            res.pop("hash")
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    broken = subprocess.run(
        [FRICTIONLESS, "validate", str(tmp_path / "datapackage.json"), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    report = json.loads(broken.stdout)
    errors = [e for t in report["tasks"] for e in t["errors"]]
    assert broken.returncode != 0, report
    assert [(e["type"], e["rowNumber"]) for e in errors] == [
        ("foreign-key", n) for n in (2, 3, 4)
    ], report


def tables_path(descriptor: dict[str, Any], name: str) -> str:
    path: str = next(r["path"] for r in descriptor["resources"] if r["name"] == name)
    return path


def test_statewide_events_aggregate_both_regions_keeping_each_rows_origin(
    regions: dict[str, Region], portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suffix = uuid.uuid4().hex[:6]
    profile, org = _copy_example("nrw-veranstaltungen", tmp_path / "nrw", suffix, portal.url)
    folder = tmp_path / "nrw" / "datasets" / "veranstaltungen-nrw"
    declaration = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
    for source in declaration["sources"]:
        region = regions[source["mapping"]["constants"]["herkunft"]]
        source["portal"] = portal.url
        source["dataset"] = region.name("veranstaltungen")
    (folder / "dataset.yaml").write_text(yaml.safe_dump(declaration, allow_unicode=True), "utf-8")
    token = _editor_of(portal, org, "Land (Test)")
    state = Region(
        "nrw", profile, org, "", CkanClient(portal.url, token), f"ODP_TEST_TOKEN_{suffix.upper()}"
    )
    monkeypatch.setenv("ODP_CACHE_DIR", str(tmp_path / "cache"))
    [outcome] = _publish(state, monkeypatch, token)
    assert (outcome.dataset, outcome.status, outcome.version) == (
        "veranstaltungen-nrw",
        "published",
        "1.0.0",
    )
    pkg = portal.admin.call("package_show", id="veranstaltungen-nrw")
    assert pkg["organization"]["name"] == org
    data = requests.get(_resource(portal, pkg["name"], "Daten")["url"], timeout=10)
    frame = pd.read_csv(io.BytesIO(data.content), dtype=str, encoding="utf-8")
    origin = {
        name: _resource(portal, region.name("veranstaltungen"), "Daten")["url"]
        for name, region in regions.items()
    }
    assert frame[["herkunft", "veranstaltung_id", "herkunft_url"]].values.tolist() == [
        ["kreis-soest", "kreis-soest-2026-01", origin["kreis-soest"]],
        ["kreis-soest", "kreis-soest-2026-02", origin["kreis-soest"]],
        ["kreis-soest", "kreis-soest-2026-03", origin["kreis-soest"]],
        ["stadt-aachen", "stadt-aachen-2026-01", origin["stadt-aachen"]],
        ["stadt-aachen", "stadt-aachen-2026-02", origin["stadt-aachen"]],
    ]
    # every other column is the region's row, unchanged
    soest = pd.read_csv(origin["kreis-soest"], dtype=str)
    mine = frame[frame["herkunft"] == "kreis-soest"].drop(columns=["herkunft", "herkunft_url"])
    assert mine.fillna("").to_dict("records") == soest[mine.columns].fillna("").to_dict("records")
    # the changelog names both sources with their sha256
    changelog = requests.get(
        _resource(portal, pkg["name"], "Versionsgeschichte (changelog.json)")["url"], timeout=10
    )
    sources = changelog.json()["versions"][0]["sources"]
    assert sorted(s["uri"] for s in sources) == sorted(origin.values())
    assert _frictionless_validate(_resource(portal, pkg["name"], "Data Package")["url"])["valid"]
