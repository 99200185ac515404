"""Publishing against the real portal: versions, no-ops, DataStore, DCAT, races, faults."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from opendata_pipeline.errors import OdpError, PortalUnavailable
from opendata_pipeline.publish import apply as apply_module
from opendata_pipeline.publish.artifacts import CURRENT_ROLES
from opendata_pipeline.publish.destination import Destination
from opendata_pipeline.publish.state import download, list_versions, read_state
from opendata_pipeline.validate.step import ValidationFailed
from tests.faultproxy import FaultProxy
from tests.portal_fixture import Portal
from tests.publishing import ROWS, SCHEMA, counted, destination, publish, release_for, sha256


def _target(portal: Portal) -> Destination:
    return destination(portal.layout.url, portal.org, portal.group)


def _publish(portal: Portal, tmp: Path, slug: str, rows: str, schema: dict[str, Any] | None = None):
    client, counter = counted(portal.layout.url, portal.publisher_token)
    release = release_for(tmp, slug, rows, _target(portal), schema)
    return publish(client, release), counter, release


def _resources(portal: Portal, slug: str) -> list[dict[str, Any]]:
    return portal.admin.call("package_show", id=slug)["resources"]


def test_first_publish_holds_every_part_of_a_version(portal: Portal, tmp_path: Path) -> None:
    result, counter, release = _publish(portal, tmp_path, "pub-first", ROWS)
    assert result.plan.headline() == "new version 1.0.0"
    assert result.version == "1.0.0"
    pkg = portal.admin.call("package_show", id="pub-first")
    assert pkg["state"] == "active" and pkg["version"] == "1.0.0"
    assert [g["name"] for g in pkg["groups"]] == [portal.group]
    assert pkg["organization"]["name"] == portal.org
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert extras["version_notes"] == "Erstveröffentlichung (3 Zeilen)."
    roles = sorted(r["odp_role"] for r in pkg["resources"])
    assert roles == sorted([*CURRENT_ROLES, "archive"])
    by_role = {r["odp_role"]: r for r in pkg["resources"]}
    # Every file's bytes match the sha256 the portal lists for it.
    for res in pkg["resources"]:
        body = download(portal.admin, res["url"])
        assert sha256(body) == res["sha256"], res["name"]
    assert download(portal.admin, by_role["data"]["url"]) == release.data()
    assert by_role["data"]["url"].endswith("/download/pub-first.csv")
    package = json.loads(download(portal.admin, by_role["datapackage"]["url"]))
    assert package["version"] == "1.0.0"
    assert package["resources"][0]["hash"] == f"sha256:{release.sha256}"
    assert package["resources"][0]["bytes"] == len(release.data())
    assert package["resources"][0]["schema"] == SCHEMA
    assert package["licenses"][0]["path"] == "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    assert package["sources"][0]["sha256"] == sha256(ROWS.encode())
    report = json.loads(download(portal.admin, by_role["report"]["url"]))
    assert report["version"] == "1.0.0" and report["valid"] is True and report["rows"] == 3
    assert json.loads(download(portal.admin, by_role["schema"]["url"])) == SCHEMA
    assert result.steps == ["create draft", "version 1.0.0", "datastore"]


def test_datastore_is_typed_with_key_and_data_dictionary(portal: Portal, tmp_path: Path) -> None:
    _publish(portal, tmp_path, "pub-typed", ROWS)
    data = next(r for r in _resources(portal, "pub-typed") if r["odp_role"] == "data")
    assert data["datastore_active"] is True
    info = portal.admin.call("datastore_info", id=data["id"], include_fields_schema=True)
    fields = {f["id"]: f for f in info["fields"]}
    assert {k: f["type"] for k, f in fields.items()} == {
        "id": "int8",
        "ort": "text",
        "betrag": "numeric",
        "datum": "date",
        "aktiv": "bool",
    }
    assert fields["id"]["info"] == {"label": "Kennung", "notes": "Laufende Nummer"}
    assert fields["id"]["schema"]["uniquekey"] is True
    assert fields["ort"]["schema"]["uniquekey"] is False
    rows = portal.admin.call("datastore_search", resource_id=data["id"], sort="id")["records"]
    assert [(r["id"], r["ort"], r["betrag"], r["datum"], r["aktiv"]) for r in rows] == [
        (1, "Aachen", 10.5, "2020-11-09", True),
        (2, "Soest", 3, "2020-11-16", False),
        (3, "Wuppertal", None, "2020-11-23", True),
    ]
    found = portal.admin.call("datastore_search", resource_id=data["id"], q="Soest")
    assert [r["id"] for r in found["records"]] == [2]


def test_rerun_without_changes_writes_nothing(portal: Portal, tmp_path: Path) -> None:
    _publish(portal, tmp_path, "pub-noop", ROWS)
    before = portal.admin.call("package_show", id="pub-noop")
    result, counter, _ = _publish(portal, tmp_path, "pub-noop", ROWS)
    assert result.plan.action == "unchanged" and result.steps == []
    assert counter.writes == []
    assert counter.actions == ["status_show", "package_show", "odp_datastore_status"]
    after = portal.admin.call("package_show", id="pub-noop")
    assert after["metadata_modified"] == before["metadata_modified"]


def test_patch_minor_major_sequence_keeps_every_version(portal: Portal, tmp_path: Path) -> None:
    slug = "pub-seq"
    _publish(portal, tmp_path, slug, ROWS)
    ids = {r["odp_role"]: r["id"] for r in _resources(portal, slug) if r["odp_role"] != "archive"}

    patched = ROWS.replace("2,Soest,3,", "2,Soest,4,") + "4,Aachen,1,2020-11-30,false\n"
    result, _, _ = _publish(portal, tmp_path, slug, patched)
    assert (result.plan.headline(), result.version) == ("new version 1.0.1", "1.0.1")
    assert (result.plan.rows.added, result.plan.rows.removed, result.plan.rows.changed) == (1, 0, 1)

    minor = json.loads(json.dumps(SCHEMA))
    minor["fields"][1]["constraints"]["enum"].append("Paderborn")
    minor["fields"].append({"name": "bemerkung", "type": "string", "title": "Bemerkung"})
    rows_minor = (
        "\n".join(
            line + ("," if i else ",bemerkung") for i, line in enumerate(patched.splitlines())
        )
        + "\n"
    )
    result, _, _ = _publish(portal, tmp_path, slug, rows_minor, minor)
    assert result.version == "1.1.0"
    assert {c.level for c in result.plan.schema_changes} == {"minor"}

    major = json.loads(json.dumps(minor))
    major["fields"][2]["type"] = "integer"
    rows_major = rows_minor.replace("10.5", "10")
    result, _, _ = _publish(portal, tmp_path, slug, rows_major, major)
    assert result.version == "2.0.0"
    assert "field 'betrag': type 'number' -> 'integer'" in [
        c.text for c in result.plan.schema_changes
    ]

    # Current resources kept their ids (links in the wild keep working).
    now = {r["odp_role"]: r["id"] for r in _resources(portal, slug) if r["odp_role"] != "archive"}
    assert now == ids
    versions = list_versions(portal.publisher, slug)
    assert [v["version"] for v in versions] == ["2.0.0", "1.1.0", "1.0.1", "1.0.0"]
    expected = {"1.0.0": ROWS, "1.0.1": patched, "1.1.0": rows_minor, "2.0.0": rows_major}
    for v in versions:
        body = download(portal.admin, v["url"])
        assert sha256(body) == v["sha256"]
        assert body.decode() == expected[v["version"]]
    archives = [r for r in _resources(portal, slug) if r["odp_role"] == "archive"]
    assert sorted(r["odp_version"] for r in archives) == ["1.0.0", "1.0.1", "1.1.0", "2.0.0"]


def test_invalid_data_is_refused_and_published_version_stays(
    portal: Portal, tmp_path: Path
) -> None:
    slug = "pub-invalid"
    _publish(portal, tmp_path, slug, ROWS)
    before = portal.admin.call("package_show", id=slug)
    with pytest.raises(ValidationFailed) as caught:
        _publish(portal, tmp_path, slug, ROWS.replace("Soest,3", "Köln,-3"))
    message = str(caught.value)
    assert f"dataset {slug}" in message and "constraint-error" in message and "row 3" in message
    after = portal.admin.call("package_show", id=slug)
    assert after == before


def test_concurrent_publishers_get_distinct_versions(
    portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slug = "pub-race"
    _publish(portal, tmp_path, slug, ROWS)
    barrier = threading.Barrier(2, timeout=30)
    real = apply_module.publish_version
    waited: set[int] = set()

    def racing(*args: Any) -> Any:
        if threading.get_ident() not in waited:  # both planned from 1.0.0 before either writes
            waited.add(threading.get_ident())
            barrier.wait()
        return real(*args)

    monkeypatch.setattr(apply_module, "publish_version", racing)
    results: dict[str, Any] = {}

    def run(name: str, rows: str) -> None:
        results[name] = _publish(portal, tmp_path / name, slug, rows)[0]

    a = ROWS.replace("10.5", "11")
    b = ROWS.replace("10.5", "12")
    threads = [threading.Thread(target=run, args=(n, r)) for n, r in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = sorted(r.version for r in results.values())
    assert got == ["1.0.1", "1.0.2"]
    versions = list_versions(portal.publisher, slug)
    assert [v["version"] for v in versions] == ["1.0.2", "1.0.1", "1.0.0"]
    assert {v["sha256"] for v in versions[:2]} == {sha256(a.encode()), sha256(b.encode())}


def _check_converged(portal: Portal, slug: str, version: str, rows: str) -> None:
    state = read_state(portal.admin, slug, datastore_status=True)
    assert state.version == version
    assert state.sha256("data") == sha256(rows.encode())
    names = [r["name"] for r in state.package["resources"]]
    assert len(names) == len(set(names)), names
    archives = [r["odp_version"] for r in state.archives]
    assert len(archives) == len(set(archives))
    assert state.datastore["sha256"] == sha256(rows.encode())
    log = list_versions(portal.admin, slug)
    assert len({v["version"] for v in log}) == len(log) == len(archives)


def test_cut_connection_at_every_request_then_rerun_converges(
    portal: Portal, tmp_path: Path
) -> None:
    slug = "pub-faults"
    _publish(portal, tmp_path, slug, ROWS)
    upstream = portal.layout.port
    target = _target(portal)

    def rows_for(n: int) -> str:
        return ROWS.replace("10.5", f"{n}.25")

    with FaultProxy(upstream) as proxy:  # count the requests of one clean publish
        client, _ = counted(proxy.url, portal.publisher_token)
        publish(client, release_for(tmp_path, slug, rows_for(0), target))
        total = proxy.count
    print(f"requests in one publish: {total}")
    assert total >= 5
    version = (1, 0, 1)
    n = raised = 0
    for k in range(1, total + 1):
        for mode in ("request", "response"):
            n += 1
            before = f"{version[0]}.{version[1]}.{version[2]}"
            release = release_for(tmp_path, slug, rows_for(n), target)
            with FaultProxy(upstream, cut_at=k, mode=mode) as proxy:
                # one attempt per request, so that the cut really interrupts the run
                client, _ = counted(proxy.url, portal.publisher_token, retry_seconds=0)
                try:
                    publish(client, release)
                except PortalUnavailable:
                    raised += 1
            state = read_state(portal.admin, slug, datastore_status=False)
            assert state.version in (before, f"1.0.{version[2] + 1}"), (k, mode)
            previous = state.archive_for(before)
            assert (
                previous is not None
                and sha256(download(portal.admin, previous["url"])) == previous["sha256"]
            )
            client, _ = counted(portal.layout.url, portal.publisher_token)
            result = publish(client, release)
            version = (1, 0, version[2] + 1)
            assert result.version == f"1.0.{version[2]}", (k, mode, result.steps)
            _check_converged(portal, slug, result.version, rows_for(n))
    assert raised >= total  # the cuts really interrupted the runs (each k, both modes)


def test_publisher_error_names_what_to_do(portal: Portal, tmp_path: Path) -> None:
    release = release_for(tmp_path, "pub-denied", ROWS, _target(portal))
    client, _ = counted(portal.layout.url, "not-a-valid-token-123456")
    with pytest.raises(OdpError) as caught:
        publish(client, release)
    assert not caught.value.transient
    assert "not-a-valid-token-123456" not in str(caught.value)


def test_dcat_export_shows_dcat_ap_de_fields(portal: Portal, tmp_path: Path) -> None:
    _publish(portal, tmp_path, "pub-dcat", ROWS)
    resp = portal.admin.get(f"{portal.layout.url}/dataset/pub-dcat.ttl")
    assert resp.status_code == 200
    ttl = resp.text
    schema = next(r for r in _resources(portal, "pub-dcat") if r["odp_role"] == "schema")
    for expected in (
        "dcatde:contributorID <http://dcat-ap.de/def/contributors/openNRW>",
        "dct:spatial <http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05974040>",
        "dcatde:politicalGeocodingLevelURI <http://dcat-ap.de/def/politicalGeocoding/"
        "Level/municipality>",
        "<http://publications.europa.eu/resource/authority/data-theme/GOVE>",
        "<http://publications.europa.eu/resource/authority/data-theme/TECH>",
        "dct:license <http://dcat-ap.de/def/licenses/dl-by-de/2.0>",
        f"dct:conformsTo <{schema['url']}>",
        'dcat:version "1.0.0"',
        "opendata@example.org",
        "Stadt Soest",
    ):
        assert expected in ttl, expected
    # The portal group stays a CKAN group; it does not become a DCAT theme URI.
    assert "data-theme/DIGITALE-DATEN" not in ttl.upper()
    # Deprecated in DCAT-AP.de 3.0 (issue 18).
    assert "politicalGeocodingURI" not in ttl and "owl:versionInfo" not in ttl


def test_readers_never_see_an_empty_or_partial_table(portal: Portal, tmp_path: Path) -> None:
    slug = "pub-readers"
    old = "id,ort,betrag,datum,aktiv\n" + "".join(
        f"{i},Soest,{i},2020-11-09,true\n" for i in range(1, 3001)
    )
    new = old + "".join(f"{i},Aachen,{i},2020-11-16,false\n" for i in range(3001, 6001))
    _publish(portal, tmp_path, slug, old)
    data = next(r for r in _resources(portal, slug) if r["odp_role"] == "data")
    seen: list[int] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            result = portal.admin.call("datastore_search", resource_id=data["id"], limit=0)
            seen.append(result["total"])

    reader = threading.Thread(target=read)
    reader.start()
    try:
        result, _, _ = _publish(portal, tmp_path, slug, new)
    finally:
        done.set()
        reader.join()
    assert result.steps == ["version 1.0.1", "datastore"]
    assert len(seen) > 3
    assert set(seen) <= {3000, 6000}, sorted(set(seen))
    after = portal.admin.call("datastore_search", resource_id=data["id"], limit=0)
    assert after["total"] == 6000
