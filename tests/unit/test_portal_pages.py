"""ckanext-odp's page helpers (pure) and the local portal's kinds: project or stock CKAN."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from opendata_pipeline.dev.ckanconfig import ckan_settings, infrastructure
from opendata_pipeline.dev.kind import STOCK_PLUGINS, PortalKind, installed_extensions
from opendata_pipeline.dev.layout import Layout, load_state
from opendata_pipeline.errors import ConfigError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "portal" / "ckanext-odp"))

from ckanext.odp import pages  # noqa: E402


def _res(role: str | None, version: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": f"{role}-{version}", "odp_role": role, "odp_version": version, **extra}


def test_dataset_page_lists_the_newest_five_archives_and_counts_the_rest() -> None:
    current = [_res(r) for r in ("data", "xlsx", "history_md", "changelog")]
    archives = [_res("archive", f"1.0.{i}") for i in range(8)]
    own = _res(None, name="Stadtplan")
    listing = pages.resource_listing([*current, *reversed(archives), own])
    assert [r["id"] for r in listing.shown] == [
        "data-None",
        "xlsx-None",
        "history_md-None",
        "changelog-None",
        "archive-1.0.7",
        "archive-1.0.6",
        "archive-1.0.5",
        "archive-1.0.4",
        "archive-1.0.3",
        "None-None",
    ]
    assert (listing.hidden_archives, listing.history) == (3, current[2])
    few = pages.resource_listing([_res("data"), _res("archive", "1.0.0")])
    assert ([r["id"] for r in few.shown], few.hidden_archives, few.history) == (
        ["data-None", "archive-1.0.0"],
        0,
        None,
    )


def test_resource_fields_in_german_without_bookkeeping() -> None:
    resource = {
        "id": "abc",
        "package_id": "p",
        "position": 3,
        "url_type": "upload",
        "odp_role": "archive",
        "hash_algorithm": "http://spdx.org/rdf/terms#checksumAlgorithm_sha256",
        "has_views": True,
        "odp_version": "1.0.1",
        "odp_rows": 12345,
        "format": "CSV",
        "mimetype": "text/csv; charset=utf-8",
        "size": 1798,
        "created": "2026-11-22T01:21:41.566363",
        "last_modified": None,
        "odp_published_at": "2026-11-22T01:21:41+00:00",
        "sha256": "c4f4",
        "conforms_to": json.dumps(["http://p/schema.json"]),
        "datastore_active": True,
        "eigenes_feld": "Wert",
    }
    assert pages.resource_rows(resource) == [
        pages.Row("Version", "1.0.1"),
        pages.Row("Zeilen", "12.345"),
        pages.Row("Format", "CSV"),
        pages.Row("Dateityp", "text/csv; charset=utf-8"),
        pages.Row("Größe", "1,8 KiB"),
        pages.Row("Veröffentlicht", "22.11.2026, 02:21 Uhr"),
        pages.Row("Erstellt", "22.11.2026, 02:21 Uhr"),
        pages.Row("Prüfsumme (SHA-256)", "c4f4"),
        pages.Row("Entspricht dem Schema", "http://p/schema.json", "http://p/schema.json"),
        pages.Row(
            "Tabelle in der DataStore-API",
            "ja (Abfrage über die API)",
            "/api/3/action/datastore_search?resource_id=abc",
        ),
        pages.Row("eigenes_feld", "Wert"),
    ]
    # never "unbekannt": a resource without ``created`` shows when it was published
    bare = pages.resource_rows({"odp_published_at": "2026-01-01T12:00:00+00:00"})
    assert pages.Row("Erstellt", "01.01.2026, 13:00 Uhr") in bare


def test_catalogue_package_comes_after_the_tables_unless_a_reader_sorts() -> None:
    package = {"name": "x-datenpaket", "resources": [{"odp_role": "catalogue-package"}]}
    tables = [{"name": n, "resources": [{"odp_role": "data"}]} for n in ("a", "b")]
    found = [package, *tables]
    assert [p["name"] for p in pages.tables_first(found)] == ["a", "b", "x-datenpaket"]
    assert pages.tables_first(found, "score desc, metadata_modified desc")[-1] is package
    assert pages.tables_first(found, "title_string asc") == found


def test_stock_portal_sets_only_what_a_municipal_portal_configures(tmp_path: Path) -> None:
    stock = Layout.of(tmp_path, "s", 5099, PortalKind("2.11", stock=True))
    state = {"password_rw": "a", "password_ro": "b"}
    settings = ckan_settings(stock, state)
    own = {k: v for k, v in settings.items() if k not in infrastructure(stock, state)}
    assert own == {
        "ckan.plugins": STOCK_PLUGINS,
        "ckan.max_resource_size": "1024",
        "licenses_group_url": f"file://{stock.assets / 'licenses' / 'dcat-ap-de.json'}",
    }
    assert STOCK_PLUGINS.split() == [
        "activity",
        "datastore",
        "datatables_view",
        "pgsearch",
        "dcat",
        "dcat_json_interface",
        "structured_data",
    ]
    project = ckan_settings(Layout.of(tmp_path, "p", 5098), state)
    assert "odp_publish" in project["ckan.plugins"] and project["ckan.locale_default"] == "de"
    assert (stock.venv.name, stock.lock_file.name) == ("venv-2.11", "requirements-2.11.lock")
    assert stock.lock_file.is_file()
    plugins = sorted(p for p in stock.assets.glob("ckanext-*"))
    assert [p.name for p in installed_extensions(stock.kind, plugins)] == ["ckanext-pgsearch"]
    assert installed_extensions(PortalKind("2.12", stock=True), plugins) == plugins


def test_an_instance_keeps_its_kind(tmp_path: Path) -> None:
    stock = Layout.of(tmp_path, "k", 5097, PortalKind("2.10", stock=True))
    load_state(stock)
    again = Layout.of(tmp_path, "k")
    assert (again.kind, again.port, again.kind.activity_migrations) == (stock.kind, 5097, False)
    with pytest.raises(ConfigError, match="runs CKAN 2.10 \\(stock\\), not CKAN 2.12"):
        load_state(Layout.of(tmp_path, "k", 5097, PortalKind()))
    with pytest.raises(ConfigError, match="add --stock"):
        PortalKind("2.11")
    with pytest.raises(ConfigError, match="one of 2.10, 2.11, 2.12"):
        PortalKind("2.9", stock=True)


def test_a_stock_portal_with_xloader_adds_only_xloader_and_its_settings(tmp_path: Path) -> None:
    kind = PortalKind("2.12", stock=True, xloader=True)
    layout = Layout.of(tmp_path, "x", 5096, kind)
    state = {"password_rw": "a", "password_ro": "b"}
    settings = ckan_settings(layout, state)
    assert settings["ckan.plugins"] == STOCK_PLUGINS + " xloader"
    assert settings["ckanext.xloader.jobs_db.uri"].startswith("sqlite:///")
    assert "ckanext.xloader.api_token" not in settings  # none before the admin token exists
    layout.admin_token_file.parent.mkdir(parents=True)
    layout.admin_token_file.write_text("tok\n")
    assert ckan_settings(layout, state)["ckanext.xloader.api_token"] == "tok"
    assert (layout.venv.name, layout.lock_file.name) == (
        "venv-xloader",
        "requirements-xloader.lock",
    )
    assert "ckanext-xloader==" in layout.lock_file.read_text()
    load_state(layout)
    assert Layout.of(tmp_path, "x").kind == kind
    with pytest.raises(ConfigError, match="xloader runs on a stock CKAN 2.12 portal"):
        PortalKind("2.12", xloader=True)
