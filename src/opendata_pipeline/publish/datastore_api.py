"""Load a DataStore table through CKAN's own DataStore API (portals without ckanext-odp).

A municipal portal that the publisher does not administer has CKAN's ``datastore``
plugin but not this project's loader. There the table is filled with
``datastore_create`` (columns typed from the Table Schema, the data dictionary in
each field's ``info``, the primary key) and ``datastore_upsert`` in batches.

CKAN's API cannot swap a whole table atomically, so what a reader sees depends on
the case (the README repeats this):

* **Same columns as the table holds** (a new version that keeps the schema): the new
  rows are written into the live table first (``upsert`` by primary key, or
  ``insert`` without one), and only then are the old rows deleted. A reader never
  sees an empty or missing table: during the load the table holds the old rows plus
  the new ones written so far (rows of both versions at once), for as long as the
  load takes.
* **New columns or types** (a major version), or **no table yet**: the table is
  created anew and filled batch by batch; meanwhile a reader sees no table, then a
  growing part of the new rows.

The load ends with a check: the table holds exactly the version's row count,
otherwise it is rebuilt. What the table holds is recorded on the data resource
(``odp_datastore_token``: the load token of the version's bytes and table shape) by a
compare-and-swap on the package, so a plan can tell that an interrupted load is
pending and a stale publisher's marker never lands on a newer version.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..ckan import CkanClient
from ..errors import PortalConflict, PortalNotFound

#: Resource field recording what the resource's DataStore table holds (its load token).
LOADED_FIELD = "odp_datastore_token"
#: Resource field recording the table's shape (columns, types, primary key).
SHAPE_FIELD = "odp_datastore_shape"
BATCH_ROWS = 5_000
BATCH_BYTES = 4_000_000
"""A batch stays under this many bytes of JSON (CKAN and its web server limit bodies)."""
PAGE = 32_000
"""Rows per ``datastore_search`` page when listing the table's row ids."""
#: PostgreSQL types whose values compare as text once normalised (for primary keys).
_KEY_TYPES = {"text", "int8", "int4", "date", "numeric", "bool"}


@dataclass(frozen=True)
class Table:
    """What to load: the COPY-ready CSV and the typed columns of the table."""

    csv: bytes | Path
    """The CSV's bytes, or its file (read in a stream)."""
    fields: list[dict[str, Any]]
    primary_key: list[str]
    rows: int

    @property
    def shape(self) -> str:
        """Digest of the columns, their types and the primary key."""
        shape = [[f["id"], f["type"]] for f in self.fields] + [self.primary_key]
        return hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:16]


def batches(table: Table) -> Iterator[list[dict[str, Any]]]:
    """The table's rows as DataStore records, in batches (empty cells are NULL)."""
    with _opened(table.csv) as raw:
        yield from _read_batches(raw)


def _opened(source: bytes | Path) -> IO[bytes]:
    return source.open("rb") if isinstance(source, Path) else io.BytesIO(source)


def _read_batches(raw: IO[bytes]) -> Iterator[list[dict[str, Any]]]:
    reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
    header = next(reader, None)
    if header is None:
        return
    batch: list[dict[str, Any]] = []
    size = 0
    for row in reader:
        record = {
            name: (cell if cell != "" else None) for name, cell in zip(header, row, strict=True)
        }
        batch.append(record)
        size += sum(len(c) + 8 for c in row) + 16
        if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def normalise_key(value: Any, kind: str) -> str | None:
    """One text form for a key value, whether it came from the CSV or the DataStore."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if kind in ("int8", "int4"):
        return str(int(float(text))) if "." in text or "e" in text.lower() else str(int(text))
    if kind == "numeric":
        from decimal import Decimal

        number = Decimal(text).normalize()
        return format(number, "f")
    if kind == "date":
        return text[:10]
    if kind == "bool":
        return str(text.lower() in ("true", "t", "1", "yes", "y", "on"))
    return text


def describe(client: CkanClient, resource_id: str) -> dict[str, Any] | None:
    """The resource's DataStore table (``fields`` and ``total``); None if it has none."""
    try:
        found: dict[str, Any] = client.call(
            "datastore_search", resource_id=resource_id, limit=0, include_total=True
        )
    except PortalNotFound:
        return None
    return found


def _columns(found: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["id"], f["type"]) for f in found.get("fields", []) if f["id"] != "_id"]


def _row_ids(client: CkanClient, resource_id: str, key: list[str]) -> list[dict[str, Any]]:
    """Every row's ``_id`` (and key columns) as the table holds them now."""
    rows: list[dict[str, Any]] = []
    while True:
        page = client.call(
            "datastore_search",
            resource_id=resource_id,
            fields=["_id", *key],
            sort="_id",
            limit=PAGE,
            offset=len(rows),
            include_total=False,
        )
        rows += page["records"]
        if len(page["records"]) < PAGE:
            return rows


def _write(client: CkanClient, resource_id: str, table: Table, method: str) -> None:
    for batch in batches(table):
        client.call(
            "datastore_upsert",
            resource_id=resource_id,
            records=batch,
            method=method,
            force=True,
            calculate_record_count=False,
        )


def _delete_ids(client: CkanClient, resource_id: str, ids: list[int]) -> None:
    for start in range(0, len(ids), BATCH_ROWS):
        chunk = ids[start : start + BATCH_ROWS]
        client.call("datastore_delete", resource_id=resource_id, filters={"_id": chunk}, force=True)


def _create(client: CkanClient, resource_id: str, table: Table) -> None:
    client.call(
        "datastore_create",
        resource_id=resource_id,
        fields=table.fields,
        primary_key=table.primary_key,
        force=True,
        calculate_record_count=False,
    )


