"""A single CSV source is gathered batch by batch: the staged bytes are exactly those of
the whole-table path, and errors name the same row and value."""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import Any

import pytest

from opendata_pipeline.gather import tables
from opendata_pipeline.gather.core import (
    GatherContext,
    _streams,
    combine,
    fetch_sources,
    write_table,
)
from opendata_pipeline.gather.mapping import MappingError
from opendata_pipeline.gather.readers import csv_batches
from tests.specs import make_spec

ROWS = [
    ["1", "Aachen", "a, b", ""],
    ["2", 'say "hi"', "line\nbreak", "x"],
    ["3", "Ünna", "", ""],
    ["4", " padded ", "=1+1", "y"],
]


def _csv(rows: list[list[str]], delimiter: str = ",", blank_every: int = 0) -> str:
    out = io.StringIO()
    import csv

    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["id", "name", "note", "flag"])
    for i, row in enumerate(rows):
        writer.writerow(row)
        if blank_every and i % blank_every == 0:
            out.write("\r\n")  # blank lines carry no data
    return out.getvalue()


def _both(
    tmp_path: Path, body: bytes, source: dict[str, Any], fields: list[str]
) -> tuple[bytes, bytes]:
    folder = tmp_path / "d"
    folder.mkdir(exist_ok=True)
    (folder / "a.csv").write_bytes(body)
    spec = make_spec(folder, [{"type": "file", "path": "a.csv", **source}], fields)
    fetched = fetch_sources(spec, GatherContext(tmp_path))
    assert _streams(spec, fetched)
    whole = io.BytesIO()
    gathered = combine(spec, fetched)
    gathered.write_csv(whole)
    streamed = io.BytesIO()
    provenance = write_table(spec, fetched, streamed)
    assert [p.rows for p in provenance] == [p.rows for p in gathered.provenance]
    return whole.getvalue(), streamed.getvalue()


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of a few rows, so that every table here spans several."""
    monkeypatch.setattr(tables, "ARROW_BLOCK", 64)
    defaults = list(tables.CsvTable.__init__.__kwdefaults__ or {})
    assert "batch_rows" in defaults
    monkeypatch.setitem(tables.CsvTable.__init__.__kwdefaults__, "batch_rows", 3)


MAPPING = {
    "rename": {"name": "titel"},
    "drop": ["flag"],
    "copy_columns": {"kopie": "id"},
    "constants": {"quelle": "Stadt"},
    "values": {"note": {"a, b": "A-B", "=1+1": "Formel", "line\nbreak": "Umbruch"}},
    "origin_column": "herkunft",
}


@pytest.mark.parametrize(
    ("text", "encoding", "source", "fields"),
    [
        (_csv(ROWS * 40), "utf-8", {}, ["id", "name", "note", "flag"]),
        (_csv(ROWS * 40, ";", blank_every=7), "utf-8", {}, ["id", "name", "note", "flag"]),
        (_csv(ROWS * 40), "cp1252", {"encoding": "cp1252"}, ["id", "name", "note", "flag"]),
        (_csv(ROWS * 3), "utf-8-sig", {}, ["flag", "note", "id", "name"]),  # schema order
        (
            _csv(ROWS * 40),
            "utf-8",
            {"mapping": MAPPING},
            ["id", "titel", "note", "kopie", "quelle", "herkunft"],
        ),  # fmt: skip
        (_csv([]), "utf-8", {}, ["id", "name", "note", "flag"]),  # a header only
        ("id\n\n1\n\n\n2\n", "utf-8", {}, ["id"]),  # one column, blank lines
    ],
)
def test_streamed_bytes_are_the_whole_tables_bytes(
    tmp_path: Path, text: str, encoding: str, source: dict[str, Any], fields: list[str]
) -> None:
    body = text.encode(encoding)
    whole, streamed = _both(tmp_path, body, source, fields)
    assert streamed == whole
    if len(text) > 200:  # these span several batches
        assert len(list(csv_batches(body, "a.csv", source.get("encoding")))) > 1


def test_a_value_map_error_names_what_the_whole_table_would(tmp_path: Path) -> None:
    # "b" fails in the first batch, "a" (sorted first) only in a later one: the message
    # is the whole table's, naming "a" and its row
    rows = [["1", "x", "b", ""]] + [["2", "x", "ok", ""]] * 20 + [["3", "x", "a", ""]]
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.csv").write_text(_csv(rows), encoding="utf-8")
    source = {"type": "file", "path": "a.csv", "mapping": {"values": {"note": {"ok": "OK"}}}}
    spec = make_spec(folder, [source], ["id", "name", "note", "flag"])
    fetched = fetch_sources(spec, GatherContext(tmp_path))
    with pytest.raises(MappingError) as whole:
        combine(spec, fetched)
    target = io.BytesIO()
    with pytest.raises(MappingError) as streamed:
        write_table(spec, fetched, target)
    assert str(streamed.value) == str(whole.value)
    assert "'a'" in str(whole.value) and "row 23" in str(whole.value)


def test_only_one_csv_source_without_a_hook_is_streamed(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.csv").write_bytes(codecs.BOM_UTF8 + b"id\n1\n")
    (folder / "b.json").write_text('[{"id": 2}]')
    (folder / "hook.py").write_text("def transform(frame, context):\n    return frame\n")
    one = make_spec(folder, [{"type": "file", "path": "a.csv"}], ["id"])
    two = make_spec(
        folder, [{"type": "file", "path": "a.csv"}, {"type": "file", "path": "b.json"}], ["id"]
    )
    hooked = make_spec(folder, [{"type": "file", "path": "a.csv"}], ["id"], hook="hook.py")
    ctx = GatherContext(tmp_path)
    assert _streams(one, fetch_sources(one, ctx))
    assert not _streams(two, fetch_sources(two, ctx))
    assert not _streams(hooked, fetch_sources(hooked, ctx))
    out = io.BytesIO()
    write_table(two, fetch_sources(two, ctx), out)  # the whole-table path, same call
    assert out.getvalue() == b"id\n1\n2\n"
