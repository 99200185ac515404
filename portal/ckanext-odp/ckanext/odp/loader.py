"""Load a CSV into a DataStore table with COPY and swap it in atomically.

A table whose rows another table already holds (the archived copy of the current
version) is filled from that table inside the database, without a second upload.

The new table is built under a hidden name (leading underscore, so CKAN's
``_table_metadata`` view ignores it), either in the same transaction that drops
the old table and renames the new one into place, or ahead of time (``stage``,
committed but hidden) so that the swap alone follows the version's metadata
commit. Readers keep querying the old table until the swap commits and then
see the complete new one; a failure at any point rolls everything back.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import IO, Any

TYPES = {
    "int4",
    "int8",
    "numeric",
    "float8",
    "text",
    "date",
    "time",
    "timestamp",
    "timestamptz",
    "bool",
    "json",
    "interval",
}


def ident(name: str) -> str:
    """Quote a PostgreSQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """Quote a PostgreSQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def index_name(table: str, expr: str) -> str:
    """Name an index the way CKAN's DataStore does (sha1 of table + expression)."""
    return hashlib.sha1((table + expr).encode("utf-8")).hexdigest()


def check_fields(fields: list[dict[str, Any]], primary_key: list[str]) -> None:
    """Refuse unknown types, reserved or overlong names and keys that name no field."""
    names = [f["id"] for f in fields]
    problems = []
    for f in fields:
        if f.get("type") not in TYPES:
            problems.append(f"field {f['id']!r}: type {f.get('type')!r} not one of {sorted(TYPES)}")
        if f["id"].startswith("_") or len(f["id"]) > 63 or not f["id"]:
            problems.append(f"field {f['id']!r}: names must not start with '_' or exceed 63 chars")
    if len(set(names)) != len(names):
        problems.append("duplicate field names")
    problems += [f"primary key field {k!r} is not a field" for k in primary_key if k not in names]
    if problems:
        raise ValueError("; ".join(problems))


def table_status(cursor: Any, table: str) -> dict[str, Any]:
    """Return the load record kept as the table's comment ({} if no table or no record)."""
    cursor.execute(
        "SELECT obj_description(c.oid, 'pg_class') FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relname = %s AND c.relkind = 'r'",
        (table,),
    )
    row = cursor.fetchone()
    if row is None:
        return {}
    try:
        record = json.loads(row[0] or "{}")
    except ValueError:
        record = {}
    return {"exists": True, **(record.get("odp") or {})}


def _column_comment(field: dict[str, Any]) -> str:
    info = {k: v for k, v in (field.get("info") or {}).items() if v not in (None, "")}
    # CKAN reads ' ' + JSON with the data dictionary under "_info".
    return " " + json.dumps({"_info": info}, ensure_ascii=False, separators=(",", ":"))


def stage_name(table: str, token: str) -> str:
    """The hidden table a load of ``token`` into ``table`` is built in before the swap."""
    return f"{STAGE_PREFIX}{_short(table)}_{_short(token)}"


STAGE_PREFIX = "_odp_s_"


def _short(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def _exists(cur: Any, table: str) -> bool:
    cur.execute("SELECT to_regclass(%s) IS NOT NULL", (ident(table),))
    return bool(cur.fetchone()[0])


def same_load(cur: Any, table: str, token: str, fields: list[dict[str, Any]]) -> bool:
    """``table`` holds the rows of the load ``token`` (the same bytes, same table shape).

    Its columns are checked too: a table altered since its load is not a copy source.
    The table is locked against a swap until the transaction ends, so the rows copied
    are the rows checked.
    """
    if not _exists(cur, table):
        return False
    cur.execute(f"LOCK TABLE {ident(table)} IN ACCESS SHARE MODE")
    if table_status(cur, table).get("token") != token:
        return False
    cur.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped "
        "AND a.attname NOT IN ('_id', '_full_text') ORDER BY a.attnum",
        (ident(table),),
    )
    found = [(name, kind) for name, kind in cur.fetchall()]
    wanted = [(f["id"], _PG_NAMES.get(f["type"], f["type"])) for f in fields]
    return found == wanted


