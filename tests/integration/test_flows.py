"""The publishing flows under Prefect's test harness, against the session's real CKAN portal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from opendata_pipeline.flows import publish_catalogue, publish_dataset
from opendata_pipeline.orchestrate.summary import run_result
from tests.flowing import CatalogueCopy, catalogue_copy, heartbeats, run_record
from tests.portal_fixture import Portal
from tests.project import ROOT, load_profile

pytestmark = pytest.mark.usefixtures("prefect_harness")
PACKAGE_TASK = f"catalogue package {load_profile().package_name}"


def _run(flow: Any, cat: CatalogueCopy, **params: Any) -> tuple[Any, dict[str, Any]]:
    state = flow(**cat.params(**params), return_state=True)
    return state, run_record(state.state_details.flow_run_id)


def _outcomes(state: Any) -> list[Any]:
    return run_result(state).outcomes


def test_catalogue_flow_publishes_in_key_order_with_artifacts_and_cached_validation(
    portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cat = catalogue_copy(tmp_path, monkeypatch, portal.url, portal.publisher_token)
    n = cat.names
    state, rec = _run(publish_catalogue, cat)
    assert state.is_completed(), state.message
    outcomes = {o.dataset: o for o in _outcomes(state)}
    assert {s: (o.status, o.version) for s, o in outcomes.items()} == {
        new: ("published", "1.0.0") for new in n.values()
    }
    for new in n.values():
        pkg = portal.publisher.call("package_show", id=new)
        assert pkg["version"] == "1.0.0"
        assert [g["name"] for g in pkg["groups"]] == ["digitale-daten"]
        assert outcomes[new].url == f"{portal.url}/dataset/{new}"

    tasks = rec["tasks"]
    assert sorted(tasks) == sorted(
        [f"{step} {new}" for new in n.values() for step in ("gather", "validate", "plan", "apply")]
        + [PACKAGE_TASK]
    )
    assert all(t.state_name == "Completed" for t in tasks.values())
    # foreign-key order: the referenced table is published before the tables that reference it
    for dependent in ("projekte", "veranstaltungen"):
        assert (
            tasks[f"apply {n['modellregionen']}"].end_time
            <= tasks[f"apply {n[dependent]}"].start_time
        )

    arts = rec["artifacts"]
    for new in n.values():
        key = new.replace("_", "-")
        assert arts[f"validation-{key}"].type == "markdown"
        assert "**Valid**" in str(arts[f"validation-{key}"].data)
        assert f"## Plan for `{new}`: new version 1.0.0" in str(arts[f"plan-{key}"].data)
        link = arts[f"ckan-{key}"]  # Prefect stores link artifacts as Markdown links
        assert link.data == f"[{new} 1.0.0 on CKAN]({portal.url}/dataset/{new})"
        assert "/download/" in str(link.description)
    table = json.loads(arts["publish-outcomes"].data)
    assert [row["dataset"] for row in table] == [
        n["modellregionen"],
        n["programm-kennzahlen"],
        n["projekte"],
        n["veranstaltungen"],
    ]
    assert "4 of 4 dataset(s) done" in str(arts["publish-summary"].data)

    # unchanged sources are not validated again, and nothing is written
    state2, rec2 = _run(publish_catalogue, cat)
    assert state2.is_completed(), state2.message
    assert {o.status for o in _outcomes(state2)} == {"unchanged"}
    assert {
        name: t.state_name for name, t in rec2["tasks"].items() if name.startswith("validate")
    } == {f"validate {new}": "Cached" for new in n.values()}

    # one changed source: only that table is validated again and gets a new version
    csv = cat.csv("programm-kennzahlen")
    csv.write_text(csv.read_text(encoding="utf-8").replace(",42,Anzahl,", ",43,Anzahl,"), "utf-8")
    state3, rec3 = _run(publish_catalogue, cat)
    assert state3.is_completed(), state3.message
    changed = n["programm-kennzahlen"]
    assert {o.dataset: (o.status, o.version) for o in _outcomes(state3)} == {
        new: ("published", "1.0.1") if new == changed else ("unchanged", "1.0.0")
        for new in n.values()
    }
    assert {
        name: t.state_name for name, t in rec3["tasks"].items() if name.startswith("validate")
    } == {f"validate {new}": ("Completed" if new == changed else "Cached") for new in n.values()}
    assert "| rows | 0 added, 0 removed, 1 changed |" in str(
        rec3["artifacts"][f"plan-{changed}"].data
    )


NO_OP_PROBE = """
import json, sys
from opendata_pipeline.cli import main
try:
    code = main.main(args=sys.argv[1:], standalone_mode=False) or 0
