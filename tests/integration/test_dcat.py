"""DCAT-AP.de 3.0 output of the real portal: zero SHACL violations, licences, harvest round trip.

Publishes the demo catalogue and the second profile (examples/kreis-soest) under a
name prefix of their own (so other tests' datasets are untouched), adds distributions
of other formats that the publisher does not write today (XLSX, Markdown), then checks
every exported document with this project's shapes and the vocabulary snapshots, and
harvests the output with ckanext-dcat's own parser in the portal's virtualenv.
"""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from rdflib import Graph, Namespace, URIRef

from opendata_pipeline import steps
from opendata_pipeline.catalogue import License
from opendata_pipeline.ckan import CkanClient
from opendata_pipeline.errors import ConfigError, PortalNotFound
from opendata_pipeline.profile import PublisherProfile
from opendata_pipeline.publish.licenses import read_portal_license
from tests.dcat import findings
from tests.portal_fixture import Portal
from tests.project import ROOT, catalogue, load_profile
from tests.publishing import destination, publish_all

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
EU = "http://publications.europa.eu/resource/authority/"
DL_BY = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"


@dataclass
class Published:
    """The datasets this module published, by profile, and the extra distributions."""

    names: dict[str, list[str]]
    extra: dict[str, str]
    """Format -> URL of a distribution added by hand (no licence, no mimetype)."""


def _prefixed(profile: PublisherProfile, prefix: str) -> PublisherProfile:
    catalogue = profile.catalogue.model_copy(update={"name_prefix": prefix})
    return profile.model_copy(update={"catalogue": catalogue})