def rebuild(client: CkanClient, resource_id: str, table: Table, exists: bool) -> None:
    """Create the table anew and fill it (no table, or a table of another shape)."""
    if exists:
        client.call("datastore_delete", resource_id=resource_id, force=True)
    _create(client, resource_id, table)
    _write(client, resource_id, table, "insert")


def replace_rows(client: CkanClient, resource_id: str, table: Table, found: dict[str, Any]) -> None:
    """New rows in first, old rows out after: the table is never empty on the way."""
    kinds = dict(_columns(found))
    keyed = bool(table.primary_key) and all(kinds.get(k) in _KEY_TYPES for k in table.primary_key)
    old = _row_ids(client, resource_id, table.primary_key if keyed else [])
    _create(client, resource_id, table)  # updates the data dictionary in place
    if keyed:
        _write(client, resource_id, table, "upsert")
        kept = {
            tuple(normalise_key(r.get(k), kinds[k]) for k in table.primary_key)
            for batch in batches(table)
            for r in batch
        }
        stale = [
            r["_id"]
            for r in old
            if tuple(normalise_key(r.get(k), kinds[k]) for k in table.primary_key) not in kept
        ]
    else:
        if table.primary_key:  # a key type this module does not compare: start afresh
            rebuild(client, resource_id, table, exists=True)
            return
        _write(client, resource_id, table, "insert")
        stale = [r["_id"] for r in old]
    _delete_ids(client, resource_id, stale)


def _digests(table: Table) -> dict[tuple[str | None, ...], bytes]:
    """Each row's key (as text) and a digest of the whole row (as text)."""
    rows: dict[tuple[str | None, ...], bytes] = {}
    for batch in batches(table):
        for record in batch:
            key = tuple(record[k] for k in table.primary_key)
            rows[key] = hashlib.blake2b(json.dumps(list(record.values())).encode()).digest()
    return rows


def change_rows(client: CkanClient, resource_id: str, previous: Table, table: Table) -> int:
    """Write only what differs from ``previous``, which the table is known to hold exactly.

    Rows new or changed (compared as the text both versions' CSV has) are upserted by
    key; then rows whose key is gone are deleted. Returns the rows written or deleted.
    """
    old = _digests(previous)
    pending: list[dict[str, Any]] = []
    written = 0

    def flush() -> None:
        if pending:
            client.call(
                "datastore_upsert",
                resource_id=resource_id,
                records=pending,
                method="upsert",
                force=True,
                calculate_record_count=False,
            )

    for batch in batches(table):
        for record in batch:
            key = tuple(record[k] for k in table.primary_key)
            digest = hashlib.blake2b(json.dumps(list(record.values())).encode()).digest()
            if old.pop(key, None) != digest:
                pending.append(record)
        if len(pending) >= BATCH_ROWS:
            flush()
            written += len(pending)
            pending = []
    flush()
    written += len(pending)
    gone = list(old)
    if len(table.primary_key) == 1:
        name = table.primary_key[0]
        for start in range(0, len(gone), BATCH_ROWS):
            values = [key[0] for key in gone[start : start + BATCH_ROWS]]
            client.call(
                "datastore_delete", resource_id=resource_id, filters={name: values}, force=True
            )
    else:
        for key in gone:
            filters = dict(zip(table.primary_key, key, strict=True))
            client.call("datastore_delete", resource_id=resource_id, filters=filters, force=True)
    return written + len(gone)


def load_table(
    client: CkanClient, resource_id: str, table: Table, previous: Table | None = None
) -> dict[str, Any]:
    """Make the resource's DataStore table hold exactly ``table``; return a load record.

    Args:
        previous: what the table holds now, when that is certain (the load of the
            previous version was recorded): then only the rows that differ are written.

    Raises:
        PortalRejected: the portal refused a DataStore call (permissions, types).
        PortalUnavailable: the portal did not answer.
    """
    found = describe(client, resource_id)
    same = found is not None and _columns(found) == [(f["id"], f["type"]) for f in table.fields]
    record: dict[str, Any] = {"path": "datastore-api"}
    diffable = (
        previous is not None
        and bool(table.primary_key)
        and previous.shape == table.shape
        and found is not None
        and found.get("total") == previous.rows
    )
    if same and diffable and previous is not None and found is not None:
        _create(client, resource_id, table)  # updates the data dictionary in place
        record.update(
            method="changed rows", written=change_rows(client, resource_id, previous, table)
        )
    elif same and found is not None:
        replace_rows(client, resource_id, table, found)
        record["method"] = "replace rows"
    else:
        rebuild(client, resource_id, table, exists=found is not None)
        record["method"] = "rebuild"
    after = describe(client, resource_id)
    if after is None or after.get("total") != table.rows:
        # something else wrote to the table meanwhile, or keys compared wrongly: start afresh
        rebuild(client, resource_id, table, exists=after is not None)
        record["method"] = "rebuild after count check"
        after = describe(client, resource_id)
    record["rows"] = (after or {}).get("total")
    return record


def record_load(
    client: CkanClient, package_id: str, resource_id: str, table: Table, sha256: str, token: str
) -> bool:
    """Note on the data resource that its table holds the version with ``sha256``.

    A compare-and-swap on the resource's sha256: a stale publisher's note never lands
    on a newer version. Returns False if the resource names another version now.
    """
    revise: dict[str, Any] = {
        f"match__resources__{resource_id}__sha256": sha256,
        f"update__resources__{resource_id}": {LOADED_FIELD: token, SHAPE_FIELD: table.shape},
    }
    try:
        client.call("package_revise", match={"id": package_id}, **revise)
    except PortalConflict:
        return False
    return True
