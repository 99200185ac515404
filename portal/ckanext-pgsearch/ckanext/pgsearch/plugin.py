"""Swap CKAN's Solr connection factory for the PostgreSQL-backed index.

CKAN reaches Solr only through ``ckan.lib.search.common.make_connection``
(imported by name into ``index``, ``query`` and the package). Replacing that
factory at import time, before CKAN checks the search service on start-up,
moves indexing and searching to PostgreSQL without touching CKAN itself.
"""

from __future__ import annotations

import logging
from typing import Any

import ckan.lib.search as search
import ckan.lib.search.common as search_common
import ckan.lib.search.index as search_index
import ckan.lib.search.query as search_query
import ckan.plugins as p
import sqlalchemy as sa
from ckan.common import config

from .backend import PgSearchConnection

log = logging.getLogger(__name__)

_engine: sa.engine.Engine | None = None


def _get_engine() -> sa.engine.Engine:
    global _engine
    if _engine is None:
        url = config.get("ckanext.pgsearch.sqlalchemy_url") or config.get("sqlalchemy.url")
        _engine = sa.create_engine(url, pool_pre_ping=True, pool_size=4, max_overflow=4)
    return _engine


def make_connection(decode_dates: bool = True) -> PgSearchConnection:
    """Return a search connection backed by PostgreSQL (replaces pysolr.Solr)."""
    return PgSearchConnection(_get_engine())


def check_schema_version(schema_file: Any = None) -> bool:
    """Replace the Solr schema check: make sure the index table exists."""
    make_connection().search(q="*:*", rows=0)
    log.info("pgsearch: PostgreSQL search index ready")
    return True


for _module in (search_common, search_index, search_query, search):
    _module.make_connection = make_connection  # type: ignore[attr-defined]
search.check_solr_schema_version = check_schema_version


class PgSearchPlugin(p.SingletonPlugin):
    """Marker plugin: loading it installs the PostgreSQL search backend."""
