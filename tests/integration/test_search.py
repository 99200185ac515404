"""The PostgreSQL search plugin answers CKAN's package_search like Solr would."""

from __future__ import annotations

import time
from typing import Any

import pytest

from opendata_pipeline.ckan import CkanClient
from opendata_pipeline.errors import PortalRejected
from tests.portal_fixture import Portal

P = "pgs-"  # every dataset of this module starts with it


def names(result: dict[str, Any]) -> list[str]:
    return [d["name"] for d in result["results"]]


def search(client: CkanClient, **kw: Any) -> list[str]:
    """Names of this module's datasets that a search returns, in order."""
    kw.setdefault("rows", 100)
    return names(client.call("package_search", fq_list=[f"+name:{P}*"], **kw))


@pytest.fixture(scope="module")
def corpus(portal: Portal) -> dict[str, dict[str, Any]]:
    admin, pub = portal.admin, portal.publisher
    other_org = admin.call("organization_create", name=f"{P}andere-kommune", title="Andere Kommune")
    specs: list[dict[str, Any]] = [
        dict(
            name=f"{P}luft",
            title="Luftqualität Messnetz",
            notes="Stündliche Messwerte.",
            tags=["umwelt", "luft"],
            groups=[portal.group],
            license_id="cc-by",
            formats=["CSV"],
            extras={"raumbezug": "Wuppertal"},
        ),
        dict(
            name=f"{P}haushalt",
            title="Haushaltsplan",
            notes="Enthält Angaben zur Luftqualität.",
            tags=["finanzen"],
            groups=[],
            license_id="dl-de-by-2.0",
            formats=["XLSX", "JSON"],
            extras={"raumbezug": "Soest"},
        ),
        dict(
            name=f"{P}termine",
            title="Veranstaltungen der Modellregionen",
            notes="Digitale Reise durch die Modellregionen NRW",
            tags=["umwelt", "termine"],
            groups=[portal.group],
            license_id="cc-by",
            formats=["CSV", "ICS"],
            extras={"raumbezug": "Aachen"},
            private=True,
        ),
        dict(
            name=f"{P}entwurf",
            title="Zwischenstand Entwurf",
            notes="Noch nicht fertig.",
            tags=["finanzen"],
            groups=[],
            license_id="cc-zero",
            formats=["CSV"],
            extras={},
            state="draft",
        ),
    ]
    made: dict[str, dict[str, Any]] = {}
    for spec in specs:
        # Editors cannot create drafts directly; a sysadmin can, in the same organization.
        client = admin if spec.get("state") == "draft" else pub
        made[spec["name"]] = client.call(
            "package_create",
            name=spec["name"],
            title=spec["title"],
            notes=spec["notes"],
            owner_org=portal.org,
            license_id=spec["license_id"],
            private=spec.get("private", False),
            state=spec.get("state", "active"),
            tags=[{"name": t} for t in spec["tags"]],
            groups=[{"name": g} for g in spec["groups"]],
            extras=[{"key": k, "value": v} for k, v in spec["extras"].items()],
            resources=[
                {
                    "url": f"http://example.invalid/{i}.{f.lower()}",
                    "format": f,
                    "name": f"Datei {f}",
                }
                for i, f in enumerate(spec["formats"])
            ],
        )
    made[f"{P}fremd"] = admin.call(
        "package_create",
        name=f"{P}fremd",
        title="Zahlen einer anderen Kommune",
        notes="Aus Paderborn.",
        owner_org=other_org["name"],
        license_id="cc-by",
        tags=[{"name": "finanzen"}],
        resources=[{"url": "http://example.invalid/x.csv", "format": "CSV"}],
    )
    time.sleep(0.05)
    # Touch one dataset last, for the metadata_modified sort.
    pub.call("package_patch", id=f"{P}haushalt", notes="Enthält Angaben zur Luftqualität. Neu.")
    return made


def test_free_text_over_name_title_notes_tags_and_extras(portal: Portal, corpus: Any) -> None:
    anon = portal.anonymous()
    assert search(anon, q="messnetz") == [f"{P}luft"]  # title
    assert search(anon, q="Angaben") == [f"{P}haushalt"]  # notes
    assert set(search(anon, q="finanzen")) == {f"{P}haushalt", f"{P}fremd"}
    assert search(anon, q="Soest") == [f"{P}haushalt"]  # extras
    assert search(anon, q="haushalt") == [f"{P}haushalt"]  # name
    # All words must match for short queries (mm 2<-1), and stemming applies.
    assert search(anon, q="Messwerte luft") == [f"{P}luft"]
    assert search(anon, q="Messwerte haushaltsplan") == []
    assert search(anon, q="luft -messnetz") == []
    assert search(anon, q='"Angaben zur Luftqualität"') == [f"{P}haushalt"]


def test_field_terms(portal: Portal, corpus: dict[str, Any]) -> None:
    anon = portal.anonymous()
    luft = corpus[f"{P}luft"]
    assert search(anon, q=f"id:{luft['id']}") == [f"{P}luft"]
    assert search(anon, q=f"name:{P}haushalt") == [f"{P}haushalt"]
    assert search(anon, q="tags:luft") == [f"{P}luft"]
    assert set(search(anon, q="res_format:CSV")) == {f"{P}luft", f"{P}fremd"}
    assert search(anon, q="license_id:dl-de-by-2.0") == [f"{P}haushalt"]
    assert search(anon, q=f"organization:{P}andere-kommune") == [f"{P}fremd"]
    assert set(search(anon, q=f"groups:{portal.group}")) == {f"{P}luft"}
    assert len(search(anon, q="dataset_type:dataset")) == 3
    assert search(anon, q="capacity:public", fq="tags:luft") == [f"{P}luft"]
    assert search(anon, q="title:Haushaltsplan") == [f"{P}haushalt"]


