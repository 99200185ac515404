"""Readers, mapping and hooks on small local inputs (no sockets)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest

from opendata_pipeline.catalogue import Mapping
from opendata_pipeline.gather.core import GatherContext, GatherError, gather_dataset
from opendata_pipeline.gather.mapping import MappingError, apply_mapping
from opendata_pipeline.gather.readers import ReadError, read_csv
from tests.specs import make_spec

L = "dataset d, source s"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (codecs.BOM_UTF8 + "a,b\n1,Ä\n".encode(), [["1", "Ä"]]),
        ("a;b\r\n1;Ö\r\n".encode("utf-16"), [["1", "Ö"]]),
        ("a\tb\n1\tß\n".encode("cp1252"), [["1", "ß"]]),
        (b"a,b\n1,x\n\n2,y\n", [["1", "x"], ["2", "y"]]),
    ],
)
def test_encodings_and_delimiters_are_detected(body: bytes, expected: list[list[str]]) -> None:
    assert read_csv(body, L).values.tolist() == expected


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "dataset d, source s: the file is empty"),
        (
            b"a,b,c\n1,2\n",
            "dataset d, source s: row 2 has 2 cells, the header has 3 (delimiter ',')",
        ),
        (
            b"a,,c\n1,2,3\n",
            "dataset d, source s: header has blank column name(s) at position(s) [2]",
        ),
        (b"a,b,a\n1,2,3\n", "dataset d, source s: header names column 'a' twice"),
        (
            b"a,b\n1,\x00\n",
            "dataset d, source s: the file holds NUL bytes: it is not a text table",
        ),
    ],
)
def test_unreadable_csv(body: bytes, message: str) -> None:
    with pytest.raises(ReadError) as err:
        read_csv(body, L)
    assert str(err.value) == message


def test_mapping_order_and_value_maps() -> None:
    frame = pd.DataFrame({"Ort": ["AC", "SO"], "Name": ["x", "y"], "tmp": ["", ""]})
    mapping = Mapping.model_validate(
        {
            "rename": {"Name": "name"},
            "copy": {"region_id": "Ort"},
            "values": {"region_id": {"AC": "aachen", "SO": "soest"}},
            "constants": {"format": "virtuell"},
            "drop": ["tmp", "Ort"],
            "origin_column": "herkunft",
        }
    )
    out = apply_mapping(frame, mapping, L, "file.csv")
    assert out.to_dict("records") == [
        {"name": "x", "region_id": "aachen", "format": "virtuell", "herkunft": "file.csv"},
        {"name": "y", "region_id": "soest", "format": "virtuell", "herkunft": "file.csv"},
    ]


def test_unmapped_value_names_row_and_column() -> None:
    frame = pd.DataFrame({"ort": ["AC", "XX"]})
    mapping = Mapping.model_validate({"values": {"ort": {"AC": "aachen"}}})
    with pytest.raises(MappingError) as err:
        apply_mapping(frame, mapping, L, "f")
    assert str(err.value) == (
        "dataset d, source s: row 3, column 'ort': value 'XX' has no entry in the value map "
        "(known: ['AC'])"
    )


def test_several_sources_and_a_hook(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.csv").write_text("id,name\n1,Aachen\n")
    (folder / "b.json").write_text('[{"id": 2, "name": "Soest"}]')
    (folder / "hook.py").write_text(
        "def transform(frame, context):\n"
        "    frame['name'] = frame['name'].str.upper()\n"
        "    return frame\n"
    )
    spec = make_spec(
        folder,
        [{"type": "file", "path": "a.csv"}, {"type": "file", "path": "b.json"}],
        ["id", "name"],
        hook="hook.py",
    )
    result = gather_dataset(spec, GatherContext(tmp_path))
    assert result.frame.values.tolist() == [["1", "AACHEN"], ["2", "SOEST"]]
    assert [p.uri for p in result.provenance] == ["d/a.csv", "d/b.json"]


def test_columns_outside_the_schema_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.csv").write_text("id,name,extra\n1,x,y\n")
    spec = make_spec(folder, [{"type": "file", "path": "a.csv"}], ["id", "name"])
    with pytest.raises(GatherError, match=r"column\(s\) \['extra'\] are not in the schema"):
        gather_dataset(spec, GatherContext(tmp_path))


def test_gather_and_validation_read_a_csv_with_one_dialect_detection() -> None:
    """A file frictionless reads with ';' and a quote is gathered with the same cells."""
    from opendata_pipeline.gather.tables import CsvTable

    body = 'name;wert\n"Aachen; Stadt";"1,5"\nSoest;2\n'.encode("cp1252")
    frame = read_csv(body, L)
    with CsvTable(body) as table:
        assert table.dialect.delimiter == ";"
        assert frame.columns.tolist() == table.labels
    assert frame.values.tolist() == [["Aachen; Stadt", "1,5"], ["Soest", "2"]]
