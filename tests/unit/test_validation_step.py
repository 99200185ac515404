"""The validation step over the catalogue (foreign keys across datasets) and `odp validate`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from opendata_pipeline.gather.core import GatherContext
from opendata_pipeline.project import load_catalogue
from opendata_pipeline.validate.step import needed_for, validate_datasets
from tests.project import ROOT, load_profile
from tests.project import catalogue as shipped_catalogue

ODP = str(Path(sys.executable).parent / "odp")


def test_shipped_catalogue_validates() -> None:
    catalogue = shipped_catalogue()
    results = validate_datasets(catalogue, sorted(catalogue), GatherContext(ROOT))
    assert {s: (r.report.valid, r.report.rows) for s, r in results.items()} == {
        "modellregionen": (True, 5),
        "programm-kennzahlen": (True, 8),
        "projekte": (True, 6),
        "veranstaltungen": (True, 5),
    }
    assert needed_for(catalogue, ["veranstaltungen"]) == ["modellregionen", "veranstaltungen"]


def test_dangling_region_is_a_foreign_key_error(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "datasets", tmp_path / "datasets")
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    regions = tmp_path / "datasets" / "modellregionen" / "modellregionen.csv"
    regions.write_text(
        "\n".join(
            line for line in regions.read_text().splitlines() if not line.startswith("soest,")
        )
        + "\n"
    )
    catalogue = load_catalogue(tmp_path, defaults=load_profile().dataset_defaults())
    results = validate_datasets(catalogue, ["veranstaltungen", "projekte"], GatherContext(tmp_path))
    events = results["veranstaltungen"].report
    assert [f.key() for f in events.findings] == [(5, "region_id", "foreign-key")]
    assert events.findings[0].message == (
        'row 5: reference for "region_id": values "soest" not found in the lookup table '
        '"modellregionen" as "region_id"'
    )
    assert results["projekte"].report.valid


def test_cli_validate_file_and_slug() -> None:
    bad = subprocess.run(
        [
            ODP,
            "validate",
            "tests/data/validation/german-dates.csv",
            "--schema",
            "tests/data/validation/schemas/basis.schema.json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert "| 5 | datum | 30.11.2020 |" in bad.stdout
    good = subprocess.run([ODP, "validate", "projekte"], cwd=ROOT, capture_output=True, text=True)
    assert good.returncode == 0 and "**Valid**: 6 rows, no errors." in good.stdout
    unknown = subprocess.run(
        [ODP, "validate", "gibtsnicht"], cwd=ROOT, capture_output=True, text=True
    )
    assert unknown.returncode == 2 and "neither a file nor a dataset" in unknown.stderr
    assert "Traceback" not in unknown.stderr