except SystemExit as exc:
    code = exc.code
tables = ("pandas", "numpy", "pyarrow", "frictionless", "icalendar", "openpyxl")
print(json.dumps({"code": code, "loaded": [m for m in tables if m in sys.modules]}))
"""


def test_a_no_op_odp_publish_reads_no_table(
    portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unchanged sources: the staged tables and validation results are reused, nothing is read."""
    from prefect.settings import PREFECT_API_URL

    cat = catalogue_copy(tmp_path, monkeypatch, portal.url, portal.publisher_token)
    state, _ = _run(publish_catalogue, cat)
    assert state.is_completed(), state.message
    args = ["publish", "--profile", cat.profile, "--portal-url", cat.portal_url]
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    done = subprocess.run(
        [sys.executable, "-c", NO_OP_PROBE, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    *printed, last = done.stdout.strip().splitlines()
    assert json.loads(last) == {"code": 0, "loaded": []}, done.stderr
    assert printed[-1] == "4 datasets: 4 unchanged"

    # the run sent its heartbeat (the crash automation counts on it), and only the flow's
    # own: Prefect's engine heartbeat, which holds the end of every run, is off
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        cli_run = client.read_flow_runs(limit=1, sort="START_TIME_DESC")[0]
    assert heartbeats(cli_run.id)  # the first one arrived; a second would follow it closely
    beats = heartbeats(cli_run.id, at_least=2, wait=3)
    assert len(beats) == 1, beats
    related = beats[0]["related"]
    assert {"role": "flow", "name": "publish-catalogue"} in [
        {"role": r.get("prefect.resource.role"), "name": r.get("prefect.resource.name")}
        for r in related
    ]


def test_a_failing_dataset_stops_only_itself_and_what_references_it(
    portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cat = catalogue_copy(tmp_path, monkeypatch, portal.url, portal.publisher_token)
    n = cat.names
    csv = cat.csv("modellregionen")
    csv.write_text(csv.read_text(encoding="utf-8").replace("\naachen,", "\nAachen!,", 1), "utf-8")
    state, rec = _run(publish_catalogue, cat)
    assert state.is_failed()
    by = {o.dataset: o for o in _outcomes(state)}
    bad = by[n["modellregionen"]]
    assert (bad.status, bad.stage) == ("failed", "validate")
    assert f"dataset {n['modellregionen']}" in bad.error and "row 2" in bad.error
    assert "region_id" in bad.error and "Nothing was published" in bad.error
    for dependent in ("projekte", "veranstaltungen"):
        o = by[n[dependent]]
        assert (o.status, o.stage) == ("failed", "validate")
        assert f"referenced dataset(s) {n['modellregionen']} failed or are invalid" in o.error
    assert by[n["programm-kennzahlen"]].status == "published"
    assert state.message and n["modellregionen"] in state.message
    assert "3 failed" in str(rec["artifacts"]["publish-summary"].data)
    assert "**Invalid**" in str(rec["artifacts"][f"validation-{n['modellregionen']}"].data)
    assert portal.publisher.call("package_show", id=n["programm-kennzahlen"])["version"] == "1.0.0"
    for slug in ("modellregionen", "projekte", "veranstaltungen"):
        found = portal.admin.call("package_search", q=f"name:{n[slug]}", include_drafts=True)
        assert found["count"] == 0


def test_dataset_flow_validates_referenced_tables_but_publishes_only_its_own(
    portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cat = catalogue_copy(tmp_path, monkeypatch, portal.url, portal.publisher_token)
    n = cat.names
    state, rec = _run(publish_dataset, cat, dataset=n["projekte"])
    assert state.is_completed(), state.message
    [only] = _outcomes(state)
    assert (only.dataset, only.version) == (n["projekte"], "1.0.0")
    assert sorted(rec["tasks"]) == sorted(
        [f"gather {n['modellregionen']}", f"validate {n['modellregionen']}"]
        + [f"{step} {n['projekte']}" for step in ("gather", "validate", "plan", "apply")]
        + [PACKAGE_TASK]
    )
    found = portal.admin.call("package_search", q=f"name:{n['modellregionen']}")
    assert found["count"] == 0


def test_flow_parameters_are_validated_before_anything_runs() -> None:
    state = publish_dataset(dataset="Not A Slug", return_state=True)
    assert state.is_failed()
    assert "dataset" in state.message and "pattern" in state.message
    assert run_record(state.state_details.flow_run_id)["tasks"] == {}
