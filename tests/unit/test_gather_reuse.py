"""Gathering reuses a staged table when the same sources and declaration staged it (no sockets)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from opendata_pipeline import steps
from opendata_pipeline.catalogue import DatasetSpec
from opendata_pipeline.gather import reuse
from opendata_pipeline.gather.core import fetch_sources
from opendata_pipeline.gather.readers import ReadError
from tests.specs import make_spec

FIELDS = ["id", "name", "quelle"]


def _sources(mapping: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    first = {"type": "file", "path": "a.csv", "mapping": mapping or {"rename": {"Name": "name"}}}
    return [first, {"type": "file", "path": "b.json"}]


def _dataset(folder: Path, mapping: dict[str, Any] | None = None) -> DatasetSpec:
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "a.csv").exists():
        (folder / "a.csv").write_text("id,Name\n1,Aachen\n2,Soest\n", encoding="utf-8")
        (folder / "b.json").write_text('[{"id": "3", "name": "Hamm", "quelle": "x"}]')
    return make_spec(folder, _sources(mapping), FIELDS)


def _without_times(staged: steps.Staged) -> tuple[Any, ...]:
    provenance = [{k: v for k, v in p.items() if k != "retrieved_at"} for p in staged.provenance]
    return staged.slug, staged.path, staged.sha256, provenance


def _workspace(tmp_path: Path) -> steps.Workspace:
    return steps.Workspace(tmp_path, tmp_path / "cache")


def test_an_unchanged_dataset_is_staged_again_without_reading_tables_or_pandas(
    tmp_path: Path,
) -> None:
    first = steps.gather(_dataset(tmp_path / "d"), _workspace(tmp_path))
    assert first.path.read_text(encoding="utf-8") == (
        "id,name,quelle\n1,Aachen,\n2,Soest,\n3,Hamm,x\n"
    )
    assert [p["rows"] for p in first.provenance] == [2, 1]
    # the same gathering in a fresh interpreter: the staged table is reused, pandas never loaded
    probe = f"""
import json, sys
from pathlib import Path
from opendata_pipeline import steps
from tests.unit.test_gather_reuse import _dataset, _workspace
tmp = Path({str(tmp_path)!r})
staged = steps.gather(_dataset(tmp / "d"), _workspace(tmp))
heavy = ("pandas", "numpy", "pyarrow", "icalendar", "openpyxl", "frictionless")
print(json.dumps({{"staged": [staged.slug, str(staged.path), staged.sha256, staged.provenance],
                   "loaded": [m for m in heavy if m in sys.modules]}}))
"""
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    answer = json.loads(out.strip().splitlines()[-1])
    slug, path, sha256, provenance = answer["staged"]
    again = steps.Staged(slug, Path(path), sha256, provenance)
    assert (_without_times(again), answer["loaded"]) == (_without_times(first), [])


@pytest.mark.parametrize("change", ["source bytes", "mapping", "schema", "staged file"])
def test_a_change_to_what_staged_the_table_gathers_it_again(tmp_path: Path, change: str) -> None:
    folder, workspace = tmp_path / "d", _workspace(tmp_path)
    first = steps.gather(_dataset(folder), workspace)
    spec = _dataset(folder)
    expected = "id,name,quelle\n1,Aachen,\n2,Soest,\n3,Hamm,x\n"
    if change == "source bytes":
        (folder / "a.csv").write_text("id,Name\n1,Aachen\n2,Unna\n", encoding="utf-8")
        expected = expected.replace("Soest", "Unna")
    elif change == "mapping":
        spec = _dataset(folder, {"rename": {"Name": "name"}, "constants": {"quelle": "y"}})
        expected = expected.replace("Aachen,\n", "Aachen,y\n").replace("Soest,\n", "Soest,y\n")
    elif change == "schema":
        spec = make_spec(folder, _sources(), ["name", "id", "quelle"])
        expected = "name,id,quelle\nAachen,1,\nSoest,2,\nHamm,3,x\n"
    else:  # the staged file was cleaned away: its record alone is not enough
        first.path.unlink()
    again = steps.gather(spec, workspace)
    assert again.path.read_text(encoding="utf-8") == expected
    assert again.sha256 != first.sha256 or change == "staged file"


def test_a_dataset_with_a_hook_is_always_gathered(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    _dataset(folder)
    (folder / "hook.py").write_text("def transform(frame, context):\n    return frame\n")
    spec = make_spec(folder, _sources(), FIELDS, hook="hook.py")
    ctx = _workspace(tmp_path).gather_context()
    assert reuse.stage_key(spec, fetch_sources(spec, ctx)) is None
    assert reuse.stage_key(_dataset(folder), fetch_sources(_dataset(folder), ctx)) is not None


def test_an_unreadable_source_is_reported_before_a_later_missing_one(tmp_path: Path) -> None:
    """As when sources are read one after the other: the first problem wins."""
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.csv").write_text("id,id\n1,2\n", encoding="utf-8")
    spec = make_spec(folder, _sources(), FIELDS)
    with pytest.raises(ReadError, match="header names column 'id' twice"):
        steps.gather(spec, _workspace(tmp_path))
