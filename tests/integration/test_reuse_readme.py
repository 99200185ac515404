"""The README's "Reuse this pipeline in your municipality" walk-through, run as written.

Its bash blocks run in order in a scratch project laid out like this one (``odp.yaml``,
``examples/`` and ``schemas/`` copied, ``profiles/`` empty), against the session portal
and the session's Prefect API; nothing in the real checkout changes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.portal_fixture import HOME, Portal
from tests.project import ROOT

pytestmark = pytest.mark.usefixtures("prefect_harness")


def reuse_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Reuse this pipeline in your municipality\n", 1)[1].split("\n## ", 1)[0]


def test_reuse_walkthrough_runs_as_written(portal: Portal, tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    blocks = re.findall(r"```bash\n(.*?)```", reuse_section(), flags=re.S)
    assert len(blocks) == 3 and "odp init profile musterstadt" in blocks[0]
    for folder in ("examples", "schemas"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copy(ROOT / "odp.yaml", tmp_path / "odp.yaml")
    (tmp_path / "profiles").mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ODP_")},
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "ODP_PORTAL_HOME": str(HOME),  # the session portal stands in for the local one
        "ODP_PORTAL_NAME": portal.layout.name,
        "ODP_CKAN_URL": portal.url,
        "ODP_CKAN_TOKEN": portal.publisher_token,
        "ODP_CACHE_DIR": str(tmp_path / "cache"),
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
    }

    def shell(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
        )

    outputs = []
    for block in blocks:
        done = shell("bash", "-euo", "pipefail", "-c", block)
        assert done.returncode == 0, (
            f"{block}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )
        outputs.append(done.stdout + done.stderr)

    assert (tmp_path / "profiles" / "musterstadt.yaml").is_file()
    assert "Creating organization musterstadt" in outputs[0]
    schema = json.loads(
        (tmp_path / "catalogues/musterstadt/schemas/wlan-hotspots.schema.json").read_text()
    )
    assert [(f["name"], f["type"]) for f in schema["fields"]] == [
        ("hotspot_id", "string"),
        ("standort", "string"),
        ("stadtteil", "string"),
        ("breitengrad", "number"),
        ("laengengrad", "number"),
        ("inbetriebnahme", "date"),
    ]
    assert schema["primaryKey"] == ["hotspot_id"]
    assert "**Valid**: 4 rows" in outputs[1]
    for name in ("modellregionen", "veranstaltungen", "wlan-hotspots"):
        pkg = portal.admin.call("package_show", id=f"musterstadt-{name}")
        assert (pkg["organization"]["name"], pkg["version"]) == ("musterstadt", "1.0.0")
        assert f"musterstadt-{name}: published 1.0.0 (new)" in outputs[2]
    assert re.search(r"\bVALID\b", outputs[2]) and "INVALID" not in outputs[2]
    deployments = (tmp_path / "prefect.musterstadt.yaml").read_text()
    assert "name: musterstadt-wlan-hotspots" in deployments

    # both scaffolding commands refuse to overwrite and refuse invalid names
    again = shell("bash", "-c", blocks[0].splitlines()[0])
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr
    bad = shell(
        "odp",
        "init",
        "dataset",
        "WLAN Hotspots",
        "--profile",
        "musterstadt",
        "--from",
        "examples/samples/wlan-hotspots.csv",
    )
    assert bad.returncode == 2 and "is not a valid CKAN name" in bad.stderr
