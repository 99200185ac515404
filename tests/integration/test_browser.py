"""A real browser finds a published dataset through the group page and downloads its CSV."""

from __future__ import annotations

from pathlib import Path

from tests.browser import Browser
from tests.integration.test_publish import _publish
from tests.portal_fixture import Portal
from tests.publishing import ROWS


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
    assert saved.read_bytes() == release.data
    assert result.version == "1.0.0"
