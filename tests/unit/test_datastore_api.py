"""The DataStore-API loader (stock portals), on an in-memory stand-in for CKAN's DataStore.

The stand-in keeps the semantics the loader relies on: ``_id`` grows with every
insert, ``upsert`` matches the primary key, ``delete`` takes ``_id`` lists, and
``datastore_search`` pages by offset. The real API is exercised by
``tests/integration/test_stock_portal.py`` and ``make compat``.
"""

from __future__ import annotations

from typing import Any

import pytest

from opendata_pipeline.errors import PortalNotFound
from opendata_pipeline.publish import datastore_api
from opendata_pipeline.publish.datastore_api import Table, batches, load_table, normalise_key

FIELDS = [{"id": "id", "type": "int8", "info": {"label": "Kennung"}}, {"id": "ort", "type": "text"}]


class FakeDataStore:
    """One resource's table, as CKAN's DataStore API shows it."""

    def __init__(self) -> None:
        self.fields: list[dict[str, Any]] | None = None
        self.key: list[str] = []
        self.rows: list[dict[str, Any]] = []
        self.next_id = 1
        self.calls: list[str] = []
        self.totals_seen: list[int | None] = []

    def call(self, action: str, **data: Any) -> Any:
        self.calls.append(action)
        self.totals_seen.append(len(self.rows) if self.fields is not None else None)
        return getattr(self, action)(**data)

    def datastore_search(self, limit: int, offset: int = 0, **data: Any) -> dict[str, Any]:
        if self.fields is None:
            raise PortalNotFound("no table")
        fields = [{"id": "_id", "type": "int"}, *self.fields]
        page = sorted(self.rows, key=lambda r: r["_id"])[offset : offset + limit]
        return {"fields": fields, "total": len(self.rows), "records": page}

    def datastore_create(self, fields: list[dict[str, Any]], primary_key: list[str], **_: Any):
        if self.fields is not None:
            assert [f["id"] for f in fields] == [f["id"] for f in self.fields]
        self.fields, self.key = fields, primary_key

    def datastore_upsert(self, records: list[dict[str, Any]], method: str, **_: Any) -> None:
        assert self.fields is not None
        for record in records:
            typed = {k: (int(v) if k == "id" and v is not None else v) for k, v in record.items()}
            same = [r for r in self.rows if self.key and all(r[k] == typed[k] for k in self.key)]
            if method == "insert" and same:
                raise AssertionError("duplicate key on insert")
            if method == "upsert" and same:
                same[0].update(typed)
                continue
            self.rows.append({"_id": self.next_id, **typed})
            self.next_id += 1

    def datastore_delete(self, filters: dict[str, Any] | None = None, **_: Any) -> None:
        if filters is None:
            self.fields, self.rows = None, []
            return

        def matches(row: dict[str, Any]) -> bool:
            for name, wanted in filters.items():
                values = wanted if isinstance(wanted, list) else [wanted]
                if str(row[name]) not in {str(v) for v in values}:
                    return False
            return True

        self.rows = [r for r in self.rows if not matches(r)]


def _table(rows: list[tuple[int, str]], key: list[str]) -> Table:
    text = "id,ort\n" + "".join(f"{i},{o}\n" for i, o in rows)
    return Table(text.encode(), FIELDS, key, len(rows))


@pytest.mark.parametrize("key", [["id"], []])
def test_a_new_version_replaces_the_rows_without_ever_emptying_the_table(key: list[str]) -> None:
    store = FakeDataStore()
    assert load_table(store, "r", _table([(1, "Aachen"), (2, "Soest")], key))["method"] == (
        "rebuild"
    )
    store.totals_seen.clear()
    result = load_table(store, "r", _table([(2, "Hagen"), (3, "Unna")], key))
    assert result == {"rows": 2, "method": "replace rows", "path": "datastore-api"}
    assert sorted((r["id"], r["ort"]) for r in store.rows) == [(2, "Hagen"), (3, "Unna")]
    assert None not in store.totals_seen and 0 not in store.totals_seen
    # the new rows went in before any old row was deleted
    assert store.calls.index("datastore_upsert") < store.calls.index("datastore_delete")


