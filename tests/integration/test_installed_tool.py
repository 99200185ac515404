"""``odp`` as an installed tool: a wheel built here, a fresh virtualenv, a project elsewhere.

The wheel is built in the test and installed without network (uv's cache holds
every locked dependency after ``make``), into a virtualenv outside this
repository; a new catalogue project is started with ``odp init project`` and
published to the session portal. Nothing of this checkout is on the path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.portal_fixture import Portal
from tests.project import ROOT

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _uv() -> str:
    for place in (Path(sys.executable).parent / "uv", ROOT / ".tools" / "bin" / "uv"):
        if place.exists():
            return str(place)
    found = shutil.which("uv")
    assert found, "uv is needed (make installs it into .tools/)"
    return found


def _run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{argv}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def test_wheel_in_a_fresh_virtualenv_publishes_a_new_project(
    portal: Portal, tmp_path: Path
) -> None:
    from prefect.settings import PREFECT_API_URL

    uv = _uv()
    _run([uv, "build", "--wheel", "--offline", "--out-dir", str(tmp_path / "dist")], ROOT)
    [wheel] = (tmp_path / "dist").glob("opendata_pipeline-*.whl")
    locked = tmp_path / "requirements.txt"
    _run(
        [uv, "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes"]
        + ["--format", "requirements-txt", "-o", str(locked), "-q"],
        ROOT,
    )
    venv = tmp_path / "venv"
    python = str(venv / "bin" / "python")
    _run([uv, "venv", "-q", "--python", "3.11", str(venv)], tmp_path)
    # not --offline: uv's cache holds the locked wheels but, on a machine whose .venv was
    # installed from the lock file, not the package index pages that sync resolves with
    _run([uv, "pip", "sync", "-q", "--python", python, str(locked)], tmp_path)
    _run(
        [uv, "pip", "install", "-q", "--offline", "--no-deps", "--python", python, str(wheel)],
        tmp_path,
    )
    odp = str(venv / "bin" / "odp")

    # the installed package is the wheel's, not this checkout's
    where = _run(
        [python, "-c", "import opendata_pipeline; print(opendata_pipeline.__file__)"], tmp_path
    )
    assert str(venv) in where and str(ROOT) not in where

    admin = portal.admin
    admin.call("organization_create", name="toolstadt", title="Toolstadt (Test)")
    admin.call(
        "organization_member_create", id="toolstadt", username="odp-publisher", role="editor"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ODP_", "VIRTUAL_ENV"))},
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "ODP_CKAN_TOKEN": portal.publisher_token,
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
    }
    project = tmp_path / "projekt"
    written = _run([odp, "init", "project", str(project), "--name", "toolstadt"], tmp_path, env)
    assert "odp.yaml" in written and "profiles/toolstadt.yaml" in written
    sample = ROOT / "examples" / "samples" / "wlan-hotspots.csv"
    _run([odp, "init", "dataset", "wlan", "--from", str(sample)], project, env)
    assert "**Valid**: 4 rows" in _run([odp, "validate", "toolstadt-wlan"], project, env)
    # a draft from odp init is refused until reviewed, or published on purpose
    refused = subprocess.run(
        [odp, "publish", "--portal-url", portal.url], cwd=project, env=env, capture_output=True
    )
    assert refused.returncode == 2, refused.stderr
    assert b"datasets/wlan/dataset.yaml is still the draft" in refused.stderr
    published = _run([odp, "publish", "--portal-url", portal.url, "--allow-draft"], project, env)
    assert f"toolstadt-wlan: published 1.0.0 (new)  {portal.url}/dataset/toolstadt-wlan" in (
        published
    )
    pkg = portal.publisher.call("package_show", id="toolstadt-wlan")
    assert (pkg["version"], pkg["organization"]["name"]) == ("1.0.0", "toolstadt")
    again = _run([odp, "plan", "--portal-url", portal.url], project, env)
    assert "toolstadt-wlan: unchanged (portal: 1.0.0)" in again
