"""Vectorised checks that clear cells frictionless 5.21 would certainly accept.

Every check is conservative: it answers "certainly valid" only for cells in a
syntactic subset that frictionless provably accepts (shape by RE2 regex,
calendar and ranges by component arithmetic, never by a lenient parser).
Anything else is a suspect cell, and frictionless decides on its row. So this
module decides speed, never findings. Alongside, it gives each cleared cell
the comparable key of its typed value (see :mod:`.values`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..gather.tables import arrow_array
from .values import canonical, read_value

INT_RE = r"^[+-]?[0-9]{1,18}$"
BARE_INT_RE = r"^[^-0-9]*(?P<n>-?[0-9]{1,18})[^0-9]*$"
NUM_RE = r"^[+-]?([0-9]*)\.?([0-9]*)([eE][+-]?[0-9]{1,2})?$"
PLAIN_NUM_RE = r"^(?P<sign>[+-]?)(?P<whole>[0-9]*)(?:\.(?P<frac>[0-9]*))?$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TZ = r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?"
CLOCK = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
DATETIME_RE = rf"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T{CLOCK}{TZ}$"
TIME_RE = rf"^{CLOCK}{TZ}$"
YEAR_RE = r"^[0-9]{4}$"
YEARMONTH_RE = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
DURATION_RE = (
    r"^P([0-9]{1,9}Y)?([0-9]{1,9}M)?([0-9]{1,9}D)?(T([0-9]{1,9}H)?([0-9]{1,9}M)?([0-9]{1,9}S)?)?$"
)
# Coordinates within range, by their digits: longitude |x| <= 180, latitude |y| <= 90 (at most
# 10 decimals, so a JSON float cannot round across a bound). Leading zeros ("099.5") only
# where frictionless reads the text with Decimal (format default).
FRACTION = r"(\.[0-9]{1,10})?"
ZEROS = r"(\.0{1,10})?"
LON = rf"-?(([0-9]{{1,2}}|0[0-9]{{2}}|1[0-7][0-9]){FRACTION}|180{ZEROS})"
LAT = rf"-?(([0-9]|[0-8][0-9]|0[0-8][0-9]){FRACTION}|0?90{ZEROS})"
# In JSON text (read by json.loads) a number has no leading zero: "[01, 2]" is no JSON.
JSON_LON = rf"-?((0|[1-9][0-9]?|1[0-7][0-9]){FRACTION}|180{ZEROS})"
JSON_LAT = rf"-?((0|[1-9]|[1-8][0-9]){FRACTION}|90{ZEROS})"
# Any JSON number json.loads reads as a number (bounded digits: no int-to-str limit).
JSON_NUMBER = r"-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,17})?([eE][+-]?[0-9]{1,3})?"
GEOPOINT_RE = {
    "default": rf"^{LON}, ?{LAT}$",
    "array": rf"^\[{JSON_LON}, ?{JSON_LAT}\]$",
    "object": rf'^\{{"lon": ?{JSON_LON}, ?"lat": ?{JSON_LAT}\}}$',
}
# A flat JSON object or array that json.loads certainly reads as a dict / list: string keys
# and scalar values (strings without escapes or control characters, bounded numbers, literals).
_WS = r"[ \t\n\r]*"
_JSON_STRING = r'"[^"\\\x00-\x1f]*"'
_JSON_SCALAR = rf"({_JSON_STRING}|{JSON_NUMBER}|true|false|null)"
_PAIR = rf"{_JSON_STRING}{_WS}:{_WS}{_JSON_SCALAR}"
FLAT_JSON_RE = {
    "object": rf"^{_WS}\{{{_WS}({_PAIR}({_WS},{_WS}{_PAIR})*{_WS})?\}}{_WS}$",
    "array": rf"^{_WS}\[{_WS}({_JSON_SCALAR}({_WS},{_WS}{_JSON_SCALAR})*{_WS})?\]{_WS}$",
}
# frictionless's GeoJSON profile sets no coordinate ranges: any two JSON numbers make a Point.
GEOJSON_POINT_RE = rf'^\{{"type": ?"Point", ?"coordinates": ?\[{JSON_NUMBER}, ?{JSON_NUMBER}\]\}}$'
STRING_RE = {
    "uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "email": r"^[a-z0-9]{1,20}([._-][a-z0-9]{1,20}){0,2}@[a-z0-9]{1,20}(-[a-z0-9]{1,20})?"
    r"(\.[a-z0-9]{1,20}(-[a-z0-9]{1,20})?){0,3}\.[a-z]{2,6}$",
    "uri": r"^https?://[a-z0-9]{1,20}(\.[a-z0-9]{1,20}){0,4}(:[0-9]{2,5})?"
    r"(/[A-Za-z0-9._~-]{0,40}){0,8}(\?[A-Za-z0-9._~=&-]{0,40})?$",
    "binary": r"^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$",
}
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]  # fmt: skip
# "5 March 2020" for format "any": dateutil takes all three parts as written. Years below 1000
# are left to frictionless (dateutil reads "0099" as 1999).
NAMED_DATE_RE = rf"^(?P<d>[0-9]{{1,2}}) (?P<m>{'|'.join(MONTH_NAMES)}) (?P<Y>[1-9][0-9]{{3}})$"
STRFTIME = {"%Y": r"(?P<Y>[0-9]{4})", "%m": r"(?P<m>[0-9]{2})", "%d": r"(?P<d>[0-9]{2})",
            "%H": r"(?P<H>[0-9]{2})", "%M": r"(?P<M>[0-9]{2})", "%S": r"(?P<S>[0-9]{2})"}  # fmt: skip  # noqa: E501
BOUNDS = {
    "minimum": pc.greater_equal,
    "maximum": pc.less_equal,
    "exclusiveMinimum": pc.greater,
    "exclusiveMaximum": pc.less,
}
DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


@dataclass
class Column:
    """What the fast path knows about one column of a batch."""

    ok: np.ndarray
    """Certainly valid (type, constraints other than pattern and unique; missing allowed)."""
    missing: np.ndarray
    keys: pa.Array | None = None
    """Comparable key of each cleared, present cell (null where unknown or missing)."""


@dataclass
class Typed:
    ok: np.ndarray
    values: pa.Array | None = None  # for minimum/maximum
    make_keys: Callable[[], pa.Array] | None = None
    """Canonical strings, built only when asked (enum, key fields): most columns need none."""

    def keys(self) -> pa.Array | None:
        return self.make_keys() if self.make_keys is not None else None


def _np(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _match(arr: pa.Array, pattern: str) -> np.ndarray:
    return _np(pc.match_substring_regex(arr, pattern))


def _prefixed(prefix: str, arr: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(pa.scalar(prefix), pc.cast(arr, pa.string()), "")


def _calendar_ok(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Real calendar dates only: 2021-02-29, 2020-04-31 and year 0 are not."""
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    good_month = (month >= 1) & (month <= 12)
    dim = DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    out: np.ndarray = good_month & (day >= 1) & (day <= dim) & (year >= 1)
    return out


