"""The shipped catalogue: consistency of declarations and schemas, and the facts it holds."""

from __future__ import annotations

import json
from pathlib import Path

import frictionless
import pandas as pd
import pytest

from opendata_pipeline.catalogue import publish_order
from opendata_pipeline.gather.core import GatherContext, gather_dataset
from tests.project import ROOT, catalogue

CATALOGUE = catalogue()


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {s: gather_dataset(spec, GatherContext(ROOT)).frame for s, spec in CATALOGUE.items()}


def test_every_dataset_has_a_schema_and_every_schema_a_dataset() -> None:
    schemas = {
        p.name.removesuffix(".schema.json") for p in (ROOT / "schemas").glob("*.schema.json")
    }
    folders = {p.name for p in (ROOT / "datasets").iterdir() if p.is_dir()}
    assert (
        schemas
        == folders
        == set(CATALOGUE)
        == {"modellregionen", "veranstaltungen", "programm-kennzahlen", "projekte"}
    )


def test_foreign_keys_point_at_existing_datasets_and_fields() -> None:
    for slug, spec in CATALOGUE.items():
        schema = spec.table_schema()
        own = {f["name"] for f in schema["fields"]}
        for fk in schema.get("foreignKeys", []):
            fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
            ref = fk["reference"]
            ref_fields = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
            assert set(fields) <= own, slug
            target = CATALOGUE[ref["resource"]].table_schema()
            assert set(ref_fields) <= {f["name"] for f in target["fields"]}, slug
            assert ref_fields == target["primaryKey"], f"{slug}: FK should reference a primary key"
    assert publish_order(CATALOGUE) == [
        ["modellregionen", "programm-kennzahlen"],
        ["projekte", "veranstaltungen"],
    ]


@pytest.mark.parametrize("slug", sorted(CATALOGUE))
def test_schema_is_a_valid_table_schema_with_german_titles(slug: str) -> None:
    descriptor = json.loads((ROOT / "schemas" / f"{slug}.schema.json").read_text())
    report = frictionless.Schema.validate_descriptor(descriptor)
    assert report.valid, report.flatten(["type", "note"])
    assert descriptor["primaryKey"] and descriptor["missingValues"] == [""]
    for field in descriptor["fields"]:
        assert field.get("title") and len(field.get("description", "")) > 10, field["name"]
    names = {f["name"] for f in descriptor["fields"]}
    assert {"quelle", "quelle_datum"} <= names  # every row carries its source