#: How ``format_type`` names the DataStore types this loader creates.
_PG_NAMES = {
    "int4": "integer",
    "int8": "bigint",
    "float8": "double precision",
    "bool": "boolean",
    "time": "time without time zone",
    "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
}


def build(
    cur: Any,
    stage: str,
    fields: list[dict[str, Any]],
    primary_key: list[str],
    source: IO[bytes] | str,
    record: dict[str, Any],
    fts_lang: str,
    fts_method: str,
    full_text_max_rows: int,
) -> dict[str, Any]:
    """Fill the new hidden table ``stage``; return its load record.

    Args:
        source: the CSV bytes to COPY in, or the name of a table that holds the same
            load (``same_load``): its rows are copied inside the database, in order.
    """
    check_fields(fields, primary_key)
    columns = ", ".join(ident(f["id"]) for f in fields)
    cur.execute(f"DROP TABLE IF EXISTS {ident(stage)} CASCADE")
    cur.execute(
        f"CREATE TABLE {ident(stage)} (_id serial PRIMARY KEY, _full_text tsvector, "
        + ", ".join(f"{ident(f['id'])} {f['type']}" for f in fields)
        + ")"
    )
    if isinstance(source, str):
        cur.execute(
            f"INSERT INTO {ident(stage)} ({columns}) "
            f"SELECT {columns} FROM {ident(source)} ORDER BY _id"
        )
    else:
        cur.copy_expert(
            f"COPY {ident(stage)} ({columns}) FROM STDIN WITH (FORMAT csv, HEADER true)", source
        )
    rows = cur.rowcount
    if primary_key:
        key = ", ".join(ident(k) for k in primary_key)
        cur.execute(f"CREATE UNIQUE INDEX {ident(stage + '_key')} ON {ident(stage)} ({key})")
        # A constraint (not only an index) is what datastore_info reports as uniquekey.
        cur.execute(
            f"ALTER TABLE {ident(stage)} ADD CONSTRAINT {ident(stage + '_key')} "
            f"UNIQUE USING INDEX {ident(stage + '_key')}"
        )
    full_text = rows <= full_text_max_rows
    if full_text:
        text = " || ' ' || ".join(f"coalesce({ident(f['id'])}::text, '')" for f in fields)
        cur.execute(
            f"UPDATE {ident(stage)} SET _full_text = to_tsvector({literal(fts_lang)}, {text})"
        )
        cur.execute(
            f"CREATE INDEX {ident(stage + '_fts')} ON {ident(stage)} "
            f"USING {fts_method} (_full_text)"
        )
    for f in fields:
        column = f"{ident(stage)}.{ident(f['id'])}"
        cur.execute(f"COMMENT ON COLUMN {column} IS {literal(_column_comment(f))}")
    done = dict(record, rows=rows, full_text=full_text, primary_key=primary_key)
    cur.execute(f"COMMENT ON TABLE {ident(stage)} IS {literal(json.dumps({'odp': done}))}")
    return done