def test_other_columns_rebuild_the_table() -> None:
    store = FakeDataStore()
    load_table(store, "r", _table([(1, "Aachen")], ["id"]))
    wider = Table(b"id,ort,kreis\n1,Aachen,AC\n", [*FIELDS, {"id": "kreis", "type": "text"}], [], 1)
    assert load_table(store, "r", wider)["method"] == "rebuild"
    assert store.rows == [{"_id": 2, "id": 1, "ort": "Aachen", "kreis": "AC"}]


def test_a_wrong_count_after_loading_rebuilds() -> None:
    store = FakeDataStore()
    load_table(store, "r", _table([(1, "Aachen")], ["id"]))
    store.rows.append({"_id": 99, "id": 7, "ort": "fremd"})  # written by someone else meanwhile
    original = datastore_api.replace_rows

    def sloppy(client: Any, resource_id: str, table: Table, found: dict[str, Any]) -> None:
        client.datastore_upsert(records=[{"id": "1", "ort": "Aachen"}], method="upsert")

    datastore_api.replace_rows = sloppy  # type: ignore[assignment]
    try:
        result = load_table(store, "r", _table([(1, "Aachen")], ["id"]))
    finally:
        datastore_api.replace_rows = original  # type: ignore[assignment]
    assert result["method"] == "rebuild after count check"
    assert [(r["id"], r["ort"]) for r in store.rows] == [(1, "Aachen")]


def test_batches_turn_empty_cells_into_null_and_stay_small(monkeypatch: Any) -> None:
    monkeypatch.setattr(datastore_api, "BATCH_ROWS", 2)
    table = Table(b'id,ort\n1,\n2,"a,b"\n3,x\n', FIELDS, [], 3)
    assert list(batches(table)) == [
        [{"id": "1", "ort": None}, {"id": "2", "ort": "a,b"}],
        [{"id": "3", "ort": "x"}],
    ]


@pytest.mark.parametrize(
    ("csv_value", "stored", "kind"),
    [
        ("7", 7, "int8"),
        ("1.50", 1.5, "numeric"),
        ("2020-11-09", "2020-11-09T00:00:00", "date"),
        ("true", True, "bool"),
        ("Soest", "Soest", "text"),
    ],
)
def test_key_values_compare_the_same_from_csv_and_from_the_table(
    csv_value: str, stored: Any, kind: str
) -> None:
    assert normalise_key(csv_value, kind) == normalise_key(stored, kind)


def test_the_shape_changes_with_types_and_key() -> None:
    base = _table([(1, "a")], ["id"])
    assert base.shape == _table([(2, "b")], ["id"]).shape
    assert base.shape != _table([(1, "a")], []).shape


def test_a_table_known_to_hold_the_previous_version_gets_only_the_changed_rows() -> None:
    store = FakeDataStore()
    before = _table([(1, "Aachen"), (2, "Soest"), (3, "Unna")], ["id"])
    load_table(store, "r", before)
    store.calls.clear()
    store.totals_seen.clear()
    after = _table([(1, "Aachen"), (2, "Hagen"), (4, "Hamm")], ["id"])
    result = load_table(store, "r", after, previous=before)
    assert (result["method"], result["written"], result["rows"]) == ("changed rows", 3, 3)
    assert sorted((r["id"], r["ort"]) for r in store.rows) == [
        (1, "Aachen"),
        (2, "Hagen"),
        (4, "Hamm"),
    ]
    assert next(r["_id"] for r in store.rows if r["id"] == 1) == 1  # untouched
    assert store.calls.count("datastore_upsert") == 1 and 0 not in store.totals_seen


def test_a_previous_version_the_table_does_not_hold_falls_back_to_replacing() -> None:
    store = FakeDataStore()
    load_table(store, "r", _table([(1, "Aachen"), (2, "Soest")], ["id"]))
    claimed = _table([(1, "Aachen")], ["id"])  # one row, but the table holds two
    result = load_table(store, "r", _table([(1, "Aachen"), (3, "Unna")], ["id"]), previous=claimed)
    assert result["method"] == "replace rows"
    assert sorted(r["id"] for r in store.rows) == [1, 3]
