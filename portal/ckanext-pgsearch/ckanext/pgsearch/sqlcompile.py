"""Compile parsed Solr queries into PostgreSQL conditions over the document table.

Documents are stored with two JSONB projections:

* ``terms``: every field as an array of strings (Solr "string" fields: exact
  match, faceting, sorting);
* ``texts``: the tokenised ("text") fields as one string each; ``tsv`` holds
  the weighted tsvector of the catch-all ``text`` field.

Values are always passed as parameters, never spliced into SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .solrquery import All, And, Dismax, Exists, Node, Not, Or, Range, Term

TS_CONFIG = "german"

# Solr fields of type "text"/"textgen" in CKAN's schema; everything else is an
# exact-match string field.
TEXT_FIELDS = frozenset(
    {
        "text",
        "title",
        "notes",
        "author",
        "maintainer",
        "author_email",
        "maintainer_email",
        "res_name",
        "res_description",
        "urls",
        "title_ngram",
    }
)
TEXT_PREFIXES = ("extras_", "res_extras_")

_DATE_MATH = re.compile(r"^NOW((?:[+-]\d+(?:YEAR|MONTH|DAY|HOUR|MINUTE|SECOND)S?)*)(/DAY)?$")
_DATE_STEP = re.compile(r"([+-]\d+)(YEAR|MONTH|DAY|HOUR|MINUTE|SECOND)S?")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def is_text_field(name: str) -> bool:
    """Tell whether a field is tokenised (full-text) rather than exact-match."""
    return name in TEXT_FIELDS or name.startswith(TEXT_PREFIXES)


@dataclass
class Compiled:
    """SQL condition with its parameters and the text queries used for ranking."""

    params: dict[str, Any] = field(default_factory=dict)
    rank_queries: list[str] = field(default_factory=list)

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"


def resolve_date(value: str, now: datetime | None = None) -> str:
    """Turn Solr date math (``NOW-7DAYS``, ``NOW/DAY``) into an ISO timestamp."""
    m = _DATE_MATH.match(value)
    if not m:
        return value
    t = now or datetime.now(UTC)
    for amount, unit in _DATE_STEP.findall(m.group(1) or ""):
        n = int(amount)
        if unit == "YEAR":
            t = t.replace(year=t.year + n)
        elif unit == "MONTH":
            month = t.month - 1 + n
            t = t.replace(year=t.year + month // 12, month=month % 12 + 1)
        else:
            t += timedelta(**{unit.lower() + "s": n})
    if m.group(2):
        t = t.replace(hour=0, minute=0, second=0, microsecond=0)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _tsquery(c: Compiled, term: Term) -> str:
    cfg = c.param(TS_CONFIG)
    if term.wildcard:
        words = re.findall(r"\w+", term.value.replace("*", " ").replace("?", " "))
        lexemes = " & ".join(f"{w.lower()}:*" for w in words) or "''"
        return f"to_tsquery({cfg}::regconfig, {c.param(lexemes)})"
    fn = "phraseto_tsquery" if term.phrase else "plainto_tsquery"
    return f"{fn}({cfg}::regconfig, {c.param(term.value)})"


def _text_match(c: Compiled, term: Term) -> str:
    query = _tsquery(c, term)
    c.rank_queries.append(query)
    if term.field == "text":
        vector = "d.tsv"
    else:
        vector = (
            f"to_tsvector({c.param(TS_CONFIG)}::regconfig, "
            f"coalesce(d.texts->>{c.param(term.field)}, ''))"
        )
    # A query made only of stop words has no lexemes; Solr ignores such words.
    return f"(numnode({query}) = 0 OR {vector} @@ {query})"


def _string_match(c: Compiled, term: Term) -> str:
    f = c.param(term.field)
    if term.wildcard:
        pattern = (
            term.value.replace("\\", "\\\\")
            .replace("%", "\\%")
            .replace("_", "\\_")
            .replace("*", "%")
            .replace("?", "_")
        )
        return (
            "EXISTS (SELECT 1 FROM jsonb_array_elements_text("
            f"coalesce(d.terms->{f}, '[]'::jsonb)) v WHERE v LIKE {c.param(pattern)})"
        )
    return f"coalesce(d.terms->{f}, '[]'::jsonb) ? {c.param(term.value)}"


def _range(c: Compiled, node: Range) -> str:
    low = resolve_date(node.low) if node.low else None
    high = resolve_date(node.high) if node.high else None
    numeric = all(v is None or _NUMBER.match(v) for v in (low, high))
    value = "v::numeric" if numeric else "v"
    conds = []
    if numeric:
        conds.append(f"v ~ {c.param(_NUMBER.pattern)}")
    if low is not None:
        op = ">=" if node.include_low else ">"
        conds.append(f"{value} {op} {c.param(float(low) if numeric else low)}")
    if high is not None:
        op = "<=" if node.include_high else "<"
        conds.append(f"{value} {op} {c.param(float(high) if numeric else high)}")
    return (
        "EXISTS (SELECT 1 FROM jsonb_array_elements_text("
        f"coalesce(d.terms->{c.param(node.field)}, '[]'::jsonb)) v WHERE {' AND '.join(conds)})"
    )


def compile_node(node: Node, c: Compiled) -> str:
    """Return a SQL boolean expression for ``node`` over table alias ``d``."""
    if isinstance(node, All):
        return "TRUE"
    if isinstance(node, Exists):
        return f"jsonb_array_length(coalesce(d.terms->{c.param(node.field)}, '[]'::jsonb)) > 0"
    if isinstance(node, Term):
        if is_text_field(node.field):
            return _text_match(c, node)
        return _string_match(c, node)
    if isinstance(node, Range):
        return _range(c, node)
    if isinstance(node, Not):
        return f"NOT ({compile_node(node.child, c)})"
    if isinstance(node, And):
        return "(" + " AND ".join(compile_node(ch, c) for ch in node.children) + ")"
    if isinstance(node, Or):
        return "(" + " OR ".join(compile_node(ch, c) for ch in node.children) + ")"
    raise TypeError(f"unknown node {node!r}")


def compile_dismax(q: Dismax, c: Compiled) -> str:
    """Return a SQL condition for a free-text (dismax) query."""
    conds = [_text_match(c, t) for t in q.required]
    conds += [f"NOT {_text_match(c, t)}" for t in q.excluded]
    if q.optional:
        hits = " + ".join(f"({_text_match(c, t)})::int" for t in q.optional)
        conds.append(f"({hits}) >= {int(q.minimum_match)}")
    return "(" + " AND ".join(conds) + ")" if conds else "TRUE"


SORT_EXPRESSIONS = {
    "score": "score",
    "name": "d.terms->'name'->>0",
    "title_string": "lower(d.terms->'title_string'->>0)",
    "metadata_modified": "d.terms->'metadata_modified'->>0",
    "metadata_created": "d.terms->'metadata_created'->>0",
}


class SortError(ValueError):
    """The sort parameter cannot be understood."""


def compile_sort(sort: str, c: Compiled) -> str:
    """Turn ``"score desc, name asc"`` into an ORDER BY list."""
    parts = []
    for item in filter(None, (s.strip() for s in sort.split(","))):
        bits = item.split()
        if len(bits) != 2 or bits[1].lower() not in ("asc", "desc"):
            raise SortError(f"Unknown sort order: {item!r}")
        name, direction = bits[0], bits[1].upper()
        expr = SORT_EXPRESSIONS.get(name) or f"d.terms->{c.param(name)}->>0"
        parts.append(f"{expr} {direction} NULLS LAST")
    parts.append("d.index_id ASC")
    return ", ".join(parts)
