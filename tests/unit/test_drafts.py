"""Drafts from odp init are refused until reviewed; odp init proposes date and time formats."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from frictionless import Resource, Schema

from opendata_pipeline import steps
from opendata_pipeline.drafts import DraftRefused, draft_findings
from opendata_pipeline.scaffold import init_dataset, init_profile, temporal_format
from tests.project import ROOT, catalogue, load_profile

SAMPLE = ROOT / "examples" / "samples" / "wlan-hotspots.csv"


class Untouchable:
    """A portal client that must not be used."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the portal was used ({name}) although the dataset is a draft")


def _draft(tmp: Path, sample: Path = SAMPLE, slug: str = "wlan") -> tuple[Any, list[Path]]:
    profile = load_profile(str(init_profile("musterstadt", tmp / "profiles").files[0]))
    written = init_dataset(profile, slug, str(sample)).files
    return profile, written


def _review(declaration: Path, schema_file: Path) -> None:
    """What a steward does: real texts instead of the placeholders, marks deleted."""
    text = declaration.read_text(encoding="utf-8").replace("draft: true\n", "")
    text = text.replace("title: 'ENTWURF: wlan'", "title: WLAN-Hotspots")
    text = text.replace(
        "Beschreibung des Datensatzes für das Portal (ENTWURF, bitte ersetzen).", "X"
    )
    declaration.write_text(text, encoding="utf-8")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    del schema["draft"]
    schema["description"] = "Öffentliche WLAN-Zugangspunkte."
    schema_file.write_text(json.dumps(schema), encoding="utf-8")


def test_publishing_refuses_a_draft_naming_the_files_and_what_to_review(tmp_path: Path) -> None:
    profile, (declaration, schema_file, _) = _draft(tmp_path)
    assert "draft: true\n" in declaration.read_text()
    assert json.loads(schema_file.read_text())["draft"] is True
    spec = catalogue(profile)["musterstadt-wlan"]
    assert spec.draft is True
    plan = SimpleNamespace(release=SimpleNamespace(spec=spec))
    with pytest.raises(DraftRefused) as caught:
        steps.apply(plan, Untouchable())  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith("dataset musterstadt-wlan: not published, it is a draft: ")
    assert f"{declaration} is still the draft odp init wrote: review title, notes" in message
    assert (
        f"{schema_file} is still the draft odp init inferred: review each field's type" in message
    )
    assert message.endswith("To publish it as it is anyway: odp publish --allow-draft")
    assert caught.value.kind == "config"  # exit code 2


def test_allow_draft_publishes_and_a_reviewed_dataset_is_no_draft(tmp_path: Path) -> None:
    profile, (declaration, schema_file, _) = _draft(tmp_path)
    spec = catalogue(profile)["musterstadt-wlan"]

    class Reached(Exception):
        pass

    def apply_plan(client: Any, plan: Any) -> None:
        raise Reached

    monkey = pytest.MonkeyPatch()
    monkey.setattr(steps, "apply_plan", apply_plan)
    try:
        with pytest.raises(Reached):
            steps.apply(SimpleNamespace(release=SimpleNamespace(spec=spec)), None, True)  # type: ignore[arg-type]
    finally:
        monkey.undo()
    _review(declaration, schema_file)
    reviewed = catalogue(profile)["musterstadt-wlan"]
    assert (reviewed.draft, draft_findings(reviewed)) == (False, [])


def test_drafts_written_before_the_marks_are_recognised_by_their_placeholders(
    tmp_path: Path,
) -> None:
    profile, (declaration, schema_file, _) = _draft(tmp_path)
    declaration.write_text(declaration.read_text().replace("draft: true\n", ""))
    schema = json.loads(schema_file.read_text())
    del schema["draft"]
    schema_file.write_text(json.dumps(schema))
    findings = draft_findings(catalogue(profile)["musterstadt-wlan"])
    assert [f.split(" is still")[0] for f in findings] == [str(declaration), str(schema_file)]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2012/01/01", "2012/12/31", ""], ("date", "%Y/%m/%d")),
        (["01.02.2020", "31.12.2021"], ("date", "%d.%m.%Y")),
        (["13/01/2020", "01/02/2020"], ("date", "%d/%m/%Y")),  # day first where both read
        (["01/13/2020", "12/31/2020"], ("date", "%m/%d/%Y")),
        (["09.11.20"], ("date", "%d.%m.%y")),
        (["2012/01/01 10:00", "2012/01/02 23:59"], ("datetime", "%Y/%m/%d %H:%M")),
        (["09.11.2020 18:00:00"], ("datetime", "%d.%m.%Y %H:%M:%S")),
        (["10:30", "23:59"], ("time", "%H:%M")),
        (["2012/01/01", "01.02.2020"], None),
        (["Aachen", "2012/01/01"], None),
        (["2012/02/30"], None),
        (["", None], None),
    ],
)
def test_temporal_format(values: list[Any], expected: tuple[str, str] | None) -> None:
    assert temporal_format(values) == expected


def test_init_dataset_proposes_formats_the_sample_then_validates_with(tmp_path: Path) -> None:
    sample = tmp_path / "termine.csv"
    sample.write_text(
        "nr,datum,beginn,uhrzeit,ort\n"
        "1,2012/01/01,09.11.2020 18:00,18:00,Aachen\n"
        "2,2012/12/31,16.11.2020 19:30,19:30,Soest\n",
        encoding="utf-8",
    )
    profile, (_, schema_file, copied) = _draft(tmp_path, sample, "termine")
    schema = json.loads(schema_file.read_text())
    assert [(f["name"], f["type"], f.get("format")) for f in schema["fields"]] == [
        ("nr", "integer", None),
        ("datum", "date", "%Y/%m/%d"),
        ("beginn", "datetime", "%d.%m.%Y %H:%M"),
        ("uhrzeit", "time", "%H:%M"),
        ("ort", "string", None),
    ]
    spec = catalogue(profile)["musterstadt-termine"]
    workspace = steps.Workspace(tmp_path, tmp_path / ".cache")
    checked = steps.validate(spec, steps.gather(spec, workspace), [], workspace)
    assert (checked.valid, checked.report.rows) == (True, 2)
    # frictionless, the reference, reads the sample with these formats too
    resource = Resource(copied.name, basepath=str(copied.parent), schema=Schema(schema))
    report = resource.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type"])
