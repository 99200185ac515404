"""The CKAN token never shows up in what a run leaves: logs, artifacts, parameters, errors."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from opendata_pipeline.cli import main
from opendata_pipeline.flows import publish_catalogue
from opendata_pipeline.orchestrate.summary import run_result
from tests.catalogues import profile_for
from tests.flowing import catalogue_copy, run_record
from tests.portal_fixture import Portal

pytestmark = pytest.mark.usefixtures("prefect_harness")


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
    texts += [line for r in getattr(result, "outcomes", []) for line in (r.line(), r.details)]
    assert len(texts) > 20  # the run did leave logs, artifacts and files to search
    return texts


def test_canary_token_is_in_no_log_artifact_parameter_or_error(
    portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = f"odp-canary-{uuid.uuid4().hex}"
    cat = catalogue_copy(tmp_path, monkeypatch, portal.url, canary)
    state = publish_catalogue(**cat.params(), return_state=True)
    assert state.is_failed()
    result = run_result(state)
    # CKAN reads with an unknown token as anonymous; the first write is refused, legibly
    assert {(o.status, o.stage) for o in result.outcomes} == {("failed", "apply")}
    errors = {o.dataset: o.error or "" for o in result.outcomes}
    for own in ("modellregionen", "programm-kennzahlen"):
        assert "package_create: not authorized" in errors[cat.names[own]]
    for referencing in ("projekte", "veranstaltungen"):  # not tried without their reference
        assert "not published: referenced dataset(s)" in errors[cat.names[referencing]]
    texts = _everything_the_run_left(state, tmp_path / "cache")
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
    args = ["publish", cat.names["modellregionen"], "--profile", cat.profile]
    cli = CliRunner().invoke(main, [*args, "--portal-url", portal.url])
    assert cli.exit_code == 1, cli.output
    assert f"{cat.names['modellregionen']}: FAILED at apply" in cli.output
    assert "Traceback" not in cli.output
    assert canary not in cli.output


def test_token_from_a_secret_block_publishes_and_stays_secret(
    portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.blocks.system import Secret

    cat = catalogue_copy(tmp_path, monkeypatch, portal.url, "unused")
    monkeypatch.delenv("ODP_CKAN_TOKEN")
    block = f"odp-token-{uuid.uuid4().hex[:8]}"
    Secret(value=portal.publisher_token).save(block, overwrite=True)
    profile_for(cat.root, Path(cat.profile), token={"block": block})
    state = publish_catalogue(**cat.params(), return_state=True)
    assert state.is_completed(), state.message
    assert {o.version for o in state.result().outcomes} == {"1.0.0"}
    texts = _everything_the_run_left(state, tmp_path / "cache")
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
    cat = catalogue_copy(tmp_path, monkeypatch, portal.url, "unused")
    monkeypatch.delenv("ODP_CKAN_TOKEN")
    missing = f"missing-{uuid.uuid4().hex[:8]}"
    profile_for(cat.root, Path(cat.profile), token={"block": missing})
    state = publish_catalogue(**cat.params(), return_state=True)
    result = run_result(state)
    assert {o.stage for o in result.outcomes} == {"apply"}  # plans read without a token
    message = result.outcomes[0].error or ""
    assert "No CKAN API token found" in message
    for place in ("ODP_CKAN_TOKEN", "ODP_CKAN_TOKEN_FILE", "Prefect Secret block 'missing-"):
        assert place in message
