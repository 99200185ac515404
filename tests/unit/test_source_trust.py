"""Sources read only what they may: files inside the project (not hidden, not token files),
http(s) URLs on allowed hosts; odp init writes through no symbolic link."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from opendata_pipeline.catalogue import DatasetSpec
from opendata_pipeline.errors import ConfigError
from opendata_pipeline.gather.core import GatherContext, gather_dataset
from opendata_pipeline.gather.trust import SourceRefused, check_url, host_allowed
from opendata_pipeline.names import is_ckan_name
from opendata_pipeline.profile import TokenSource
from opendata_pipeline.scaffold import init_profile, init_project
from opendata_pipeline.settings import load_settings
from opendata_pipeline.steps import workspace_for
from tests.project import load_profile
from tests.specs import make_spec

CANARY = f"odp-canary-{uuid.uuid4().hex}"


def _file_spec(project: Path, path: str) -> DatasetSpec:
    return make_spec(project / "datasets" / "d", [{"type": "file", "path": path}], ["id"])


def _gather_refused(project: Path, path: str, ctx: GatherContext | None = None) -> str:
    spec = _file_spec(project, path)
    with pytest.raises(SourceRefused) as caught:
        gather_dataset(spec, ctx or GatherContext(project))
    message = str(caught.value)
    assert message.startswith(f"dataset testdaten, source {path}: ")
    assert caught.value.kind == "config"
    return message


def test_a_file_outside_the_project_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    outside = tmp_path / "outside.csv"
    outside.write_text(f"{CANARY}\n1\n")
    message = _gather_refused(project, "../../../outside.csv")
    assert "outside the catalogue project" in message
    assert _gather_refused(project, str(outside))  # an absolute path too
    assert CANARY not in message


def test_a_symbolic_link_out_of_the_project_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (tmp_path / "secret.csv").write_text(f"{CANARY}\n1\n")
    folder = project / "datasets" / "d"
    folder.mkdir(parents=True)
    (folder / "link.csv").symlink_to(tmp_path / "secret.csv")
    message = _gather_refused(project, "link.csv")
    assert "outside the catalogue project" in message and CANARY not in message


def test_the_portal_token_file_is_never_read_as_a_source(tmp_path: Path) -> None:
    project = tmp_path / "project"
    secrets = project / ".portal" / "instances" / "local" / "secrets"
    secrets.mkdir(parents=True)
    (secrets / "publisher.token").write_text(CANARY)
    message = _gather_refused(project, "../../.portal/instances/local/secrets/publisher.token")
    assert "hidden or secret file" in message and CANARY not in message


def test_a_token_file_the_profile_names_is_never_read_as_a_source(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "profiles").mkdir(parents=True)
    (project / "profiles" / "token.txt").write_text(CANARY)
    profile = load_profile().model_copy(
        update={"path": project / "profiles" / "p.yaml", "token": TokenSource(file="token.txt")}
    )
    workspace = workspace_for(project, tmp_path / "cache", profile, load_settings())
    assert workspace.secret_files == ((project / "profiles" / "token.txt").resolve(),)
    message = _gather_refused(project, "../../profiles/token.txt", workspace.gather_context())
    assert CANARY not in message


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.org/a.csv", "gopher://x/", "http:///nohost", "a.csv"],
)
def test_only_http_and_https_urls(url: str) -> None:
    with pytest.raises(SourceRefused, match="is not an http\\(s\\) URL"):
        check_url(url, (), "dataset d, source s")


def test_the_profile_allows_hosts() -> None:
    allowed = ("daten.example.org", "*.nrw.de", "127.0.0.1:8080")
    assert host_allowed("daten.example.org", 443, allowed)
    assert host_allowed("opendata.nrw.de", 443, allowed)
    assert host_allowed("127.0.0.1", 8080, allowed)
    assert not host_allowed("127.0.0.1", 5050, allowed)
    assert not host_allowed("evil.example.org", 443, allowed)
    assert not host_allowed("nrw.de.evil.org", 443, allowed)
    check_url("https://daten.example.org/a.csv", allowed, "s")
    with pytest.raises(SourceRefused, match="not in the profile's source_hosts"):
        check_url("http://127.0.0.1:5050/api/3/action/user_list", allowed, "s")
    check_url("http://127.0.0.1:5050/anything", (), "s")  # no list: any host


def test_names_are_matched_in_full() -> None:
    assert is_ckan_name("nlprobe")
    assert not is_ckan_name("nlprobe\n")
    with pytest.raises(ConfigError, match="not a valid CKAN name"):
        init_profile("nlprobe\n", Path("/nonexistent"))


def test_odp_init_does_not_write_through_a_dangling_symbolic_link(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    target = tmp_path / "elsewhere" / "planted.yaml"
    (profiles / "probe.yaml").symlink_to(target)
    with pytest.raises(ConfigError, match="refusing to overwrite"):
        init_profile("probe", profiles)
    assert not target.exists() and not target.parent.exists()

    linked = tmp_path / "linked"
    os.symlink(tmp_path / "elsewhere", linked)
    with pytest.raises(ConfigError, match="symbolic link"):
        init_profile("other", linked)
    assert not (tmp_path / "elsewhere").exists()

    project = tmp_path / "project"
    (project / "flows").mkdir(parents=True)
    (project / "flows" / "publish.py").symlink_to(tmp_path / "evil.py")
    with pytest.raises(ConfigError, match="refusing to overwrite"):
        init_project(project)
    assert not (tmp_path / "evil.py").exists()
