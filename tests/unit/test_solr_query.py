"""The pgsearch plugin's query parser (pure Python, loaded from portal/ without CKAN)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "portal" / "ckanext-pgsearch"))

from ckanext.pgsearch.solrquery import (  # noqa: E402
    All,
    And,
    Exists,
    Not,
    Or,
    QuerySyntaxError,
    Range,
    Term,
    parse,
    parse_dismax,
)
from ckanext.pgsearch.sqlcompile import Compiled, compile_sort, resolve_date  # noqa: E402


def test_ckan_default_filters() -> None:
    q = parse('+capacity:public +state:(active OR draft) groups:"digitale-daten"')
    assert q == And(
        (
            Term("capacity", "public"),
            Or((Term("state", "active"), Term("state", "draft"))),
            Term("groups", "digitale-daten", phrase=True),
        )
    )


def test_ckan_delete_query() -> None:
    q = parse('+entity_type:package AND +(id:"a" OR name:"a") AND +site_id:"s"')
    assert q == And(
        (
            Term("entity_type", "package"),
            Or((Term("id", "a", phrase=True), Term("name", "a", phrase=True))),
            Term("site_id", "s", phrase=True),
        )
    )


def test_negation_ranges_wildcards_and_match_all() -> None:
    assert parse("-tags:x") == Not(Term("tags", "x"))
    assert parse("NOT tags:x") == Not(Term("tags", "x"))
    assert parse("*:*") == All()
    assert parse("res_format:*") == Exists("res_format")
    assert parse("name:pgs-*") == Term("name", "pgs-*", wildcard=True)
    assert parse("metadata_modified:[2020-01-01T00:00:00Z TO NOW]") == Range(
        "metadata_modified", "2020-01-01T00:00:00Z", "NOW"
    )
    assert parse("num_resources:{1 TO *]") == Range("num_resources", "1", None, False, True)


def test_and_binds_tighter_than_or() -> None:
    assert parse("a:1 b:2 OR c:3") == Or((And((Term("a", "1"), Term("b", "2"))), Term("c", "3")))


def test_escapes_and_colons_in_values() -> None:
    assert parse(r"url:http\://x.org/a") == Term("url", "http://x.org/a")
    assert parse("metadata_modified:2020-01-01T00:00:00Z") == Term(
        "metadata_modified", "2020-01-01T00:00:00Z"
    )


def test_bare_words_use_the_default_field() -> None:
    assert parse("digitale daten") == And((Term("text", "digitale"), Term("text", "daten")))


@pytest.mark.parametrize("bad", ['name:"open', "(a:1", "a:1)", "name:"])
def test_syntax_errors(bad: str) -> None:
    with pytest.raises(QuerySyntaxError):
        parse(bad)


def test_dismax_minimum_match() -> None:
    assert parse_dismax("a b").minimum_match == 2
    assert parse_dismax("a b c").minimum_match == 2  # 2<-1: all but one
    assert parse_dismax("a b c d e f g h i j").minimum_match == 8  # 5<80%
    q = parse_dismax('+muss "ein satz" -nicht')
    assert q.required == (Term("text", "muss"),)
    assert q.optional == (Term("text", "ein satz", phrase=True),)
    assert q.excluded == (Term("text", "nicht"),)


def test_date_math() -> None:
    now = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)
    assert resolve_date("NOW", now) == "2026-03-31T15:30:00Z"
    assert resolve_date("NOW-1DAY", now) == "2026-03-30T15:30:00Z"
    assert resolve_date("NOW/DAY", now) == "2026-03-31T00:00:00Z"
    assert resolve_date("2020-01-01T00:00:00Z", now) == "2020-01-01T00:00:00Z"


def test_sort_is_parameterised() -> None:
    c = Compiled()
    order = compile_sort("score desc, extras_x asc", c)
    assert order.startswith("score DESC NULLS LAST, d.terms->%(p0)s->>0 ASC")
    assert c.params == {"p0": "extras_x"}