def swap(cur: Any, stage: str, table: str) -> dict[str, Any]:
    """Put the hidden table ``stage`` in place of ``table`` (in the caller's transaction).

    Other hidden tables staged for ``table`` are dropped: they belong to loads that
    were superseded or interrupted.
    """
    done = table_status(cur, stage)
    done.pop("exists", None)
    primary_key, full_text = done.get("primary_key") or [], done.get("full_text")
    # The swap: readers wait on this lock for the few statements below, never see a gap.
    cur.execute(f"DROP TABLE IF EXISTS {ident(table)} CASCADE")
    cur.execute(f"ALTER TABLE {ident(stage)} RENAME TO {ident(table)}")
    cur.execute(f"ALTER SEQUENCE {ident(stage + '__id_seq')} RENAME TO {ident(table + '__id_seq')}")
    cur.execute(f"ALTER INDEX {ident(stage + '_pkey')} RENAME TO {ident(table + '_pkey')}")
    if primary_key:
        key_expr = ", ".join(ident(k) for k in primary_key)
        final = ident(index_name(table, key_expr))
        cur.execute(f"ALTER INDEX {ident(stage + '_key')} RENAME TO {final}")
    if full_text:
        cur.execute(
            f"ALTER INDEX {ident(stage + '_fts')} "
            f"RENAME TO {ident(index_name(table, ident('_full_text')))}"
        )
    # CKAN 2.12 caches row counts per table; the cached one belongs to the old table.
    cur.execute("SELECT to_regclass('_table_stats') IS NOT NULL")
    if cur.fetchone()[0]:
        cur.execute("DELETE FROM _table_stats WHERE resource_id = %s", (table,))
    # Keep CKAN's trigger so later datastore_upsert calls fill _full_text.
    cur.execute(
        f"CREATE TRIGGER zfulltext BEFORE INSERT OR UPDATE ON {ident(table)} "
        "FOR EACH ROW EXECUTE PROCEDURE populate_full_text_trigger()"
    )
    cur.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname LIKE %s",
        (f"{STAGE_PREFIX}{_short(table)}\\_%",),
    )
    for (left,) in cur.fetchall():
        cur.execute(f"DROP TABLE IF EXISTS {ident(left)} CASCADE")
    return done


def lock(cur: Any, table: str) -> None:
    """Serialise swaps into ``table`` until the transaction ends."""
    cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ("odp:" + table,))


def stage(
    connection: Any,
    table: str,
    token: str,
    fields: list[dict[str, Any]],
    primary_key: list[str],
    source: IO[bytes],
    record: dict[str, Any],
    fts_lang: str,
    fts_method: str,
    full_text_max_rows: int,
) -> dict[str, Any]:
    """Build the table for a later swap (``swap_staged``) and commit it, hidden."""
    started = time.perf_counter()
    with connection.cursor() as cur:
        done = build(
            cur,
            stage_name(table, token),
            fields,
            primary_key,
            source,
            record,
            fts_lang,
            fts_method,
            full_text_max_rows,
        )
    connection.commit()
    return dict(done, seconds=round(time.perf_counter() - started, 3))


def staged(cur: Any, table: str, token: str) -> bool:
    """A hidden table for this load is built and waits for its swap."""
    return _exists(cur, stage_name(table, token))


def load(
    connection: Any,
    table: str,
    fields: list[dict[str, Any]],
    primary_key: list[str],
    source: IO[bytes] | str | None,
    record: dict[str, Any],
    fts_lang: str,
    fts_method: str,
    full_text_max_rows: int,
) -> dict[str, Any]:
    """Build the new table from ``source`` (CSV with a header row) and swap it in.

    Args:
        connection: a psycopg2 connection of the DataStore's write user.
        table: the resource id (the public table name).
        fields: DataStore fields (id, type, info) in CSV column order.
        primary_key: field ids forming the unique key.
        source: the CSV bytes (UTF-8, empty unquoted cell = NULL), or the name of a
            table holding the same load (``same_load``, checked by the caller); None
            to swap in the table ``stage`` built for ``record["token"]``.
        record: what to remember about this load (token, version, sha256).
        fts_lang: full-text language; fts_method: index method (gist or gin).
        full_text_max_rows: above this row count, no full-text column is built.

    Returns:
        The load record including rows, full_text and seconds.
    """
    started = time.perf_counter()
    hidden = stage_name(table, record["token"])
    with connection.cursor() as cur:
        if source is not None:
            build(
                cur,
                hidden,
                fields,
                primary_key,
                source,
                record,
                fts_lang,
                fts_method,
                full_text_max_rows,
            )
        done = swap(cur, hidden, table)
    connection.commit()
    return dict(done, seconds=round(time.perf_counter() - started, 3))