def _ints(arr: pa.Array, start: int, stop: int, ok: np.ndarray) -> np.ndarray:
    part = pc.utf8_slice_codeunits(arr, start, stop)
    safe = pc.if_else(pa.array(ok), part, "0")
    return np.asarray(pc.cast(safe, pa.int64()).to_numpy(zero_copy_only=False))


def _date_ok(arr: pa.Array, shaped: np.ndarray) -> np.ndarray:
    year, month, day = _ints(arr, 0, 4, shaped), _ints(arr, 5, 7, shaped), _ints(arr, 8, 10, shaped)
    out: np.ndarray = shaped & _calendar_ok(year, month, day)
    return out


def _integer(field: dict[str, Any], arr: pa.Array) -> Typed:
    if field.get("bareNumber", True) is False:
        ok = _match(arr, BARE_INT_RE) & _np(pc.string_is_ascii(arr))
        digits = pc.extract_regex(pc.if_else(pa.array(ok), arr, "0"), BARE_INT_RE).field(0)
    else:
        ok = _match(arr, INT_RE)
        digits = pc.utf8_ltrim(pc.if_else(pa.array(ok), arr, "0"), "+")
    values = pc.cast(digits, pa.int64())
    return Typed(ok, values, lambda: _prefixed("n:", values))


