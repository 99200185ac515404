"""Parse the subset of Solr's query syntax that CKAN sends into a small AST.

Pure Python, no CKAN imports, so it can be unit-tested anywhere.

Grammar (CKAN always sends ``q.op=AND``, so juxtaposition means AND and
AND binds tighter than OR)::

    expr    := conj (OR conj)*
    conj    := unary ([AND] unary)*
    unary   := ('+' | '-' | '!' | NOT)? primary
    primary := '(' expr ')' | FIELD ':' (value | range | '(' expr ')') | value
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class QuerySyntaxError(ValueError):
    """The query string is not valid Solr syntax."""


@dataclass(frozen=True)
class All:
    """Matches every document (``*:*``)."""


@dataclass(frozen=True)
class Term:
    field: str
    value: str
    phrase: bool = False
    wildcard: bool = False


@dataclass(frozen=True)
class Exists:
    field: str


@dataclass(frozen=True)
class Range:
    field: str
    low: str | None
    high: str | None
    include_low: bool = True
    include_high: bool = True


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = All | Term | Exists | Range | And | Or | Not


@dataclass(frozen=True)
class _Tok:
    kind: str  # LP RP AND OR NOT PLUS MINUS FIELD WORD PHRASE RANGE
    text: str = ""
    wildcard: bool = False
    extra: tuple[str | None, str | None, bool, bool] | None = None


_SPECIAL = set('()"[]{}')
_RANGE_RE = re.compile(r"^\s*(\S+)\s+TO\s+(\S+)\s*$")


def _read_word(s: str, i: int, allow_colon: bool) -> tuple[str, bool, int, bool]:
    """Read an unquoted word; return (text, has_wildcard, next index, ended_with_colon)."""
    out: list[str] = []
    wildcard = False
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n:
            out.append(s[i + 1])
            i += 2
            continue
        if c.isspace() or c in _SPECIAL:
            break
        if c == ":" and not allow_colon:
            return "".join(out), wildcard, i + 1, True
        if c in "*?":
            wildcard = True
        out.append(c)
        i += 1
    return "".join(out), wildcard, i, False


def _read_phrase(s: str, i: int) -> tuple[str, int]:
    out: list[str] = []
    i += 1
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n:
            out.append(s[i + 1])
            i += 2
            continue
        if c == '"':
            return "".join(out), i + 1
        out.append(c)
        i += 1
    raise QuerySyntaxError("unterminated quoted string")


def _read_range(s: str, i: int) -> tuple[_Tok, int]:
    include_low = s[i] == "["
    end = i + 1
    while end < len(s) and s[end] not in "]}":
        end += 1
    if end >= len(s):
        raise QuerySyntaxError("unterminated range")
    m = _RANGE_RE.match(s[i + 1 : end])
    if not m:
        raise QuerySyntaxError(f"bad range {s[i : end + 1]!r}")
    low, high = (None if v == "*" else v.strip('"') for v in m.groups())
    return _Tok("RANGE", extra=(low, high, include_low, s[end] == "]")), end + 1


def tokenize(s: str) -> list[_Tok]:
    """Split a query string into tokens."""
    toks: list[_Tok] = []
    i, n = 0, len(s)
    after_field = False
    while i < n:
        c = s[i]
        if c.isspace():
            i += 1
            continue
        if c == "(":
            toks.append(_Tok("LP"))
            i += 1
        elif c == ")":
            toks.append(_Tok("RP"))
            i += 1
        elif c == '"':
            text, i = _read_phrase(s, i)
            toks.append(_Tok("PHRASE", text))
        elif c in "[{" and after_field:
            tok, i = _read_range(s, i)
            toks.append(tok)
        elif s.startswith("&&", i):
            toks.append(_Tok("AND"))
            i += 2
        elif s.startswith("||", i):
            toks.append(_Tok("OR"))
            i += 2
        elif c in "+-!" and not after_field and i + 1 < n and not s[i + 1].isspace():
            toks.append(_Tok({"+": "PLUS", "-": "MINUS", "!": "MINUS"}[c]))
            i += 1
        else:
            text, wildcard, i, is_field = _read_word(s, i, allow_colon=after_field)
            if is_field:
                toks.append(_Tok("FIELD", text))
                after_field = True
                continue
            text = re.sub(r"(\^[0-9.]+|~[0-9]*)$", "", text)
            if not after_field and text in ("AND", "OR", "NOT"):
                toks.append(_Tok(text))
            elif text:
                toks.append(_Tok("WORD", text, wildcard))
        after_field = False
    return toks


class _Parser:
    def __init__(self, toks: list[_Tok], default_field: str) -> None:
        self.toks = toks
        self.pos = 0
        self.default_field = default_field

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise QuerySyntaxError("unexpected end of query")
        self.pos += 1
        return tok

    def expr(self, field: str) -> Node:
        parts = [self.conj(field)]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            parts.append(self.conj(field))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conj(self, field: str) -> Node:
        parts = [self.unary(field)]
        while (tok := self.peek()) is not None and tok.kind not in ("OR", "RP"):
            if tok.kind == "AND":
                self.take()
            parts.append(self.unary(field))
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self, field: str) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind in ("PLUS", "MINUS", "NOT"):
            self.take()
            inner = self.primary(field)
            return inner if tok.kind == "PLUS" else Not(inner)
        return self.primary(field)

    def group(self, field: str) -> Node:
        node = self.expr(field)
        if self.take().kind != "RP":
            raise QuerySyntaxError("missing closing parenthesis")
        return node

    def primary(self, field: str) -> Node:
        tok = self.take()
        if tok.kind == "LP":
            return self.group(field)
        if tok.kind == "FIELD":
            return self.field_value(tok.text)
        if tok.kind in ("WORD", "PHRASE"):
            return _term(field, tok)
        raise QuerySyntaxError(f"unexpected {tok.kind}")

    def field_value(self, field: str) -> Node:
        tok = self.take()
        if tok.kind == "LP":
            return self.group(field)
        if tok.kind == "RANGE":
            assert tok.extra is not None
            low, high, inc_low, inc_high = tok.extra
            if low is None and high is None:
                return Exists(field)
            return Range(field, low, high, inc_low, inc_high)
        if tok.kind in ("WORD", "PHRASE"):
            return _term(field, tok)
        raise QuerySyntaxError(f"no value after {field}:")


def _term(field: str, tok: _Tok) -> Node:
    if tok.kind == "PHRASE":
        return Term(field, tok.text, phrase=True)
    if tok.text == "*":
        return All() if field == "*" else Exists(field)
    return Term(field, tok.text, wildcard=tok.wildcard)


def parse(query: str, default_field: str = "text") -> Node:
    """Parse a Lucene-syntax query (as CKAN sends in ``q`` and ``fq``)."""
    toks = tokenize(query)
    if not toks:
        return All()
    parser = _Parser(toks, default_field)
    node = parser.expr(default_field)
    if parser.peek() is not None:
        raise QuerySyntaxError("unbalanced parenthesis")
    return node


@dataclass(frozen=True)
class Dismax:
    """A free-text query: required, optional and excluded words or phrases."""

    required: tuple[Term, ...]
    optional: tuple[Term, ...]
    excluded: tuple[Term, ...]
    minimum_match: int


def _mm_required(spec: str, n: int) -> int:
    """Apply Solr's ``mm`` (minimum should match) spec to ``n`` optional clauses."""
    spec = spec.strip()
    if not spec:
        return n
    if "<" not in spec:
        return _mm_value(spec, n)
    result = n
    for part in spec.split():
        bound, value = part.split("<", 1)
        if n > int(bound):
            result = _mm_value(value, n)
    return result


def _mm_value(value: str, n: int) -> int:
    if value.endswith("%"):
        pct = int(value[:-1])
        k = int(n * abs(pct) / 100)
        return n - k if pct < 0 else k
    k = int(value)
    return n + k if k < 0 else k


def parse_dismax(query: str, mm: str = "2<-1 5<80%") -> Dismax:
    """Parse a dismax query: words and "phrases", optionally prefixed with + or -."""
    required: list[Term] = []
    optional: list[Term] = []
    excluded: list[Term] = []
    sign = ""
    for tok in tokenize(query.replace(":", " ")):
        if tok.kind in ("PLUS", "MINUS"):
            sign = tok.kind
            continue
        if tok.kind in ("WORD", "PHRASE"):
            term = Term("text", tok.text, phrase=tok.kind == "PHRASE", wildcard=tok.wildcard)
            {"PLUS": required, "MINUS": excluded, "": optional}[sign].append(term)
        sign = ""
    k = max(0, min(len(optional), _mm_required(mm, len(optional))))
    return Dismax(tuple(required), tuple(optional), tuple(excluded), k)
