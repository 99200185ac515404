"""Pure parts of the orchestration: retry condition, cache key, summaries, waves, prefect.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from prefect.flows import load_flow_from_entrypoint
from prefect.states import Failed

from opendata_pipeline.errors import PortalUnavailable
from opendata_pipeline.localportal.layout import project_root
from opendata_pipeline.orchestrate.runs import _waves
from opendata_pipeline.orchestrate.staging import Checked, Staged
from opendata_pipeline.orchestrate.summary import DatasetOutcome, artifact_key, catalogue_markdown
from opendata_pipeline.orchestrate.tasks import transient_only, validation_cache_key
from opendata_pipeline.profile import load_profile
from opendata_pipeline.validate.report import Report
from opendata_pipeline.validate.step import ValidationFailed

ROOT = project_root()
CATALOGUE = load_profile().load_catalogue()


def test_only_transient_errors_are_retried() -> None:
    assert transient_only(None, None, Failed(data=PortalUnavailable("timeout"))) is True
    report = Report("d", "d.csv", 1)
    assert transient_only(None, None, Failed(data=ValidationFailed(report))) is False
    assert transient_only(None, None, Failed(data=KeyError("bug"))) is False


def test_validation_cache_key_follows_bytes_schema_and_references() -> None:
    spec = CATALOGUE["projekte"]
    staged = Staged("projekte", Path("/x.csv"), "a" * 64)
    ref = Checked("modellregionen", "b" * 64, Report("m", "m.csv", 5), None)
    key = validation_cache_key(None, {"spec": spec, "staged": staged, "references": [ref]})
    assert key == validation_cache_key(None, {"spec": spec, "staged": staged, "references": [ref]})
    other_bytes = Staged("projekte", Path("/elsewhere.csv"), "c" * 64)
    other_ref = Checked("modellregionen", "d" * 64, Report("m", "m.csv", 5), None)
    assert key != validation_cache_key(
        None, {"spec": spec, "staged": other_bytes, "references": [ref]}
    )
    assert key != validation_cache_key(
        None, {"spec": spec, "staged": staged, "references": [other_ref]}
    )
    # the path of the staged file is not part of the key: same bytes, same result
    moved = Staged("projekte", Path("/moved.csv"), "a" * 64)
    assert key == validation_cache_key(None, {"spec": spec, "staged": moved, "references": [ref]})


def test_catalogue_summary_lists_failures_with_reason() -> None:
    outcomes = [
        DatasetOutcome("a", "published", "new version 1.0.0", "1.0.0", "http://p/dataset/a"),
        DatasetOutcome("b", "failed", "failed", error="row 3 | field x", stage="plan"),
    ]
    assert catalogue_markdown(outcomes) == (
        "## 1 of 2 dataset(s) done, 1 failed\n\n"
        "| dataset | status | version | link / error |\n|---|---|---|---|\n"
        "| a | published (new version 1.0.0) | 1.0.0 | [http://p/dataset/a](http://p/dataset/a) |\n"
        "| b | failed (failed) | - | plan: row 3 \\| field x |\n"
    )
    assert outcomes[1].line() == "FAILED b (plan): row 3 | field x"
    assert artifact_key("plan", "my_data") == "plan-my-data"


def test_waves_follow_foreign_keys() -> None:
    order = ["modellregionen", "programm-kennzahlen", "projekte", "veranstaltungen"]
    assert _waves(CATALOGUE, order) == [
        ["modellregionen", "programm-kennzahlen"],
        ["projekte", "veranstaltungen"],
    ]
    assert _waves(CATALOGUE, ["programm-kennzahlen"]) == [["programm-kennzahlen"]]


def test_prefect_yaml_has_one_deployment_per_dataset_and_entrypoints_import() -> None:
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    deployments = config["deployments"]
    per_dataset = {
        d["parameters"]["dataset"]: d for d in deployments if "dataset" in d.get("parameters", {})
    }
    assert sorted(per_dataset) == sorted(CATALOGUE)
    assert all(d["name"] == slug for slug, d in per_dataset.items())
    assert {d["name"] for d in deployments} - set(CATALOGUE) == {"catalogue"}
    for d in deployments:
        path, name = d["entrypoint"].split(":")
        assert load_flow_from_entrypoint(str(ROOT / path) + ":" + name).name in (
            "publish-dataset",
            "publish-catalogue",
        )
        assert d["enforce_parameter_schema"] is True
        assert d["work_pool"]["name"] == "odp-process"
        for schedule in d.get("schedules", []):
            assert schedule["timezone"] == "Europe/Berlin"
    hourly = [s["cron"] for s in per_dataset["veranstaltungen"]["schedules"]]
    assert hourly == ["0 * * * *"]
    assert all(
        d["schedules"][0]["cron"].endswith(" * * *")
        and not d["schedules"][0]["cron"].startswith("0 * ")
        for slug, d in per_dataset.items()
        if slug != "veranstaltungen"
    )


def test_prefect_yaml_is_what_the_default_profile_schedules() -> None:
    """prefect.yaml's deployments are the default profile's (names, parameters, schedules)."""
    from opendata_pipeline.orchestrate.deployments import deployments_for

    declared = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]

    def shape(d: dict[str, Any]) -> tuple[Any, ...]:
        schedules = [(s["cron"], s["timezone"]) for s in d.get("schedules", [])]
        pool = d["work_pool"]["name"]
        return d["name"], d["entrypoint"], d["parameters"], schedules, pool

    generated = deployments_for(load_profile(), CATALOGUE)
    assert sorted(map(shape, declared)) == sorted(map(shape, generated))
    by_name = {d["name"]: shape(d)[3] for d in generated}
    assert by_name["veranstaltungen"] == [("0 * * * *", "Europe/Berlin")]
    assert by_name["projekte"] == [("15 5 * * *", "Europe/Berlin")]


def test_another_publishers_deployments_carry_its_profile_and_schedule(tmp_path: Path) -> None:
    from opendata_pipeline.orchestrate.deployments import deployments_for

    soest = load_profile(str(ROOT / "examples" / "kreis-soest" / "profile.yaml"))
    generated = {d["name"]: d for d in deployments_for(soest, soest.load_catalogue(), "soest.yaml")}
    assert sorted(generated) == [
        "catalogue-kreis-soest",
        "kreis-soest-modellregionen",
        "kreis-soest-veranstaltungen",
    ]
    events = generated["kreis-soest-veranstaltungen"]
    assert events["parameters"] == {
        "dataset": "kreis-soest-veranstaltungen",
        "profile": "soest.yaml",
    }
    assert events["schedules"] == [{"cron": "30 5 * * *", "timezone": "Europe/Berlin"}]
