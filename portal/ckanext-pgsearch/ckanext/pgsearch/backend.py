"""A PostgreSQL search index that answers CKAN the way ``pysolr.Solr`` does."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from typing import Any

import pysolr
import sqlalchemy as sa

from . import solrquery
from .sqlcompile import (
    TS_CONFIG,
    Compiled,
    SortError,
    compile_dismax,
    compile_node,
    compile_sort,
    is_text_field,
)

log = logging.getLogger(__name__)

TABLE = "pgsearch_document"

# Sources of Solr's catch-all "text" field in CKAN's schema (copyField), with
# the weight each gets when ranking: A highest.
TEXT_SOURCES = {
    "name": "A",
    "title": "A",
    "tags": "B",
    "groups": "B",
    "organization": "C",
    "notes": "C",
    "res_name": "D",
    "res_description": "D",
    "maintainer": "D",
    "author": "D",
    "license": "D",
    "text": "D",
    "urls": "D",
    "url": "D",
    "res_url": "D",
}
TEXT_SOURCE_PREFIXES = ("extras_", "res_extras_", "vocab_")

DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    index_id text PRIMARY KEY,
    site_id text,
    doc jsonb NOT NULL,
    terms jsonb NOT NULL,
    texts jsonb NOT NULL,
    tsv tsvector NOT NULL
);
CREATE INDEX IF NOT EXISTS {TABLE}_terms_idx ON {TABLE} USING gin (terms jsonb_path_ops);
CREATE INDEX IF NOT EXISTS {TABLE}_tsv_idx ON {TABLE} USING gin (tsv);
"""


def _strings(value: Any) -> list[str]:
    if value is None or isinstance(value, dict):
        return []
    if isinstance(value, (list, tuple, set)):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    return [str(value)]


def project(doc: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, str], dict[str, str]]:
    """Split an index document into exact terms, text fields and weighted text."""
    terms = {
        k: _strings(v) for k, v in doc.items() if k not in ("data_dict", "validated_data_dict")
    }
    terms = {k: v for k, v in terms.items() if v}
    texts = {k: " ".join(v) for k, v in terms.items() if is_text_field(k)}
    weighted: dict[str, list[str]] = {"A": [], "B": [], "C": [], "D": []}
    for key, values in terms.items():
        weight = TEXT_SOURCES.get(key) or ("D" if key.startswith(TEXT_SOURCE_PREFIXES) else None)
        if weight:
            weighted[weight].extend(values)
    # Split names like "digitale-daten" into words as well.
    weighted["A"].extend(v.replace("-", " ").replace("_", " ") for v in terms.get("name", []))
    texts["text"] = " ".join(" ".join(v) for v in weighted.values())
    return terms, texts, {w: " ".join(v) for w, v in weighted.items()}