def test_gathered_catalogue_validates_with_frictionless(
    tables: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    resources = []
    for slug, frame in tables.items():
        path = tmp_path / f"{slug}.csv"
        frame.to_csv(path, index=False)
        resources.append(
            {
                "name": slug,
                "path": path.name,
                "schema": json.loads(CATALOGUE[slug].schema_path.read_text()),
            }
        )
    package = frictionless.Package(
        {"name": "katalog", "resources": resources}, basepath=str(tmp_path)
    )
    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_model_regions(tables: dict[str, pd.DataFrame]) -> None:
    got = tables["modellregionen"][
        [
            "region_id",
            "name",
            "federfuehrende_kommune",
            "ags_federfuehrende_kommune",
            "geokodierung_uri",
        ]
    ]
    base = "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/"
    assert got.values.tolist() == [
        ["aachen", "Aachen", "Aachen", "05334002", base + "05334002"],
        [
            "bergisches-staedtedreieck",
            "Bergisches Städtedreieck",
            "Wuppertal",
            "05124000",
            base + "05124000",
        ],
        ["emscher-lippe", "Emscher-Lippe", "Gelsenkirchen", "05513000", base + "05513000"],
        ["ostwestfalen-lippe", "Ostwestfalen-Lippe", "Paderborn", "05774032", base + "05774032"],
        ["soest", "Soest", "Soest", "05974040", base + "05974040"],
    ]
    partners = dict(
        zip(
            tables["modellregionen"].region_id,
            tables["modellregionen"].partnerkommunen,
            strict=True,
        )
    )
    assert partners["soest"] == "Iserlohn; Lippstadt; Kreis Soest"
    assert partners["bergisches-staedtedreieck"] == "Solingen; Remscheid"


def test_events(tables: dict[str, pd.DataFrame]) -> None:
    events = tables["veranstaltungen"]
    got = events[["datum", "region_id", "thema", "format", "zeitzone"]].values.tolist()
    assert got == [
        ["2020-11-09", "emscher-lippe", "Digitale Daten", "virtuell", "Europe/Berlin"],
        ["2020-11-16", "aachen", "Digitales Lernen", "virtuell", "Europe/Berlin"],
        ["2020-11-23", "ostwestfalen-lippe", "Digitale Portale", "virtuell", "Europe/Berlin"],
        ["2020-11-30", "soest", "Digitale Region", "virtuell", "Europe/Berlin"],
        [
            "2020-12-07",
            "bergisches-staedtedreieck",
            "Digitales Rathaus",
            "virtuell",
            "Europe/Berlin",
        ],
    ]
    assert events.veranstaltung_id.is_unique
    assert set(events.veranstalter) == {
        "KDN – Dachverband kommunaler IT-Dienstleister; Ministerium für Wirtschaft, Innovation, "
        "Digitalisierung und Energie des Landes NRW"
    }
    assert all("Montage" in text and "2020" in text for text in events.jahr_herleitung)
    assert all(pd.Timestamp(d).day_name() == "Monday" for d in events.datum)


def test_programme_key_figures(tables: dict[str, pd.DataFrame]) -> None:
    figures = tables["programm-kennzahlen"]
    got = figures[["stichtag", "wert", "einheit", "genauigkeit"]].values.tolist()
    assert got == [
        ["2019-12-06", "42", "Anzahl", "exakt"],
        ["2019-12-06", "56.6", "Mio. EUR", "exakt"],
        ["2019-12-06", "24", "Mio. EUR", "rund"],
        ["2019-12-06", "80.9", "Mio. EUR", "exakt"],
        ["2019-12-06", "7", "Mio. EUR", "rund"],
        ["2019-12-06", "60", "Anzahl", "mehr als"],
        ["2019-12-06", "7", "Anzahl", "exakt"],
        ["", "7", "Städte", "exakt"],
    ]
    assert figures.iloc[7].bezug == "von 20" and "Smart City Index" in figures.iloc[7].kennzahl
    assert all(figures.quelle.str.len() > 10)


def test_projects_leave_unknowns_empty(tables: dict[str, pd.DataFrame]) -> None:
    got = tables["projekte"][["name", "region_id", "handlungsfeld"]].values.tolist()
    assert got == [
        ["Bergisch.Smart.Mobility", "", "Smart City"],
        ["Neue 3D-Steuerungssysteme", "", "Smart City"],
        ["Open Innovation Labs", "", "Smart City"],
        ["Smartphone-Bürger-ID", "", "Smart City"],
        ["GovChain", "aachen", ""],
        ["Landesweites Gewerbeserviceportal", "", ""],
    ]


def test_every_row_names_its_source(tables: dict[str, pd.DataFrame]) -> None:
    for slug, frame in tables.items():
        assert (frame.quelle.str.strip() != "").all(), slug


def test_contributing_example_is_a_valid_declaration(tmp_path: Path) -> None:
    """The dataset.yaml in CONTRIBUTING.md loads, with a schema, and gathers."""
    from opendata_pipeline.project import load_dataset

    text = (ROOT / "CONTRIBUTING.md").read_text()
    yaml_block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    folder = tmp_path / "datasets" / "beispiel-termine"
    folder.mkdir(parents=True)
    (folder / "dataset.yaml").write_text("\n".join(line[3:] for line in yaml_block.splitlines()))
    (folder / "termine.csv").write_text("Datum\n2020-11-09\n")
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "beispiel-termine.schema.json").write_text(
        json.dumps(
            {"fields": [{"name": "datum", "type": "date"}, {"name": "quelle", "type": "string"}]}
        )
    )
    spec = load_dataset(folder, [tmp_path / "schemas"])
    result = gather_dataset(spec, GatherContext(tmp_path))
    assert result.frame.values.tolist() == [["2020-11-09", "Stadtverwaltung, Terminliste"]]


def test_frictionless_cli_validates_the_gathered_catalogue(
    tables: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    """`frictionless validate` (its own command line) on the catalogue as a data package."""
    import subprocess
    import sys

    resources = []
    for slug, frame in tables.items():
        frame.to_csv(tmp_path / f"{slug}.csv", index=False)
        (tmp_path / f"{slug}.schema.json").write_text(CATALOGUE[slug].schema_path.read_text())
        resources.append({"name": slug, "path": f"{slug}.csv", "schema": f"{slug}.schema.json"})
    (tmp_path / "datapackage.json").write_text(
        json.dumps({"name": "katalog", "resources": resources})
    )
    cli = Path(sys.executable).parent / "frictionless"
    done = subprocess.run(
        [str(cli), "validate", "datapackage.json"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("VALID") >= 4
    for slug in CATALOGUE:
        schema_check = subprocess.run(
            [str(cli), "validate", f"{slug}.schema.json", "--type", "schema"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert schema_check.returncode == 0, schema_check.stdout


def test_nothing_municipality_specific_lives_in_code() -> None:
    """Publisher names, places, keys and portal groups live in profiles and declarations only."""
    import re

    specific = re.compile(
        r"modellregion|\bnrw\b|soest|aachen|emscher|bergisch|ostwestfalen|digitale-daten|"
        r"digitale daten|opennrw|stateKey|districtKey|municipalityKey/\d",
        re.IGNORECASE,
    )
    files = [*(ROOT / "src").rglob("*.py"), *(ROOT / "flows").rglob("*.py")]
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in files
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if specific.search(line)
    ]
    assert len(files) > 40
    assert found == []
