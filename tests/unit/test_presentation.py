"""What a person reads and opens: history, report, versions in the description, spreadsheets,
resource order, and the rows a small change lists."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from opendata_pipeline.publish import artifacts, history, presentation, spreadsheets
from opendata_pipeline.publish.metadata import current_package, metadata_changes
from opendata_pipeline.publish.plan import desired_metadata
from opendata_pipeline.publish.rowdetails import row_details
from opendata_pipeline.publish.rowdiff import RowDiff, row_diff
from opendata_pipeline.publish.state import PortalState
from tests.publishing import ROWS, SCHEMA, destination, release_for

CHANGELOG: dict[str, Any] = {
    "dataset": "d",
    "title": "Test",
    "versions": [
        {
            "version": "1.0.1",
            "published_at": "2026-11-22T01:21:41+00:00",
            "sha256": "ab" * 32,
            "rows": 4,
            "rows_added": 1,
            "rows_removed": 0,
            "rows_changed": 1,
            "schema_changes": [{"level": "minor", "text": "field 'ort': enum added ['Paderborn']"}],
            "url": "http://p/dataset/x/resource/y/download/d-1.0.1.csv",
            "row_changes": [
                {"change": "added", "row": {"id": "4", "ort": "Aachen"}},
                {"change": "changed", "key": {"id": "2"}, "fields": {"betrag": ["3", "4"]}},
            ],
        },
        {
            "version": "1.0.0",
            "published_at": "2026-11-21T23:30:00+00:00",
            "sha256": "cd" * 32,
            "rows": 3,
            "rows_added": 3,
            "rows_removed": 0,
            "rows_changed": 0,
            "schema_changes": [],
            "url": "http://p/d-1.0.0.csv",
            "row_changes": None,
        },
    ],
}


def test_history_lists_every_version_newest_first_with_the_changed_rows() -> None:
    assert history.history_markdown(CHANGELOG) == (
        "Alle 2 Versionen von „Test“, die neueste zuerst: Datum, Zeilenänderungen, "
        "Schemaänderungen und bei kleinen Änderungen die Zeilen selbst. Jede Version bleibt "
        "als unveränderliche CSV-Datei abrufbar.\n"
        "\n"
        "#### Version 1.0.1 vom 22.11.2026\n"
        "\n"
        "- Veröffentlicht: 22.11.2026, 02:21 Uhr\n"
        "- 4 Zeilen (1 neu, 0 entfernt, 1 geändert)\n"
        "- Schema: 1 Änderung(en)\n"
        "    - kompatibel: field 'ort': enum added \\['Paderborn'\\]\n"
        "- Geänderte Zeilen:\n"
        "    - neu: id: 4; ort: Aachen\n"
        "    - geändert (id: 2): betrag: 3 → 4\n"
        "- Download dieser Version: [d-1.0.1.csv](http://p/dataset/x/resource/y/download/d-1.0.1.csv)\n"
        f"- Prüfsumme (SHA-256): `{'ab' * 32}`\n"
        "\n"
        "#### Version 1.0.0 vom 22.11.2026\n"
        "\n"
        "- Veröffentlicht: 22.11.2026, 00:30 Uhr\n"
        "- 3 Zeilen, alle neu\n"
        "- Schema: unverändert\n"
        "- Download dieser Version: [d-1.0.0.csv](http://p/d-1.0.0.csv)\n"
        f"- Prüfsumme (SHA-256): `{'cd' * 32}`\n"
    )


def test_many_changed_rows_are_counted_not_listed() -> None:
    entry = {**CHANGELOG["versions"][0], "rows_changed": 40, "row_changes": None}
    assert "- Geänderte Zeilen: nicht einzeln aufgeführt" in history.version_section(entry)


def test_description_ends_with_the_newest_versions_and_keeps_the_stewards_text() -> None:
    notes = history.dataset_notes("Beschreibung.\n", CHANGELOG, "http://p/h")
    assert notes == (
        "Beschreibung.\n\n### Versionen\n\n"
        "Neueste zuerst; alle in der [Versionsgeschichte](http://p/h).\n\n"
        "- **1.0.1** vom 22.11.2026: 4 Zeilen (1 neu, 0 entfernt, 1 geändert); "
        "Schema: kompatibel: field 'ort': enum added \\['Paderborn'\\]\n"
        "- **1.0.0** vom 22.11.2026: 3 Zeilen, alle neu"
    )
    assert history.steward_notes(notes) == "Beschreibung."
    assert history.versions_section_of(notes) == notes[len("Beschreibung.") :]
    five = {"versions": [dict(CHANGELOG["versions"][1], version=f"1.0.{i}") for i in range(5)]}
    listed = [ln for ln in history.notes_section(five, None).splitlines() if ln.startswith("- ")]
    assert [ln.split("**")[1] for ln in listed] == ["1.0.0", "1.0.1", "1.0.2"]


def test_versions_section_is_not_a_metadata_change(tmp_path: Path) -> None:
    target = destination("http://p", "org", "grp")
    release = release_for(tmp_path, "notes-test", ROWS, target)
    desired = desired_metadata(release, PortalState("notes-test"))
    published = dict(desired, notes=history.dataset_notes(desired["notes"], CHANGELOG, None))
    pkg = {
        "name": "notes-test",
        "id": "1",
        **{k: v for k, v in published.items() if k not in ("extras", "tags", "groups")},
        "extras": [{"key": k, "value": v} for k, v in desired["extras"].items()],
        "tags": [{"name": t} for t in desired["tags"]],
        "groups": [{"name": g} for g in desired["groups"]],
    }
    state = PortalState("notes-test", pkg, "org")
    again = desired_metadata(release, state)
    assert again["notes"] == published["notes"]
    changes = metadata_changes(current_package(pkg, "org"), again)
    assert [c for c in changes if c != "extra conforms_to"] == []
    edited = release.spec.model_copy(update={"notes": "Neue Beschreibung."})
    moved = desired_metadata(dataclasses.replace(release, spec=edited), state)
    assert moved["notes"].startswith("Neue Beschreibung.\n\n### Versionen\n")
    assert "notes" in metadata_changes(current_package(pkg, "org"), moved)


def test_report_names_the_result_and_every_rule() -> None:
    report = {"valid": True, "rows": 3, "errors_total": 0, "file": "d.csv", "engine": "odp"}
    report["published_at"] = "2026-11-22T01:21:41+00:00"
    keys = [
        {"fields": "ort", "reference": {"resource": "orte", "fields": "name"}},
        {"fields": ["id", "ort"], "reference": {"resource": "", "fields": ["id", "ort"]}},
    ]
    schema = {**SCHEMA, "foreignKeys": keys}
    assert history.report_markdown("Test", "1.0.0", report, schema) == (
        "Prüfbericht von „Test“, Version 1.0.0: jede Zeile wurde gegen das Table Schema "
        "geprüft, bevor sie veröffentlicht wurde.\n\n"
        "**Ergebnis: gültig.** 3 Zeilen geprüft, keine Fehler.\n\n"
        "- Geprüft: 22.11.2026, 02:21 Uhr\n"
        "- Datei: d.csv\n"
        "- Prüfprogramm: opendata-pipeline (odp), Regeln nach Frictionless Table Schema\n\n"
        "#### Geprüfte Regeln\n\n"
        "- `id` (Kennung): ganze Zahl, Pflichtfeld\n"
        "- `ort` (Ort): Text, einer der Werte Aachen, Soest, Wuppertal\n"
        "- `betrag` (Betrag): Zahl, mindestens 0\n"
        "- `datum` (Datum): Datum\n"
        "- `aktiv` (Aktiv): Wahrheitswert\n"
        "- Primärschlüssel: id (eindeutig je Zeile)\n"
        "- Fremdschlüssel: ort verweist auf orte.name\n"
        "- Fremdschlüssel: (id, ort) verweist auf sich selbst.(id, ort)\n"
    )


def test_excel_csv_has_bom_semicolons_decimal_commas_and_crlf() -> None:
    schema = {**SCHEMA, "fields": [*SCHEMA["fields"], {"name": "ags", "type": "string"}]}
    rows = "id,ort,betrag,datum,aktiv,ags\n1,Aachen,10.5,2020-11-09,true,05334002\n"
    assert spreadsheets.excel_csv(rows.encode(), schema) == (
        '\ufeff"id";"ort";"betrag";"datum";"aktiv";"ags"\r\n'
        '"1";"Aachen";"10,5";"2020-11-09";"true";"05334002"\r\n'
    ).encode("utf-8")
    german = {"fields": [{"name": "n", "type": "number", "decimalChar": ",", "groupChar": "."}]}
    got = spreadsheets.excel_csv(b'n\n"1.234,5"\n', german)
    assert got == '\ufeff"n"\r\n"1234,5"\r\n'.encode("utf-8")
    odd = b'id,text\n1,"a;b ""c""\nd"\n2,\n'
    assert spreadsheets.excel_csv(odd, {"fields": []}) == (
        '\ufeff"id";"text"\r\n"1";"a;b ""c""\nd"\r\n"2";""\r\n'.encode("utf-8")
    )


def test_workbook_has_typed_cells_text_keys_and_a_field_sheet() -> None:
    schema = {**SCHEMA, "fields": [*SCHEMA["fields"], {"name": "ags", "type": "string"}]}
    rows = ROWS.replace("\n", ",05334002\n").replace("aktiv,05334002", "aktiv,ags")
    book = openpyxl.load_workbook(io.BytesIO(spreadsheets.workbook(rows.encode(), schema, "T")))
    data = list(book["Daten"].iter_rows(values_only=True))
    assert data == [
        ("id", "ort", "betrag", "datum", "aktiv", "ags"),
        (1, "Aachen", 10.5, datetime(2020, 11, 9), True, "05334002"),
        (2, "Soest", 3, datetime(2020, 11, 16), False, "05334002"),
        (3, "Wuppertal", None, datetime(2020, 11, 23), True, "05334002"),
    ]
    assert book["Daten"]["D2"].number_format == "DD.MM.YYYY"
    assert list(book["Felder"].iter_rows(values_only=True))[:2] == [
        ("Feld", "Titel", "Typ", "Beschreibung"),
        ("id", "Kennung", "integer", "Laufende Nummer"),
    ]
    assert book.properties.title == "T"


def test_text_that_looks_like_a_formula_stays_text_in_the_workbook() -> None:
    """A published cell ``=SUM(A1:A2)`` must not become a live formula in the XLSX download."""
    schema = {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "notiz", "type": "string", "description": '=HYPERLINK("http://x")'},
        ]
    }
    rows = 'id,notiz\n1,=SUM(A1:A2)\n2,"=1+1"\n3,normal\n'
    raw = spreadsheets.workbook(rows.encode(), schema, "T")
    book = openpyxl.load_workbook(io.BytesIO(raw))
    sheet = book["Daten"]
    assert [c.data_type for c in sheet["B"][1:3]] == ["s", "s"]
    assert [c.value for c in sheet["B"]] == ["notiz", "=SUM(A1:A2)", "=1+1", "normal"]
    assert book["Felder"]["D3"].data_type == "s"
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml")


def test_unparsable_cells_stay_text() -> None:
    typed = spreadsheets._typed  # noqa: SLF001 - the conversion rule itself
    values = ["1", "x", "", str(2**60)]
    import pandas as pd

    assert typed(pd.Series(values), "integer") == [1, "x", None, str(2**60)]
    assert typed(pd.Series(["2020-01-02", "2020-02-30"]), "date") == [
        date(2020, 1, 2),
        "2020-02-30",
    ]
    assert typed(pd.Series(["2020-01-02T10:00:00+01:00"]), "datetime") == [
        "2020-01-02T10:00:00+01:00"
    ]
    assert typed(pd.Series(["NaN", "1.5"]), "number") == ["NaN", 1.5]


def test_version_files_leave_out_spreadsheets_of_large_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = release_for(tmp_path, "files-test", ROWS, destination("http://p", "o", "g"))
    report = {"version": "1.0.0", "published_at": "2026-11-22T01:21:41+00:00", **release.report}
    files = presentation.version_files(release, CHANGELOG, report)
    assert sorted(files) == ["csv_excel", "history_md", "report_md", "xlsx"]
    assert files["history_md"].decode() == history.history_markdown(CHANGELOG)
    monkeypatch.setattr(presentation, "XLSX_MAX_ROWS", 2)
    assert sorted(presentation.version_files(release, CHANGELOG, report)) == [
        "csv_excel",
        "history_md",
        "report_md",
    ]
    monkeypatch.setattr(presentation, "EXCEL_MAX_ROWS", 2)
    assert sorted(presentation.version_files(release, CHANGELOG, report)) == [
        "history_md",
        "report_md",
    ]


def test_long_history_is_cut_at_a_version_for_the_description() -> None:
    many = {
        "title": "T",
        "versions": [dict(CHANGELOG["versions"][1], version=f"1.0.{i}") for i in range(200)],
    }
    text = history.history_markdown(many)
    described = presentation.description("history_md", {"history_md": text.encode()})
    assert len(text) > presentation.DESCRIPTION_MAX_CHARS > len(described)
    kept = described.split("\n\nWeitere, ältere Einträge stehen in der Datei selbst.\n")[0]
    assert text.startswith(kept) and text[len(kept) :].startswith("\n\n#### Version")
    assert presentation.description("data", {"data": b"x"}) == ""


def _res(role: str, version: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": f"{role}-{version}", "odp_role": role, "odp_version": version, **extra}


def test_resources_in_display_order_archives_newest_first_stale_variants_dropped() -> None:
    resources = [
        _res("data"),
        _res("datapackage"),
        _res("archive", "1.0.0"),
        _res("xlsx"),
        {"id": "own", "name": "added by hand"},
        _res("archive", "1.10.0"),
        _res("archive", "1.9.3"),
        _res("history_md"),
    ]
    ordered = artifacts.ordered_resources(resources, {"data", "datapackage", "history_md"})
    assert [r["id"] for r in ordered] == [
        "data-None",
        "history_md-None",
        "datapackage-None",
        "archive-1.10.0",
        "archive-1.9.3",
        "archive-1.0.0",
        "own",
    ]


def test_tables_declare_utf8_and_carry_the_licence() -> None:
    from tests.project import catalogue

    spec = catalogue()["projekte"]
    meta = artifacts.resource_meta("csv_excel", spec, "1.0.0")
    assert meta["mimetype"] == "text/csv; charset=utf-8"
    assert meta["license"] == "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    readable = artifacts.resource_meta("history_md", spec, "1.0.0", "# Text")
    assert (readable["description"], readable["format"]) == ("# Text", "Markdown")
    assert artifacts.file_name("xlsx", "projekte") == "projekte.xlsx"


def test_row_details_list_few_changes_and_give_up_on_many() -> None:
    old = b"id,ort\n1,A\n2,B\n3,C\n"
    new = b"id,ort\n1,A\n2,X\n4,D\n"
    assert row_details(old, new, ["id"]) == [
        {"change": "added", "row": {"id": "4", "ort": "D"}},
        {"change": "removed", "row": {"id": "3", "ort": "C"}},
        {"change": "changed", "key": {"id": "2"}, "fields": {"ort": ["B", "X"]}},
    ]
    assert row_diff(old, new, ["id"]) == RowDiff(1, 1, 1)  # the counts agree
    assert row_details(old, new, ["id"], limit=2) is None
    assert row_details(old, old, ["id"]) == []
    assert row_details(b"a,b\n1,2\n", b"a,b\n1,3\n", []) == [
        {"change": "added", "row": {"a": "1", "b": "3"}},
        {"change": "removed", "row": {"a": "1", "b": "2"}},
    ]
    # a column the new version adds shows where it holds a value
    assert row_details(old, b"id,ort,neu\n1,A,\n2,B,x\n3,C,\n", ["id"]) == [
        {"change": "changed", "key": {"id": "2"}, "fields": {"neu": ["", "x"]}}
    ]
