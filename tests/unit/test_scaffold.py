"""odp init: drafts from a sample, never overwriting, only valid CKAN names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opendata_pipeline.errors import ConfigError
from opendata_pipeline.scaffold import init_dataset, init_profile
from tests.project import ROOT, catalogue, load_profile

SAMPLE = ROOT / "examples" / "samples" / "wlan-hotspots.csv"


def test_profile_is_written_once_and_loads(tmp_path: Path) -> None:
    [path] = init_profile("musterstadt", tmp_path).files
    profile = load_profile(str(path))
    assert (profile.organization.name, profile.catalogue.name_prefix) == (
        "musterstadt",
        "musterstadt-",
    )
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="refusing to overwrite"):
        init_profile("musterstadt", tmp_path)
    assert path.read_bytes() == before
    for bad in ("Musterstadt", "muster stadt", "m", "-muster"):
        with pytest.raises(ConfigError, match="not a valid CKAN name"):
            init_profile(bad, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["musterstadt.yaml"]


def test_dataset_draft_loads_and_is_never_overwritten(tmp_path: Path) -> None:
    profile = load_profile(str(init_profile("musterstadt", tmp_path / "profiles").files[0]))
    written = init_dataset(profile, "wlan", str(SAMPLE)).files
    assert [p.name for p in written] == ["dataset.yaml", "wlan.schema.json", "wlan-hotspots.csv"]
    spec = catalogue(profile)["musterstadt-wlan"]
    assert spec.schema_path == written[1] and spec.license.id == "dl-de-by-2.0"
    schema = json.loads(written[1].read_text())
    assert schema["primaryKey"] == ["hotspot_id"]
    before = {p: p.read_bytes() for p in written}
    with pytest.raises(ConfigError, match="refusing to overwrite"):
        init_dataset(profile, "wlan", str(SAMPLE))
    assert {p: p.read_bytes() for p in written} == before
    with pytest.raises(ConfigError, match="not a valid CKAN name"):
        init_dataset(profile, "WLAN", str(SAMPLE))
    assert not (profile.catalogue_root / "datasets" / "WLAN").exists()
