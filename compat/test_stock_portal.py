"""The publish cycle against stock CKAN portals (``make compat``: CKAN 2.11 and 2.10).

A stock portal is what a municipality runs: no ckanext-odp, CKAN's defaults plus
the DataStore, ``datatables_view``, ckanext-dcat, the dcat-ap.de licence list and
pgsearch for Solr (``odp portal up --ckan X --stock``). Every version of the cycle
is checked as a reader finds it: files and their sha256, licence, the readable
history and report, the spreadsheet downloads, and the DataStore tables the
publisher loaded through CKAN's API, with a preview, for the current data and every
archived version.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import requests

from opendata_pipeline.publish.apply import Applied
from opendata_pipeline.publish.artifacts import CURRENT_ROLES
from opendata_pipeline.publish.state import download, list_versions
from opendata_pipeline.validate.step import ValidationFailed
from tests.portal_fixture import Portal
from tests.project import ROOT
from tests.publishing import ROWS, SCHEMA, counted, destination, publish, release_for, sha256

LICENCE = "Datenlizenz Deutschland Namensnennung 2.0"
PATCHED = ROWS.replace("2,Soest,3,", "2,Soest,4,") + "4,Aachen,1,2020-11-30,false\n"


def _publish(
    portal: Portal, tmp: Path, slug: str, rows: str, schema: dict[str, Any] | None = None
) -> tuple[Applied, list[str]]:
    client, counter = counted(portal.url, portal.publisher_token)
    target = destination(portal.url, portal.org, portal.group)
    return publish(client, release_for(tmp, slug, rows, target, schema)), counter.writes


def _roles(pkg: dict[str, Any]) -> list[str]:
    return [f"{r['odp_role']}:{r.get('odp_version')}" for r in pkg["resources"]]


def _by_role(pkg: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["odp_role"]: r for r in pkg["resources"] if r["odp_role"] != "archive"}


def check_version(
    portal: Portal, slug: str, result: Applied, versions: list[str], rows: str
) -> dict[str, Any]:
    """Everything a reader finds for the newest of ``versions`` (newest first)."""
    version = versions[0]
    pkg = portal.anonymous().call("package_show", id=slug)
    assert (pkg["version"], pkg["isopen"], pkg["license_title"]) == (version, True, LICENCE)
    # current files in display order, then the archived versions newest first
    assert _roles(pkg) == [f"{r}:{version}" for r in CURRENT_ROLES] + [
        f"archive:{v}" for v in versions
    ]
    for res in pkg["resources"]:
        assert sha256(download(portal.admin, res["url"])) == res["sha256"], res["name"]
    current = _by_role(pkg)
    data = requests.get(current["data"]["url"], timeout=30)
    assert data.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert data.content == rows.encode()
    excel = download(portal.admin, current["csv_excel"]["url"])
    assert excel.startswith('\ufeff"id";"ort";"betrag";"datum";"aktiv"\r\n'.encode())
    sheet = openpyxl.load_workbook(io.BytesIO(download(portal.admin, current["xlsx"]["url"])))
    table = list(sheet["Daten"].iter_rows(values_only=True))
    assert table[0] == ("id", "ort", "betrag", "datum", "aktiv")
    assert [r[0] for r in table[1:]] == [int(line.split(",")[0]) for line in rows.splitlines()[1:]]
    # the history and the report are readable on the page (descriptions are Markdown)
    history = current["history_md"]["description"]
    headings = [line.split()[2] for line in history.splitlines() if line.startswith("#### ")]
    assert headings == versions
    assert download(portal.admin, current["history_md"]["url"]).decode() == history
    assert "**Ergebnis: gültig.**" in current["report_md"]["description"]
    listed = [line.split("**")[1] for line in pkg["notes"].splitlines() if line.startswith("- **")]
    assert listed == versions[:3]
    check_datastore(portal, pkg, result, rows)
    return pkg


def check_datastore(portal: Portal, pkg: dict[str, Any], result: Applied, rows: str) -> None:
    """The publisher filled the DataStore through CKAN's API: tables and previews everywhere."""
    assert "datastore" in result.steps and result.datastore is not None
    assert result.datastore["path"] == "datastore-api"
    tables = [r for r in pkg["resources"] if r["odp_role"] in ("data", "archive")]
    data = next(r for r in tables if r["odp_role"] == "data")
    found = portal.anonymous().call("datastore_search", resource_id=data["id"], limit=32_000)
    assert found["total"] == len(rows.splitlines()) - 1
    # the rows as the version has them, typed (empty cells are NULL)
    header = rows.splitlines()[0].split(",")
    expected = [dict(zip(header, line.split(","), strict=True)) for line in rows.splitlines()[1:]]
    got = [{k: _text(r[k]) for k in header} for r in found["records"]]
    assert sorted(got, key=lambda r: int(r["id"])) == [
        {k: _text(v or None) for k, v in row.items()} for row in expected
    ]
    # the data dictionary comes from the Table Schema
    info = {f["id"]: f.get("info", {}) for f in found["fields"]}
    assert info["id"]["label"] == "Kennung"
    assert data["odp_datastore_token"]
    for res in tables:
        assert res["datastore_active"] is True, res["name"]
        views = portal.anonymous().call("resource_view_list", id=res["id"])
        assert "datatables_view" in [v["view_type"] for v in views], res["name"]


