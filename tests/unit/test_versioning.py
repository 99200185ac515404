"""Semantic versions, schema change levels, row diffs and COPY-ready CSV: pure functions."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from opendata_pipeline.publish.datastore import datastore_csv, datastore_fields
from opendata_pipeline.publish.rowdiff import RowDiff, row_diff
from opendata_pipeline.publish.versioning import SchemaChange, next_version, schema_changes

BASE: dict[str, Any] = {
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"required": True}},
        {"name": "ort", "type": "string", "constraints": {"enum": ["A", "B"]}},
        {"name": "wert", "type": "number", "constraints": {"minimum": 0}},
    ],
    "primaryKey": ["id"],
}


def _changed(edit: Any) -> list[tuple[str, str]]:
    new = copy.deepcopy(BASE)
    edit(new)
    return [(c.level, c.text) for c in schema_changes(BASE, new)]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda s: s["fields"].append({"name": "neu", "type": "string"}),
            [("minor", "field 'neu' added")],
        ),
        (
            lambda s: s["fields"].append({"name": "neu", "constraints": {"required": True}}),
            [("major", "field 'neu' added")],
        ),
        (lambda s: s["fields"].pop(2), [("major", "field 'wert' removed")]),
        (
            lambda s: s["fields"][2].update(name="betrag"),
            [("major", "field 'wert' removed"), ("minor", "field 'betrag' added")],
        ),
        (
            lambda s: s["fields"][1]["constraints"]["enum"].append("C"),
            [("minor", "field 'ort': enum added ['C']")],
        ),
        (
            lambda s: s["fields"][1]["constraints"]["enum"].remove("B"),
            [("major", "field 'ort': enum ['A', 'B'] -> ['A']")],
        ),
        (
            lambda s: s["fields"][2]["constraints"].update(minimum=-5),
            [("minor", "field 'wert': minimum 0 -> -5")],
        ),
        (
            lambda s: s["fields"][2]["constraints"].update(minimum=5),
            [("major", "field 'wert': minimum 0 -> 5")],
        ),
        (
            lambda s: s["fields"][2]["constraints"].update(maximum=9),
            [("major", "field 'wert': maximum None -> 9")],
        ),
        (
            lambda s: s["fields"][0]["constraints"].pop("required"),
            [("minor", "field 'id': required True -> None")],
        ),
        (
            lambda s: s["fields"][2].update(type="integer"),
            [("major", "field 'wert': type 'number' -> 'integer'")],
        ),
        (
            lambda s: s["fields"][0].update(description="Nummer"),
            [("minor", "field 'id': description added")],
        ),
        (lambda s: s.update(primaryKey=["ort"]), [("major", "primaryKey ['id'] -> ['ort']")]),
        (
            lambda s: s["fields"][1]["constraints"].update(pattern="[A-Z]"),
            [("major", "field 'ort': pattern None -> '[A-Z]'")],
        ),
    ],
)
def test_schema_change_levels(edit: Any, expected: list[tuple[str, str]]) -> None:
    assert _changed(edit) == expected


def test_identical_schemas_have_no_changes() -> None:
    assert schema_changes(BASE, copy.deepcopy(BASE)) == []


def test_next_version_follows_the_largest_change() -> None:
    minor, major = SchemaChange("minor", "m"), SchemaChange("major", "M")
    assert next_version(None, True, []) == "1.0.0"
    assert next_version("1.2.3", False, []) is None
    assert next_version("1.2.3", True, []) == "1.2.4"
    assert next_version("1.2.3", True, [minor]) == "1.3.0"
    assert next_version("1.2.3", False, [minor, major]) == "2.0.0"
    with pytest.raises(ValueError, match="not a version"):
        next_version("v1", True, [])


def test_row_diff_by_primary_key() -> None:
    old = b"id,ort\n1,A\n2,B\n3,C\n"
    new = b"id,ort\n1,A\n2,X\n4,D\n5,E\n"
    assert row_diff(old, new, ["id"]) == RowDiff(added=2, removed=1, changed=1)
    assert row_diff(None, new, ["id"]) == RowDiff(4, 0, 0)
    assert row_diff(new, new, ["id"]) == RowDiff(0, 0, 0)
    # A new column counts as a change only where it holds a value.
    assert row_diff(old, b"id,ort,neu\n1,A,\n2,B,x\n3,C,\n", ["id"]) == RowDiff(0, 0, 1)


def test_datastore_fields_and_copy_csv() -> None:
    schema = {
        "fields": [
            {"name": "d", "type": "date", "format": "%d.%m.%Y", "title": "Datum"},
            {"name": "n", "type": "number", "decimalChar": ",", "groupChar": "."},
            {"name": "b", "type": "boolean", "trueValues": ["ja"], "falseValues": ["nein"]},
            {"name": "s", "type": "string"},
        ],
        "missingValues": ["", "-"],
    }
    assert [(f["id"], f["type"]) for f in datastore_fields(schema)] == [
        ("d", "date"),
        ("n", "numeric"),
        ("b", "bool"),
        ("s", "text"),
    ]
    assert datastore_fields(schema)[0]["info"] == {"label": "Datum", "notes": ""}
    data = b'd,n,b,s\n09.11.2020,"1.234,5",ja,-\n-,-,nein,x\n'
    assert datastore_csv(data, schema) == b"d,n,b,s\n2020-11-09,1234.5,true,\n,,false,x\n"
    plain = {"fields": [{"name": "a", "type": "integer"}]}
    assert datastore_csv(b"a\n1\n", plain) == b"a\n1\n"
