"""The CKAN token never shows up in what a run leaves: logs, artifacts, parameters, errors."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from opendata_pipeline.cli import main
from opendata_pipeline.orchestrate.entry import load_flows
from opendata_pipeline.orchestrate.runs import RunFailed
from tests.flowing import catalogue_copy, run_record
from tests.portal_fixture import Portal

pytestmark = pytest.mark.usefixtures("prefect_harness")
FLOWS = load_flows()


def _everything_the_run_left(state: Any, stage: Path) -> list[str]:
    """Every text a steward or another process could read after the run."""
    rec = run_record(state.state_details.flow_run_id)
    texts = [str(state.message), json.dumps(rec["flow_run"].parameters)]
    texts += rec["logs"]
    for artifact in rec["artifacts"].values():
        texts += [str(artifact.data), str(artifact.description)]
    for task in rec["tasks"].values():
        texts.append(str(task.state.message if task.state else ""))
        texts.append(json.dumps(task.task_inputs, default=str))
    result = state.result(raise_on_failure=False)
    texts.append(repr(result))
    if isinstance(result, BaseException):
        texts.append(str(result))
    texts += [p.read_bytes().decode("utf-8", "replace") for p in stage.rglob("*") if p.is_file()]
    assert len(texts) > 20  # the run did leave logs, artifacts and files to search
    return texts


def test_canary_token_is_in_no_log_artifact_parameter_or_error(
    portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = f"odp-canary-{uuid.uuid4().hex}"
    cat = catalogue_copy(tmp_path, monkeypatch, portal.url, canary)
    state = FLOWS.publish_catalogue(return_state=True)
    assert state.is_failed()
    error = state.result(raise_on_failure=False)
    assert isinstance(error, RunFailed)
    # CKAN reads with an unknown token as anonymous; the first write is refused, legibly
    assert {(o.status, o.stage) for o in error.outcomes} == {("failed", "apply")}
    assert all("package_create: not authorized" in (o.error or "") for o in error.outcomes)
    texts = _everything_the_run_left(state, tmp_path / "stage")
    assert [t for t in texts if canary in t] == []
    assert not any(
        cat.names["projekte"] in p.get("name", "")
        for p in portal.admin.call(
            "package_search", q=f"name:{cat.names['projekte']}", include_drafts=True
        )["results"]
    )

    # the command line runs the same flow and prints nothing secret either
    from prefect.settings import PREFECT_API_URL

    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
    cli = CliRunner().invoke(main, ["publish", cat.names["modellregionen"]])
    assert cli.exit_code == 1, cli.output
    assert f"FAILED {cat.names['modellregionen']} (apply)" in cli.output
    assert canary not in cli.output


def test_token_from_a_secret_block_publishes_and_stays_secret(
    portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.blocks.system import Secret

    cat = catalogue_copy(tmp_path, monkeypatch, portal.url, "unused")
    monkeypatch.delenv("ODP_CKAN_TOKEN")
    block = f"odp-token-{uuid.uuid4().hex[:8]}"
    Secret(value=portal.publisher_token).save(block, overwrite=True)
    monkeypatch.setenv("ODP_CKAN_TOKEN_BLOCK", block)
    state = FLOWS.publish_catalogue(return_state=True)
    assert state.is_completed(), state.message
    assert {o.version for o in state.result()} == {"1.0.0"}
    texts = _everything_the_run_left(state, tmp_path / "stage")
    # what the portal publishes: validation reports and changelogs
    for new in cat.names.values():
        pkg = portal.anonymous().call("package_show", id=new)
        for res in pkg["resources"]:
            if res["name"] in ("validation-report.json", "changelog.json"):
                texts.append(portal.anonymous().get(res["url"]).text)
    assert [t for t in texts if portal.publisher_token in t] == []


def test_missing_token_names_every_place_looked_at(
    portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue_copy(tmp_path, monkeypatch, portal.url, "unused")
    monkeypatch.delenv("ODP_CKAN_TOKEN")
    monkeypatch.setenv("ODP_CKAN_TOKEN_BLOCK", f"missing-{uuid.uuid4().hex[:8]}")
    state = FLOWS.publish_catalogue(return_state=True)
    error = state.result(raise_on_failure=False)
    assert isinstance(error, RunFailed)
    message = error.outcomes[0].error or ""
    assert "No CKAN API token found" in message
    for place in ("ODP_CKAN_TOKEN", "ODP_CKAN_TOKEN_FILE", "Prefect Secret block 'missing-"):
        assert place in message