def _text(value: Any) -> str | None:
    """A cell as text, for comparing the DataStore's typed values with the CSV's."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)[:10] if isinstance(value, str) and "T00:00:00" in value else str(value)


def test_publish_cycle_new_patch_minor_major_noop_invalid(
    stock_portal: Portal, tmp_path: Path
) -> None:
    portal, slug = stock_portal, "compat-cycle"
    assert "odp_publish" not in portal.anonymous().extensions()

    result, _ = _publish(portal, tmp_path, slug, ROWS)
    assert (result.version, result.plan.headline()) == ("1.0.0", "new version 1.0.0")
    check_version(portal, slug, result, ["1.0.0"], ROWS)

    result, _ = _publish(portal, tmp_path, slug, PATCHED)
    assert result.version == "1.0.1"
    pkg = check_version(portal, slug, result, ["1.0.1", "1.0.0"], PATCHED)
    history = _by_role(pkg)["history_md"]["description"]
    assert "geändert (id: 2): betrag: 3 → 4" in history
    assert "neu: id: 4; ort: Aachen; betrag: 1; datum: 2020-11-30; aktiv: false" in history

    minor = json.loads(json.dumps(SCHEMA))
    minor["fields"][1]["constraints"]["enum"].append("Paderborn")
    rows_minor = PATCHED + "5,Paderborn,2,2020-12-01,true\n"
    result, _ = _publish(portal, tmp_path, slug, rows_minor, minor)
    assert result.version == "1.1.0"
    pkg = check_version(portal, slug, result, ["1.1.0", "1.0.1", "1.0.0"], rows_minor)
    assert "kompatibel: field 'ort': enum added" in _by_role(pkg)["history_md"]["description"]

    major = json.loads(json.dumps(minor))
    major["fields"][2]["type"] = "integer"
    rows_major = rows_minor.replace("10.5", "10")
    result, _ = _publish(portal, tmp_path, slug, rows_major, major)
    assert result.version == "2.0.0"
    pkg = check_version(portal, slug, result, ["2.0.0", "1.1.0", "1.0.1", "1.0.0"], rows_major)
    assert "nicht kompatibel: field 'betrag': type" in _by_role(pkg)["history_md"]["description"]

    result, writes = _publish(portal, tmp_path, slug, rows_major, major)
    assert (result.plan.action, result.steps, writes) == ("unchanged", [], [])
    after = portal.admin.call("package_show", id=slug)
    assert after["metadata_modified"] == pkg["metadata_modified"]

    with pytest.raises(ValidationFailed, match="constraint-error"):
        _publish(portal, tmp_path, slug, rows_major.replace("Soest,4", "Köln,-4"), major)
    assert portal.admin.call("package_show", id=slug) == after
    expected = {"1.0.0": ROWS, "1.0.1": PATCHED, "1.1.0": rows_minor, "2.0.0": rows_major}
    for v in list_versions(portal.anonymous(), slug):
        assert download(portal.admin, v["url"]).decode() == expected[v["version"]]


@pytest.mark.usefixtures("prefect_harness")
def test_odp_publish_puts_the_demo_catalogue_on_a_stock_portal(
    stock_portal: Portal, tmp_path: Path
) -> None:
    from prefect.settings import PREFECT_API_URL

    portal = stock_portal
    env = {
        "ODP_CKAN_TOKEN": portal.publisher_token,
        "ODP_CACHE_DIR": str(tmp_path / "cache"),
        # the session's Prefect API, whatever else runs on this machine
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
    }

    def odp(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(ROOT / ".venv" / "bin" / "odp"), *args, "--portal-url", portal.url],
            cwd=ROOT,
            env={**_base_env(), **env},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    first = odp("publish")
    assert first.returncode == 0, first.stderr
    assert "4 datasets: 4 published" in first.stdout
    again = odp("publish")
    assert again.returncode == 0, again.stderr
    assert "4 datasets: 4 unchanged" in again.stdout
    for slug in ("modellregionen", "programm-kennzahlen", "projekte", "veranstaltungen"):
        pkg = portal.anonymous().call("package_show", id=slug)
        assert (pkg["version"], pkg["isopen"], pkg["license_title"]) == ("1.0.0", True, LICENCE)
        ttl = portal.anonymous().get(f"{portal.url}/dataset/{slug}.ttl")
        assert ttl.status_code == 200 and 'dcat:version "1.0.0"' in ttl.text


def _base_env() -> dict[str, str]:
    from opendata_pipeline.settings import child_environment

    return child_environment(drop=("ODP_", "PREFECT_"))