def _number_text(arr: pa.Array, field: dict[str, Any]) -> tuple[np.ndarray, pa.Array]:
    """Apply frictionless's groupChar/decimalChar/bareNumber processing (ASCII cells only)."""
    ok = np.ones(len(arr), dtype=bool)
    if {"groupChar", "decimalChar", "bareNumber"} & set(field):
        ok &= _np(pc.string_is_ascii(arr))
        if field.get("bareNumber", True) is False:
            bare = r"^[^-0-9]*(?P<n>-?[0-9][0-9.,' ]*[0-9]|-?[0-9])[^0-9]*$"
            ok &= _match(arr, bare)
            arr = pc.extract_regex(pc.if_else(pa.array(ok), arr, "0"), bare).field(0)
        group, decimal = field.get("groupChar", ""), field.get("decimalChar", ".")
        if group:
            arr = pc.replace_substring(arr, group, "")
        if decimal != ".":
            ok &= ~_np(pc.match_substring(arr, "."))
            arr = pc.replace_substring(arr, decimal, ".")
    return ok, arr


def _number(field: dict[str, Any], arr: pa.Array) -> Typed:
    ok, text = _number_text(arr, field)
    shaped = _match(text, NUM_RE) & _match(text, "[0-9]")
    mantissa = pc.utf8_length(pc.replace_substring_regex(text, r"[eE].*$|[^0-9]", ""))
    ok &= shaped & _np(pc.less_equal(mantissa, 15))
    safe = pc.if_else(pa.array(ok), text, "0")
    values = pc.cast(safe, pa.float64())
    if field.get("floatNumber"):
        return Typed(ok, values, None)
    return Typed(ok, values, lambda: _number_keys(safe, ok))


def _number_keys(safe: pa.Array, ok: np.ndarray) -> pa.Array:
    """Canonical keys of plain decimal numbers (null for exponents: read by Python)."""
    plain = ok & ~_match(safe, "[eE]")
    parts = pc.extract_regex(pc.if_else(pa.array(plain), safe, "0"), PLAIN_NUM_RE)
    sign = parts.field(0)
    whole = pc.utf8_ltrim(parts.field(1), "0")
    frac = pc.utf8_rtrim(pc.fill_null(parts.field(2), ""), "0")
    whole = pc.if_else(pc.equal(pc.utf8_length(whole), 0), "0", whole)
    zero = pc.and_(pc.equal(whole, "0"), pc.equal(pc.utf8_length(frac), 0))
    body = pc.if_else(
        pc.equal(pc.utf8_length(frac), 0),
        whole,
        pc.binary_join_element_wise(whole, frac, "."),
    )
    negative = pc.and_(pc.equal(sign, "-"), pc.invert(zero))
    text_key = pc.if_else(
        negative, pc.binary_join_element_wise("n:-", body, ""), _prefixed("n:", body)
    )
    keys: pa.Array = pc.if_else(pa.array(plain), text_key, pa.scalar(None, pa.string()))
    return keys


def _boolean(field: dict[str, Any], arr: pa.Array) -> Typed:
    trues = arrow_array(field.get("trueValues", ["true", "True", "TRUE", "1"]), pa.string())
    falses = arrow_array(field.get("falseValues", ["false", "False", "FALSE", "0"]), pa.string())
    is_true = pc.is_in(arr, value_set=trues)
    ok = _np(is_true) | _np(pc.is_in(arr, value_set=falses))
    return Typed(ok, None, lambda: pc.if_else(is_true, "n:1", "n:0"))


