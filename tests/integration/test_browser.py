"""A real browser: what a person sees on the group page, a dataset page, the preview, the
readable version history and the licence. Screenshots stay in ``test-artifacts/browser/``."""

from __future__ import annotations

import json
import re
from pathlib import Path

from opendata_pipeline.publish.catalogue_package import ROLE as CATALOGUE_ROLE
from tests.browser import Browser
from tests.integration.test_publish import _publish
from tests.portal_fixture import Portal
from tests.project import ROOT
from tests.publishing import ROWS

SHOTS = ROOT / "test-artifacts" / "browser"
LICENCE = [
    "Datenlizenz Deutschland Namensnennung 2.0",
    "http://dcat-ap.de/def/licenses/dl-by-de/2.0",
]


def test_browser_follows_group_to_dataset_and_downloads_csv(portal: Portal, tmp_path: Path) -> None:
    result, _, release = _publish(portal, tmp_path, "pub-browser", ROWS)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with Browser(tmp_path / "profile", downloads) as browser:
        browser.goto(f"{portal.layout.url}/group/{portal.group}")
        assert "Digitale Daten" in browser.run("document.title")
        browser.click('a[href$="/dataset/pub-browser"]')
        assert browser.run("location.pathname") == "/dataset/pub-browser"
        page = browser.run("document.body.innerText")
        assert "1.0.0" in page and "Daten (aktuelle Version)" in page
        browser.click('a.heading[aria-label="Navigate to resource: Daten (aktuelle Version)"]')
        assert "/resource/" in browser.run("location.pathname")
        saved = browser.download('a[href$="/download/pub-browser.csv"]')
    assert saved.name == "pub-browser.csv"
    assert saved.read_bytes() == release.data()
    assert result.version == "1.0.0"


def _texts(browser: Browser, selector: str) -> list[str]:
    script = f"[...document.querySelectorAll({json.dumps(selector)})].map(e => e.innerText.trim())"
    found: list[str] = browser.run(script)
    return found


def _preview_info(browser: Browser) -> str:
    """Open the resource page's preview (its iframe) and return the table's row count line."""
    src = browser.wait_for("document.querySelector('iframe[data-module=\"data-viewer\"]')?.src")
    browser.goto(src)
    info: str = browser.wait_for(
        "(document.querySelector('.dataTables_info, .dt-info') || {}).innerText"
    )
    return info


def test_a_person_reads_group_dataset_preview_history_and_licence(
    portal: Portal, tmp_path: Path
) -> None:
    slug, url = "pub-page", portal.layout.url
    patched = ROWS.replace("2,Soest,3,", "2,Soest,4,") + "4,Aachen,1,2020-11-30,false\n"
    latest = patched.replace("3,Wuppertal,,2020-11-23,true\n", "") + "5,Soest,2,2020-12-07,true\n"
    for rows in (ROWS, patched, latest):
        result, _, _ = _publish(portal, tmp_path, slug, rows)
    assert result.version == "1.0.2"
    # a catalogue data package, modified last, so CKAN alone would list it first
    portal.admin.call(
        "package_create",
        name=f"{slug}-datenpaket",
        title="Datenpaket: alle Testdaten",
        owner_org=portal.org,
        groups=[{"name": portal.group}],
        license_id="dl-de-by-2.0",
        resources=[
            {
                "name": "Data Package",
                "url": "http://example.org/dp.json",
                "odp_role": CATALOGUE_ROLE,
            }
        ],
    )
    with Browser(tmp_path / "profile", tmp_path / "downloads") as browser:
        browser.goto(f"{url}/group/{portal.group}?q=name:{slug}*")
        browser.screenshot(SHOTS / "1-gruppe.png")
        assert "2 Datensätze gefunden" in browser.run("document.body.innerText")
        listed = browser.run(
            "[...document.querySelectorAll('.dataset-heading a')].map(a => a.pathname)"
        )
        assert listed == [f"/dataset/{slug}", f"/dataset/{slug}-datenpaket"]

        browser.click(f'.dataset-heading a[href$="/dataset/{slug}"]')
        browser.screenshot(SHOTS / "2-datensatz.png")
        page = browser.run("document.body.innerText")
        for label in (
            "Daten und Ressourcen",
            "Zusätzliche Informationen",
            "Herausgeber",
            "Kategorien",
        ):
            assert label in page, label
        assert "Data and Resources" not in page and "Additional Info" not in page
        resources = _texts(browser, ".resource-item .heading")
        archives = [r.split("\n")[0].strip() for r in resources if r.startswith("Version ")]
        assert archives == ["Version 1.0.2 (CSV)", "Version 1.0.1 (CSV)", "Version 1.0.0 (CSV)"]
        assert resources[0].startswith("Daten (aktuelle Version)")
        versions = _texts(browser, ".notes li")
        assert [v.split()[0] for v in versions] == ["1.0.2", "1.0.1", "1.0.0"]
        assert versions[0].endswith("4 Zeilen (1 neu, 1 entfernt, 0 geändert)")
        licence = browser.run(
            "(() => { const a = document.querySelector('a[rel=\"dc:rights\"]');"
            " return [a.innerText.trim(), a.href]; })()"
        )
        assert licence == LICENCE

        browser.click('a.heading[aria-label="Navigate to resource: Daten (aktuelle Version)"]')
        page = browser.run("document.body.innerText")
        assert "Zusätzliche Informationen" in page and "Erstellt" in page
        assert "Show more" not in page and "unbekannt" not in page
        assert "Datenlizenz Deutschland Namensnennung 2.0" in page
        info = _preview_info(browser)
        browser.screenshot(SHOTS / "3-vorschau.png")
        assert re.search(r"\bvon 4 Einträgen", info), info

        browser.goto(f"{url}/dataset/{slug}")
        browser.click('a.heading[aria-label="Navigate to resource: Version 1.0.0 (CSV)"]')
        assert re.search(r"\bvon 3 Einträgen", _preview_info(browser))

        browser.goto(f"{url}/dataset/{slug}")
        browser.click('a.heading[aria-label="Navigate to resource: Versionsgeschichte"]')
        browser.screenshot(SHOTS / "4-versionsgeschichte.png")
        headings = _texts(browser, ".notes h4")
        assert [h.split()[1] for h in headings] == ["1.0.2", "1.0.1", "1.0.0"]
        newest = browser.run("document.querySelector('.notes h4 + ul').innerText")
        assert "neu: id: 5; ort: Soest; betrag: 2; datum: 2020-12-07; aktiv: true" in newest
        assert "entfernt: id: 3; ort: Wuppertal; betrag: (leer)" in newest
        page = browser.run("document.body.innerText")
        assert "Es gibt noch keine Darstellungen" not in page

        browser.goto(f"{url}/dataset/{slug}")
        browser.click('a.heading[aria-label="Navigate to resource: Validierungsbericht"]')
        browser.screenshot(SHOTS / "5-validierungsbericht.png")
        page = browser.run("document.body.innerText")
        assert "Ergebnis: gültig. 4 Zeilen geprüft, keine Fehler." in page
        assert "id (Kennung): ganze Zahl, Pflichtfeld" in page
