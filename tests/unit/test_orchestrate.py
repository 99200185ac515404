"""Pure parts of the orchestration: retry condition, cache key, summaries, waves, prefect.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import yaml
from prefect.flows import load_flow_from_entrypoint
from prefect.states import Failed

from opendata_pipeline import steps
from opendata_pipeline.catalogue import needed_for, publish_order
from opendata_pipeline.errors import PortalUnavailable
from opendata_pipeline.orchestrate.summary import DatasetOutcome, artifact_key, catalogue_markdown
from opendata_pipeline.orchestrate.tasks import transient_only, validation_cache_key
from opendata_pipeline.steps import Checked, Staged, Workspace
from opendata_pipeline.validate.report import Report
from opendata_pipeline.validate.step import ValidationFailed
from tests.project import ROOT, catalogue, load_profile

CATALOGUE = catalogue()
WORKSPACE = Workspace(ROOT, ROOT / ".cache")


def test_only_transient_errors_are_retried() -> None:
    assert transient_only(None, None, Failed(data=PortalUnavailable("timeout"))) is True
    report = Report("d", "d.csv", 1)
    assert transient_only(None, None, Failed(data=ValidationFailed(report))) is False
    assert transient_only(None, None, Failed(data=KeyError("bug"))) is False


def test_validation_cache_key_follows_bytes_schema_and_references() -> None:
    spec = CATALOGUE["projekte"]

    def key_of(staged: Staged, ref: Checked) -> str:
        params = {"spec": spec, "staged": staged, "references": [ref], "workspace": WORKSPACE}
        return validation_cache_key(None, params)

    staged = Staged("projekte", Path("/x.csv"), "a" * 64)
    region = Staged("modellregionen", Path("/m.csv"), "b" * 64)
    ref = Checked(region, Report("m", "m.csv", 5), None)
    key = key_of(staged, ref)
    assert key == key_of(staged, ref)
    other_bytes = Staged("projekte", Path("/elsewhere.csv"), "c" * 64)
    other_ref = Checked(
        Staged("modellregionen", Path("/m.csv"), "d" * 64), Report("m", "m", 5), None
    )
    assert key != key_of(other_bytes, ref)
    assert key != key_of(staged, other_ref)
    # the path of the staged file is not part of the key: same bytes, same result
    assert key == key_of(Staged("projekte", Path("/moved.csv"), "a" * 64), ref)


def test_a_result_cached_by_other_validation_code_never_matches(tmp_path: Path) -> None:
    """The key follows the validation engine's source, not only the package version.

    A report pickled by earlier code (without a field added since) once failed every
    publish of an unchanged catalogue after an update: the cache hit could not be read.
    """
    package = tmp_path / "opendata_pipeline"
    (package / "validate").mkdir(parents=True)
    (package / "gather").mkdir()
    (package / "gather" / "tables.py").write_text("READER = 1\n")
    engine = package / "validate" / "engine.py"
    engine.write_text("VERSION = 1\n")

    def digest() -> str:
        steps.engine_digest.cache_clear()
        with mock.patch.object(steps, "__file__", str(package / "steps.py")):
            return steps.engine_digest()

    first = digest()
    engine.write_text("VERSION = 2\n")
    assert digest() != first
    steps.engine_digest.cache_clear()
    spec, staged = CATALOGUE["projekte"], Staged("projekte", Path("/x.csv"), "a" * 64)
    params = {"spec": spec, "staged": staged, "references": [], "workspace": WORKSPACE}
    key = validation_cache_key(None, params)
    with mock.patch.object(steps, "engine_digest", lambda: "another engine"):
        assert validation_cache_key(None, params) != key


def test_catalogue_summary_lists_failures_with_reason() -> None:
    outcomes = [
        DatasetOutcome("a", "published", "new version 1.0.0", "1.0.0", "http://p/dataset/a"),
        DatasetOutcome.failed("b", "validate", "row 3 | field x"),
    ]
    assert catalogue_markdown(outcomes) == (
        "## 1 of 2 dataset(s) done, 1 failed\n\n"
        "| dataset | status | version | link / error |\n|---|---|---|---|\n"
        "| a | published (new version 1.0.0) | 1.0.0 | [http://p/dataset/a](http://p/dataset/a) |\n"
        "| b | failed (failed) | - | validate: row 3 \\| field x |\n"
    )
    assert outcomes[1].line() == "b: FAILED at validate: row 3 | field x"
    assert artifact_key("plan", "my_data") == "plan-my-data"


def test_order_follows_foreign_keys() -> None:
    assert publish_order(CATALOGUE) == [
        ["modellregionen", "programm-kennzahlen"],
        ["projekte", "veranstaltungen"],
    ]
    assert needed_for(CATALOGUE, ["programm-kennzahlen"]) == ["programm-kennzahlen"]
    assert needed_for(CATALOGUE, ["projekte"]) == ["modellregionen", "projekte"]


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
    generated = {d["name"]: d for d in deployments_for(soest, catalogue(soest), "soest.yaml")}
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


def test_publishing_flows_beat_until_their_body_returns_and_stop_at_once() -> None:
    import threading
    import time
    from types import SimpleNamespace
    from uuid import uuid4

    from opendata_pipeline.orchestrate.heartbeat import beating

    run = SimpleNamespace(id=uuid4(), name="brave-otter", flow_id=uuid4(), deployment_id=None)
    context = SimpleNamespace(flow_run=run, flow=SimpleNamespace(name="publish-catalogue"))
    sent: list[tuple[dict[str, str], list[dict[str, str]]]] = []
    three = threading.Event()

    def emit(resource: dict[str, str], related: list[dict[str, str]]) -> None:
        sent.append((resource, related))
        if len(sent) == 3:
            three.set()

    with beating(every=0.05, emit=emit, context=context):
        assert three.wait(5)  # one at once, then one per period
    started = time.perf_counter()
    with beating(every=3600, emit=emit, context=context):
        pass
    assert time.perf_counter() - started < 0.5  # the end of a run does not wait a period
    count = len(sent)
    time.sleep(0.2)
    assert len(sent) == count  # nothing after the body returned
    resource, related = sent[0]
    # what the crash automation matches: the run as resource, the flow by name
    assert resource["prefect.resource.id"] == f"prefect.flow-run.{run.id}"
    assert {"prefect.resource.role": "flow", "prefect.resource.name": "publish-catalogue",
            "prefect.resource.id": f"prefect.flow.{run.flow_id}"} in related  # fmt: skip
    with beating(every=0.05, emit=emit, context=SimpleNamespace(flow_run=None)):
        pass  # outside a flow run: nothing
    assert len(sent) == count


def test_heartbeats_come_often_enough_for_the_crash_check() -> None:
    from opendata_pipeline.orchestrate import HEARTBEAT_SECONDS
    from opendata_pipeline.profile import Notifications

    # the crash check waits at least two heartbeats
    least = Notifications.model_fields["crash_after"].metadata
    assert min(m.ge for m in least if hasattr(m, "ge")) >= 2 * HEARTBEAT_SECONDS