def _string(field: dict[str, Any], arr: pa.Array) -> Typed:
    fmt = field.get("format", "default")
    if field.get("type") == "any" or fmt == "default":
        ok = np.ones(len(arr), dtype=bool)
    elif fmt in STRING_RE:
        ok = _match(arr, STRING_RE[fmt])
        if fmt == "binary":
            ok &= _np(pc.equal(pc.bit_wise_and(pc.utf8_length(arr), 3), 0))
    else:
        ok = np.zeros(len(arr), dtype=bool)
    return Typed(ok, None, lambda: _prefixed("s:", arr))


def _strftime_regex(fmt: str) -> tuple[str, list[str]] | None:
    """A regex for a strftime format of fixed-width numeric directives and plain literals."""
    out, i = "^", 0
    order: list[str] = []
    while i < len(fmt):
        if fmt[i] == "%":
            code = fmt[i : i + 2]
            if code not in STRFTIME or code in order:
                return None
            out, order, i = out + STRFTIME[code], order + [code], i + 2
        elif fmt[i].isspace() or not fmt[i].isascii():
            return None
        else:
            out, i = out + re.escape(fmt[i]), i + 1
    return out + "$", order


def _components(
    arr: pa.Array, regex: str, order: list[str], ok: np.ndarray
) -> dict[str, np.ndarray]:
    parts = pc.extract_regex(pc.if_else(pa.array(ok), arr, pa.scalar(None, pa.string())), regex)
    out = {}
    for code in order:
        col = pc.if_else(pa.array(ok), parts.field(code[1]), "0")
        out[code] = np.asarray(pc.cast(col, pa.int64()).to_numpy(zero_copy_only=False))
    return out


def _temporal(field: dict[str, Any], arr: pa.Array) -> Typed:
    ftype, fmt = field["type"], field.get("format", "default")
    if fmt in ("default", "any"):
        if ftype == "date":
            ok = _date_ok(arr, _match(arr, DATE_RE))
            if fmt == "any" and not ok.all():
                return _named_dates(arr, ok)
            return Typed(ok, arr, lambda: _prefixed("d:", arr))
        if ftype == "datetime":
            return Typed(_date_ok(arr, _match(arr, DATETIME_RE)))
        return Typed(_match(arr, TIME_RE))
    found = _strftime_regex(fmt)
    if found is None:
        return Typed(np.zeros(len(arr), dtype=bool))
    regex, order = found
    ok = _match(arr, regex)
    c = _components(arr, regex, order, ok)
    n = len(arr)
    year = c.get("%Y", np.full(n, 1900))
    month = c.get("%m", np.ones(n, dtype=np.int64))
    day = c.get("%d", np.ones(n, dtype=np.int64))
    ok &= _calendar_ok(year, month, day)
    ok &= (c.get("%H", np.zeros(n)) <= 23) & (c.get("%M", np.zeros(n)) <= 59)
    ok &= c.get("%S", np.zeros(n)) <= 61  # strptime accepts leap seconds 60 and 61
    return Typed(ok)


def _named_dates(arr: pa.Array, iso_ok: np.ndarray) -> Typed:
    """Format ``any``: ISO dates and "5 March 2020" (day, English month name, year)."""
    named = _match(arr, NAMED_DATE_RE) & ~iso_ok
    mask = pa.array(named)
    parts = pc.extract_regex(pc.if_else(mask, arr, "1 January 1000"), NAMED_DATE_RE)
    month = pc.add(pc.index_in(parts.field("m"), value_set=pa.array(MONTH_NAMES)), 1)
    day, year = pc.cast(parts.field("d"), pa.int64()), pc.cast(parts.field("Y"), pa.int64())
    named &= _calendar_ok(
        *(np.asarray(a.to_numpy(zero_copy_only=False)) for a in (year, month, day))
    )
    two = {"width": 2, "padding": "0"}
    iso = pc.binary_join_element_wise(
        parts.field("Y"),
        pc.utf8_lpad(pc.cast(month, pa.string()), **two),
        pc.utf8_lpad(parts.field("d"), **two),
        "-",
    )
    ok = iso_ok | named
    text = pc.if_else(pa.array(named), iso, arr)
    return Typed(ok, text, lambda: pc.if_else(pa.array(ok), _prefixed("d:", text), None))