def _publish(
    client: CkanClient, portal: Portal, profile: PublisherProfile, cache: Path
) -> list[str]:
    datasets = catalogue(profile)
    target = destination(portal.url, profile.organization.name, portal.group)
    workspace = steps.Workspace(profile.catalogue_root, cache)
    applied = publish_all(client, datasets, target, workspace)
    assert {slug: a.version for slug, a in applied.items()} == dict.fromkeys(datasets, "1.0.0")
    return sorted(datasets)


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["region_id", "name"])
    book.active.append(["soest", "Soest"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def published(portal: Portal, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    cache = tmp_path_factory.mktemp("dcat-cache")
    demo = _prefixed(load_profile(), "dcat-")
    soest = _prefixed(load_profile(str(ROOT / "examples/kreis-soest/profile.yaml")), "dcat-ks-")
    try:
        portal.admin.call("organization_show", id=soest.organization.name)
    except PortalNotFound:
        portal.admin.call(
            "organization_create", name=soest.organization.name, title=soest.organization.title
        )
    names = {
        "default": _publish(portal.publisher, portal, demo, cache),
        "kreis-soest": _publish(portal.admin, portal, soest, cache),
    }
    extra = {}
    for fmt, body, name in (
        ("XLSX", _xlsx(), "modellregionen.xlsx"),
        ("md", b"# Versionsgeschichte\n\n- 1.0.0\n", "versionsgeschichte.md"),
    ):
        res = portal.publisher.call(
            "resource_create",
            files={"upload": (name, body)},
            package_id="dcat-modellregionen",
            name=f"Zusatz ({fmt})",
            format=fmt,
        )
        extra[fmt] = res["url"]
    yield Published(names, extra)


def _get(portal: Portal, path: str) -> str:
    resp = portal.anonymous().get(portal.url + path)
    assert resp.status_code == 200, path
    return resp.content.decode("utf-8")


# The session portal also holds other tests' datasets (some deliberately bare): the catalog
# is read for this module's datasets, all named dcat-..., with CKAN's own search filter.
CATALOG = "/catalog.ttl?q=name:dcat-*"


def _documents(portal: Portal, published: Published) -> dict[str, str]:
    docs = {"/catalog.ttl": _get(portal, CATALOG)}
    for names in published.names.values():
        for name in names:
            docs[f"/dataset/{name}.ttl"] = _get(portal, f"/dataset/{name}.ttl")
    return docs


def test_every_export_has_zero_violations_vocabularies_included(
    portal: Portal, published: Published
) -> None:
    docs = _documents(portal, published)
    assert len(docs) == 1 + len(published.names["default"]) + len(published.names["kreis-soest"])
    results = {
        path: findings(Graph().parse(data=text, format="turtle")) for path, text in docs.items()
    }
    assert results == {path: [] for path in docs}


def test_distributions_of_any_format_get_iris_and_the_dataset_licence(
    portal: Portal, published: Published
) -> None:
    g = Graph().parse(data=_get(portal, "/dataset/dcat-modellregionen.ttl"), format="turtle")
    by_url = {str(g.value(d, DCAT.downloadURL)): d for d in g.subjects(DCAT.downloadURL, None)}
    for fmt, code, media in (
        ("XLSX", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("md", "MARKDOWN", "text/markdown"),
    ):
        dist = by_url[published.extra[fmt]]
        assert g.value(dist, DCT["format"]) == URIRef(EU + "file-type/" + code)
        assert g.value(dist, DCAT.mediaType) == URIRef(
            "https://www.iana.org/assignments/media-types/" + media
        )
        assert list(g.objects(dist, DCT.license)) == [URIRef(DL_BY)]


def test_every_demo_dataset_has_an_open_licence_with_a_title(
    portal: Portal, published: Published
) -> None:
    for name in published.names["default"]:
        pkg = portal.anonymous().call("package_show", id=name)
        assert (pkg["license_id"], pkg["license_title"], pkg["isopen"]) == (
            "dl-de-by-2.0",
            "Datenlizenz Deutschland Namensnennung 2.0",
            True,
        ), name
        assert pkg["license_url"] == DL_BY


def test_a_licence_the_portal_does_not_know_stops_the_publisher(portal: Portal) -> None:
    unknown = License(id="my-licence", uri="http://dcat-ap.de/def/licenses/does-not-exist")
    with pytest.raises(ConfigError) as caught:
        read_portal_license(portal.publisher, unknown, None)
    assert "http://dcat-ap.de/def/licenses/does-not-exist" in str(caught.value)
    assert "dl-de-by-2.0" in str(caught.value)  # names what the portal offers
    known = License(id="whatever", uri=DL_BY + "/")
    assert read_portal_license(portal.publisher, known, None).id == "dl-de-by-2.0"


def _harvest(portal: Portal, turtle: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(portal.layout.bin("python")), str(ROOT / "tests" / "dcat_harvest.py")],
        input=turtle,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


def test_harvesting_with_ckanext_dcat_keeps_what_govdata_needs(
    portal: Portal, published: Published
) -> None:
    turtle = _get(portal, "/dataset/dcat-veranstaltungen.ttl")
    (harvested,) = _harvest(portal, turtle)
    source = portal.anonymous().call("package_show", id="dcat-veranstaltungen")
    extras = {e["key"]: e["value"] for e in harvested["extras"]}
    assert harvested["title"] == source["title"]
    assert harvested["notes"] == source["notes"]
    assert harvested["version"] == source["version"] == "1.0.0"
    assert (extras["publisher_name"], extras["publisher_type"]) == (
        "Digitale Modellregionen NRW",
        "http://purl.org/adms/publishertype/RegionalAuthority",
    )
    assert (extras["contact_name"], extras["contact_url"]) == (
        "Ministerium für Wirtschaft, Innovation, Digitalisierung und Energie des Landes NRW",
        "https://www.wirtschaft.nrw/digitale-modellregionen",
    )
    assert sorted(json.loads(extras["theme"])) == [
        EU + "data-theme/GOVE",
        EU + "data-theme/TECH",
    ]
    assert extras["spatial_uri"] == "http://dcat-ap.de/def/politicalGeocoding/stateKey/05"
    assert extras["access_rights"] == EU + "access-right/PUBLIC"
    assert extras["frequency"] == EU + "frequency/IRREG"
    resources = {r["download_url"]: r for r in harvested["resources"]}
    assert set(resources) == {r["url"] for r in source["resources"]}
    for original in source["resources"]:
        got = resources[original["url"]]
        assert got["license"] == DL_BY
        assert got["format"] == EU + "file-type/" + original["format"].upper()
        assert got["size"] == original["size"]
        assert got["hash"] == original["sha256"]


def test_the_catalogue_harvests_too(portal: Portal, published: Published) -> None:
    harvested = _harvest(portal, _get(portal, CATALOG))
    titles = {d["title"] for d in harvested}
    wanted = {
        portal.anonymous().call("package_show", id=name)["title"]
        for names in published.names.values()
        for name in names
    }
    assert wanted <= titles


def test_dataset_page_shows_german_labels_and_the_api_keeps_machine_values(
    portal: Portal, published: Published
) -> None:
    page = _get(portal, "/dataset/dcat-veranstaltungen")
    for text in (
        "Aktualisierungsfrequenz",
        "unregelmäßig",
        "Regierung und öffentlicher Sektor, Wissenschaft und Technologie",
        "Land 05",
        "Zeitraum von",
        "09.11.2020",
        "Datenlizenz Deutschland Namensnennung 2.0",
    ):
        assert text in page, text
    assert "odp_slug" not in page
    extras = {
        e["key"]: e["value"]
        for e in portal.anonymous().call("package_show", id="dcat-veranstaltungen")["extras"]
    }
    assert extras["frequency"] == EU + "frequency/IRREG"
    assert extras["temporal_start"] == "2020-11-09"