class PgSearchConnection:
    """Drop-in for the ``pysolr.Solr`` object CKAN uses (add, delete, commit, search)."""

    _ready_lock = threading.Lock()
    _ready_engines: set[int] = set()

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        self.url = f"pgsearch:{engine.url.render_as_string(hide_password=True)}"

    def _ensure_table(self) -> None:
        key = id(self.engine)
        if key in self._ready_engines:
            return
        with self._ready_lock, self.engine.begin() as conn:
            # Serialise concurrent CREATE ... IF NOT EXISTS from several workers.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(778899001)")
            conn.exec_driver_sql(DDL)
            self._ready_engines.add(key)

    def _execute(self, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
        self._ensure_table()
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute(sql, params or {})
            rows = cur.fetchall() if cur.description else []
            raw.commit()
            return rows
        except Exception as exc:
            raw.rollback()
            raise pysolr.SolrError(f"pgsearch: {exc}") from exc
        finally:
            raw.close()

    def add(self, docs: Iterable[dict[str, Any]], commit: bool = True, **_: Any) -> str:
        for doc in docs:
            terms, texts, weighted = project(doc)
            tsv_parts = " || ".join(
                f"setweight(to_tsvector('{TS_CONFIG}', %({w})s), '{w}')" for w in "ABCD"
            )
            self._execute(
                f"""INSERT INTO {TABLE} (index_id, site_id, doc, terms, texts, tsv)
                VALUES (%(index_id)s, %(site_id)s, %(doc)s, %(terms)s, %(texts)s, {tsv_parts})
                ON CONFLICT (index_id) DO UPDATE SET site_id = EXCLUDED.site_id,
                  doc = EXCLUDED.doc, terms = EXCLUDED.terms, texts = EXCLUDED.texts,
                  tsv = EXCLUDED.tsv""",
                {
                    "index_id": doc.get("index_id") or doc["id"],
                    "site_id": doc.get("site_id"),
                    "doc": json.dumps(doc, default=str),
                    "terms": json.dumps(terms),
                    "texts": json.dumps(texts),
                    **weighted,
                },
            )
        return "ok"

    def delete(self, id: Any = None, q: str | None = None, commit: bool = True, **_: Any) -> str:
        if id is not None:
            ids = id if isinstance(id, list) else [id]
            self._execute(f"DELETE FROM {TABLE} WHERE index_id = ANY(%(ids)s)", {"ids": ids})
        if q is not None:
            c = Compiled()
            where = compile_node(solrquery.parse(q), c)
            self._execute(f"DELETE FROM {TABLE} d WHERE {where}", c.params)
        return "ok"

    def commit(self, *_: Any, **__: Any) -> str:
        # Every write commits its own transaction; nothing is pending.
        return "ok"

    def search(self, q: str = "*:*", **kw: Any) -> pysolr.Results:
        try:
            return self._search(q, kw)
        except (solrquery.QuerySyntaxError, SortError) as exc:
            raise pysolr.SolrError(str(exc)) from exc

    def _where(self, q: str, kw: dict[str, Any], c: Compiled) -> str:
        df = kw.get("df", "text")
        if kw.get("defType") == "dismax" and ":" not in q:
            main = compile_dismax(solrquery.parse_dismax(q, str(kw.get("mm", "2<-1 5<80%"))), c)
        else:
            main = compile_node(solrquery.parse(q or "*:*", df), c)
        fqs = kw.get("fq") or []
        if isinstance(fqs, str):
            fqs = [fqs]
        conds = [main] + [compile_node(solrquery.parse(fq, df), c) for fq in fqs if fq]
        return " AND ".join(conds)

    def _search(self, q: str, kw: dict[str, Any]) -> pysolr.Results:
        c = Compiled()
        where = self._where(q, kw, c)
        ranks = " || ".join(c.rank_queries)
        score = f"ts_rank(d.tsv, {ranks})" if ranks else "1.0"
        order = compile_sort(str(kw.get("sort") or "score desc"), c)
        rows = int(kw.get("rows", 10))
        start = int(kw.get("start", 0))
        matched = f"SELECT d.*, {score} AS score FROM {TABLE} d WHERE {where}"
        hits = self._execute(f"SELECT count(*) FROM ({matched}) m", c.params)[0][0]
        page = self._execute(
            f"SELECT doc, score FROM ({matched}) d ORDER BY {order} "
            f"LIMIT {max(rows, 0)} OFFSET {max(start, 0)}",
            c.params,
        )
        docs = [_select_fields(doc, score, kw.get("fl")) for doc, score in page]
        facets = self._facets(matched, c, kw) if str(kw.get("facet", "")).lower() == "true" else {}
        return pysolr.Results(
            {"response": {"docs": docs, "numFound": hits}, "facet_counts": {"facet_fields": facets}}
        )

    def _facets(self, matched: str, c: Compiled, kw: dict[str, Any]) -> dict[str, list[Any]]:
        fields = kw.get("facet.field") or []
        if isinstance(fields, str):
            fields = json.loads(fields) if fields.startswith("[") else [fields]
        limit = int(kw.get("facet.limit", 50) or 50)
        mincount = int(kw.get("facet.mincount", 1) or 0)
        order = "v ASC" if kw.get("facet.sort") == "index" else "n DESC, v ASC"
        out: dict[str, list[Any]] = {}
        for name in fields:
            params = dict(c.params, facet_field=name, mincount=mincount)
            rows = self._execute(
                f"""SELECT v, count(*) AS n FROM ({matched}) m,
                      jsonb_array_elements_text(coalesce(m.terms->%(facet_field)s, '[]'::jsonb)) v
                    GROUP BY v HAVING count(*) >= %(mincount)s ORDER BY {order}
                    {"" if limit < 0 else f"LIMIT {limit}"}""",
                params,
            )
            out[name] = [x for v, n in rows for x in (v, n)]
        return out


def _select_fields(doc: dict[str, Any], score: float, fl: Any) -> dict[str, Any]:
    wanted = (fl or "*").replace(",", " ").split() if isinstance(fl, str) else list(fl or ["*"])
    result = dict(doc) if "*" in wanted else {k: doc[k] for k in wanted if k in doc}
    if "score" in wanted:
        result["score"] = float(score)
    return result