# json.loads's own scanner (for its default decoder), called without its per-call wrappers
_SCAN = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # typeshed omits it
_JSON_SPACE = " \t\n\r"


def _json_value(cell: str | None) -> Any:
    """What ``json.loads(cell)`` returns, or None where it raises."""
    if cell is None or cell.startswith("\ufeff"):  # json.loads refuses a leading BOM
        return None
    start = len(cell) - len(cell.lstrip(_JSON_SPACE))
    try:
        value, end = _SCAN(cell, start)
    except (StopIteration, ValueError, RecursionError):
        return None
    return None if cell[end:].strip(_JSON_SPACE) else value


def _json_cells(field: dict[str, Any], arr: pa.Array) -> Typed:
    """Object / array cells: flat ones by regex; the rest (and all, for a length
    constraint, which needs the value's length) read by json.loads's scanner."""
    ftype = field["type"]
    want = dict if ftype == "object" else list
    if ftype == "array" and field.get("arrayItem"):
        return Typed(np.zeros(len(arr), dtype=bool))  # each item is read as its own field
    constraints = field.get("constraints", {})
    lengths = None
    if "minLength" in constraints or "maxLength" in constraints:
        ok = np.zeros(len(arr), dtype=bool)
        lengths = np.zeros(len(arr), dtype=np.int64)
        todo = np.arange(len(arr))
    else:
        ok = _match(arr, FLAT_JSON_RE[ftype])
        todo = np.nonzero(~ok)[0]
    cells = arr.to_pylist() if len(todo) == len(arr) else arr.take(todo).to_pylist()
    for i, cell in zip(todo.tolist(), cells, strict=True):
        value = _json_value(cell)
        if isinstance(value, want):
            ok[i] = True
            if lengths is not None:
                lengths[i] = len(value)
    return Typed(ok, pa.array(lengths) if lengths is not None else None, None)


def _typed(field: dict[str, Any], arr: pa.Array) -> Typed:
    ftype = field.get("type", "any")
    if ftype == "integer":
        return _integer(field, arr)
    if ftype == "number":
        return _number(field, arr)
    if ftype == "boolean":
        return _boolean(field, arr)
    if ftype in ("string", "any"):
        return _string(field, arr)
    if ftype in ("date", "datetime", "time"):
        return _temporal(field, arr)
    if ftype == "year":
        ok = _match(arr, YEAR_RE)
        values = pc.cast(pc.if_else(pa.array(ok), arr, "0"), pa.int64())
        return Typed(ok, values, lambda: _prefixed("n:", values))
    if ftype == "yearmonth":
        return Typed(_match(arr, YEARMONTH_RE))
    if ftype == "duration":
        return Typed(_match(arr, DURATION_RE) & ~_np(pc.equal(arr, "P")))
    if ftype == "geopoint":
        return _geopoint(field, arr)
    if ftype == "geojson" and field.get("format", "default") == "default":
        return Typed(_match(arr, GEOJSON_POINT_RE))
    if ftype in ("object", "array"):
        return _json_cells(field, arr)
    return Typed(np.zeros(len(arr), dtype=bool))


def _geopoint(field: dict[str, Any], arr: pa.Array) -> Typed:
    regex = GEOPOINT_RE.get(field.get("format", "default"))
    if regex is None:
        return Typed(np.zeros(len(arr), dtype=bool))
    return Typed(_match(arr, regex))  # shape and ranges in one pass