def test_fq_operators_and_quoting(portal: Portal, corpus: Any) -> None:
    anon = portal.anonymous()
    assert set(search(anon, fq="+tags:(luft OR finanzen)")) == {
        f"{P}luft",
        f"{P}haushalt",
        f"{P}fremd",
    }
    assert set(search(anon, fq="+tags:finanzen -organization:pgs-andere-kommune")) == {
        f"{P}haushalt"
    }
    assert set(search(anon, fq='+res_format:"XLSX" OR license_id:"cc-by"')) == {
        f"{P}haushalt",
        f"{P}luft",
        f"{P}fremd",
    }
    assert search(anon, fq='+(tags:luft OR tags:finanzen) +license_id:"dl-de-by-2.0"') == [
        f"{P}haushalt"
    ]
    assert search(anon, fq='groups:"digitale-daten" -tags:umwelt') == []
    assert search(anon, fq="-state:active") == []


def test_state_filter_finds_drafts_for_their_editor(portal: Portal, corpus: Any) -> None:
    got = search(portal.publisher, fq="+state:(active OR draft)", include_drafts=True)
    assert f"{P}entwurf" in got
    assert f"{P}entwurf" not in search(portal.anonymous(), include_drafts=True)


def test_permission_labels_hide_private_datasets(portal: Portal, corpus: Any) -> None:
    anon = portal.anonymous()
    assert f"{P}termine" not in search(anon, include_private=True)
    assert f"{P}termine" in search(portal.publisher, include_private=True)
    outsider = portal.admin.call(
        "user_create",
        name=f"{P}aussen",
        email="a@localhost.invalid",
        password="ein-langes-passwort-123",
    )
    token = portal.admin.call("api_token_create", user=outsider["name"], name="t")["token"]
    assert f"{P}termine" not in search(CkanClient(portal.url, token), include_private=True)
    org_id = corpus[f"{P}termine"]["organization"]["id"]
    assert search(
        portal.publisher,
        include_private=True,
        fq=f'+permission_labels:"member-{org_id}" +capacity:private',
    ) == [f"{P}termine"]


def test_facet_counts(portal: Portal, corpus: Any) -> None:
    res = portal.anonymous().call(
        "package_search", fq=f"name:{P}*", **{"facet.field": ["tags", "res_format", "license_id"]}
    )
    facets = {
        f: {i["name"]: i["count"] for i in res["search_facets"][f]["items"]}
        for f in ("tags", "res_format", "license_id")
    }
    assert facets == {
        "tags": {"umwelt": 1, "luft": 1, "finanzen": 2},
        "res_format": {"CSV": 2, "XLSX": 1, "JSON": 1},
        "license_id": {"cc-by": 2, "dl-de-by-2.0": 1},
    }


def test_sorting(portal: Portal, corpus: Any) -> None:
    anon = portal.anonymous()
    assert search(anon, sort="name asc") == [f"{P}fremd", f"{P}haushalt", f"{P}luft"]
    assert search(anon, sort="name desc") == [f"{P}luft", f"{P}haushalt", f"{P}fremd"]
    assert search(anon, sort="title_string asc") == [f"{P}haushalt", f"{P}luft", f"{P}fremd"]
    assert search(anon, sort="metadata_modified desc")[0] == f"{P}haushalt"
    # A word in the title outranks the same word in the description.
    assert search(anon, q="Luftqualität", sort="score desc, metadata_modified desc") == [
        f"{P}luft",
        f"{P}haushalt",
    ]
    with pytest.raises(PortalRejected):
        anon.call("package_search", sort="name sideways")


def test_paging(portal: Portal, corpus: Any) -> None:
    anon = portal.anonymous()
    pages = [search(anon, sort="name asc", rows=1, start=i) for i in range(4)]
    assert pages == [[f"{P}fremd"], [f"{P}haushalt"], [f"{P}luft"], []]
    res = anon.call("package_search", fq=f"name:{P}*", rows=1)
    assert res["count"] == 3 and len(res["results"]) == 1


def test_group_page_and_group_search_list_the_dataset(portal: Portal, corpus: Any) -> None:
    res = portal.anonymous().call("package_search", fq=f"groups:{portal.group}")
    assert f"{P}luft" in names(res)
    page = portal.anonymous().get(f"{portal.url}/group/{portal.group}")
    assert page.status_code == 200 and f"/dataset/{P}luft" in page.text
    assert f"/dataset/{P}termine" not in page.text  # private


def test_dataset_dcat_export(portal: Portal, corpus: Any) -> None:
    ttl = portal.anonymous().get(f"{portal.url}/dataset/{P}luft.ttl")
    assert ttl.status_code == 200
    text = ttl.content.decode("utf-8")
    assert "dcat:Dataset" in text and "Luftqualität Messnetz" in text
    jsonld = portal.anonymous().get(f"{portal.url}/dataset/{P}luft.jsonld")
    assert jsonld.status_code == 200 and "dcat" in jsonld.text


def test_deleted_dataset_leaves_the_index(portal: Portal, corpus: Any) -> None:
    pub = portal.publisher
    pub.call("package_create", name=f"{P}kurzlebig", owner_org=portal.org, title="Kurzlebig")
    assert search(portal.anonymous(), q="kurzlebig") == [f"{P}kurzlebig"]
    pub.call("package_delete", id=f"{P}kurzlebig")
    assert search(portal.anonymous(), q="kurzlebig") == []