def _enum_keys(field: dict[str, Any], enum: list[Any]) -> pa.Array | None:
    keys = []
    for entry in enum:
        known, value = read_value(field, entry)
        if not known:
            return None
        if value is not None:
            keys.append(canonical(value))
    return arrow_array(keys, pa.string())


def _constraints(field: dict[str, Any], arr: pa.Array, typed: Typed) -> np.ndarray:
    ok = typed.ok.copy()
    ftype = field.get("type", "any")
    for name, limit in field.get("constraints", {}).items():
        if name in ("required", "unique", "pattern"):
            continue
        if name == "enum":
            allowed = _enum_keys(field, limit)
            keys = typed.keys()
            if allowed is None or keys is None:
                return np.zeros(len(arr), dtype=bool)
            ok &= _np(pc.is_in(keys, value_set=allowed))
        elif name in ("minLength", "maxLength"):
            if ftype == "string":
                length = pc.utf8_length(arr)
            elif ftype in ("object", "array") and typed.values is not None:
                length = typed.values
            else:
                return np.zeros(len(arr), dtype=bool)
            cmp = pc.greater_equal if name == "minLength" else pc.less_equal
            ok &= _np(cmp(length, int(limit)))
        elif name in BOUNDS:
            bound = _bound(field, limit)
            if bound is None or typed.values is None:
                return np.zeros(len(arr), dtype=bool)
            ok &= _np(BOUNDS[name](typed.values, bound))
        else:
            return np.zeros(len(arr), dtype=bool)
    return ok


def _bound(field: dict[str, Any], limit: Any) -> Any:
    """A bound comparable with the fast path's values, or None (then frictionless decides)."""
    ftype = field.get("type")
    known, value = read_value(field, limit)
    if not known or value is None:
        return None
    if ftype in ("integer", "year"):
        return pa.scalar(value, pa.int64()) if abs(value) < 2**62 else None
    if ftype == "number":
        exact = Decimal(value) if not isinstance(value, float) else None
        if field.get("floatNumber") and isinstance(value, float):
            return pa.scalar(value, pa.float64())
        if (
            exact is not None
            and exact.is_finite()
            and len(exact.normalize().as_tuple().digits) <= 15
        ):
            return pa.scalar(float(exact), pa.float64())
        return None
    if ftype == "date" and field.get("format", "default") in ("default", "any"):
        return pa.scalar(value.isoformat(), pa.string())
    return None


# A spreadsheet runs "=..." and "@..." as formulas, and "+..." / "-..." unless a number follows.
FORMULA_START = r"^(?:[=@].|[+\-]\S)"
_NUM = r"(?:\d[\d.,\s]*|[.,]\d[\d.,\s]*)(?:[eE][+\-]?\d+)?%?"
# A signed number, or signed numbers in a list ("-51.9,-19.4": a geopoint), is no formula.
SIGNED_NUMBER = rf"^[+\-]\s*{_NUM}(?:\s*[,;]\s*[+\-]?\s*{_NUM})*$"


def formula_cells(arr: pa.Array) -> np.ndarray:
    """Which cells a spreadsheet opening the CSV would run as formulas."""
    start = _np(pc.match_substring_regex(arr, FORMULA_START))
    if not start.any():
        return start
    found: np.ndarray = start & ~_np(pc.match_substring_regex(arr, SIGNED_NUMBER))
    return found


def check_column(
    field: dict[str, Any], arr: pa.Array, missing_values: list[str], want_keys: bool = False
) -> Column:
    """Which cells of one column frictionless would certainly accept, and their keys."""
    missing = _np(pc.is_in(arr, value_set=arrow_array(missing_values, pa.string())))
    typed = _typed(field, arr)
    ok = _constraints(field, arr, typed)
    required = bool(field.get("constraints", {}).get("required"))
    ok = np.where(missing, not required, ok)
    keys = None
    typed_keys = typed.keys() if want_keys else None
    if typed_keys is not None:
        keys = pc.if_else(pa.array(ok & ~missing), typed_keys, pa.scalar(None, pa.string()))
    return Column(ok, missing, keys)
