"""Vectorised checks that clear cells frictionless would certainly accept.

Every check here is conservative: it may only answer "certainly valid" for a
cell that frictionless 5.21 also accepts. Anything else is "suspect", and
frictionless itself decides on the rows holding suspect cells. So this module
decides speed, never findings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

INT_RE = r"^[+-]?[0-9]{1,18}$"
# Decimal() accepts all of these; more than 15 significant digits stay suspect so that
# float comparisons with minimum/maximum cannot differ from Decimal ones.
NUMBER_RE = r"^[+-]?([0-9]{1,15}(\.[0-9]{0,15})?|\.[0-9]{1,15})$"
DATE_RE = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
YEAR_RE = r"^[0-9]{4}$"

NUMERIC_CONSTRAINTS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _all(arr: pa.Array, value: bool) -> pa.Array:
    return pa.array(np.full(len(arr), value, dtype=bool))


def _valid_dates(arr: pa.Array) -> pa.Array:
    shaped = pc.match_substring_regex(arr, DATE_RE)
    # Calendar check (no 2021-02-30); year 0 is out of range for Python.
    parsed = pc.strptime(
        pc.if_else(shaped, arr, "1970-01-01"), format="%Y-%m-%d", unit="s", error_is_null=True
    )
    return pc.and_(pc.and_(shaped, pc.is_valid(parsed)), pc.invert(pc.starts_with(arr, "0000")))


def _typed(field: dict[str, Any], arr: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Return (certainly valid type, comparable values or None)."""
    ftype = field.get("type", "any")
    fmt = field.get("format", "default")
    plain = not any(
        k in field
        for k in (
            "bareNumber",
            "groupChar",
            "decimalChar",
            "floatNumber",
            "trueValues",
            "falseValues",
        )
    )
    if ftype in ("string", "any") and fmt == "default":
        return _all(arr, True), arr
    if ftype == "integer" and plain:
        ok = pc.match_substring_regex(arr, INT_RE)
        return ok, pc.cast(pc.if_else(ok, arr, "0"), pa.int64())
    if ftype == "number" and plain:
        ok = pc.match_substring_regex(arr, NUMBER_RE)
        return ok, pc.cast(pc.if_else(ok, arr, "0"), pa.float64())
    if ftype == "date" and fmt == "default":
        return _valid_dates(arr), arr
    if ftype == "year":
        ok = pc.match_substring_regex(arr, YEAR_RE)
        return ok, pc.cast(pc.if_else(ok, arr, "0"), pa.int64())
    if ftype == "boolean":
        values = field.get("trueValues", ["true", "True", "TRUE", "1"]) + field.get(
            "falseValues", ["false", "False", "FALSE", "0"]
        )
        return pc.is_in(arr, value_set=pa.array(values, pa.string())), None
    return _all(arr, False), None  # other types: frictionless decides every cell


def _bound(field: dict[str, Any], value: Any) -> Any:
    if field.get("type") in ("integer", "year"):
        return (
            int(value)
            if isinstance(value, (int, str)) and str(value).lstrip("+-").isdigit()
            else None
        )
    if field.get("type") == "number":
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    if field.get("type") == "date" and isinstance(value, str):
        return value if len(value) == 10 else None
    return None


def _constraint_ok(field: dict[str, Any], arr: pa.Array, values: pa.Array | None) -> pa.Array:
    ok = _all(arr, True)
    constraints = field.get("constraints", {})
    ftype = field.get("type")
    ops: dict[str, Callable[[pa.Array, Any], pa.Array]] = {
        "minimum": pc.greater_equal,
        "maximum": pc.less_equal,
        "exclusiveMinimum": pc.greater,
        "exclusiveMaximum": pc.less,
    }
    for name, limit in constraints.items():
        if name in ("required", "unique"):
            continue
        if name == "enum" and ftype == "string":
            ok = pc.and_(
                ok, pc.is_in(arr, value_set=pa.array([str(v) for v in limit], pa.string()))
            )
        elif name == "pattern" and ftype == "string":
            try:
                ok = pc.and_(ok, pc.match_substring_regex(arr, f"^(?:{limit})$"))
            except pa.ArrowInvalid:  # not expressible in RE2: leave it to frictionless
                return _all(arr, False)
        elif name in ("minLength", "maxLength") and ftype == "string":
            length = pc.utf8_length(arr)
            cmp = pc.greater_equal if name == "minLength" else pc.less_equal
            ok = pc.and_(ok, cmp(length, int(limit)))
        elif name in NUMERIC_CONSTRAINTS and values is not None:
            bound = _bound(field, limit)
            if bound is None:
                return _all(arr, False)
            ok = pc.and_(ok, ops[name](values, bound))
        else:
            return _all(arr, False)  # any other constraint: frictionless decides
    return ok


def certainly_valid(
    field: dict[str, Any], arr: pa.Array, missing_values: list[str]
) -> tuple[pa.Array, pa.Array]:
    """Return (cells certainly valid, cells that are missing values) for one column."""
    missing = pc.is_in(arr, value_set=pa.array(missing_values, pa.string()))
    type_ok, values = _typed(field, arr)
    ok = pc.and_(type_ok, _constraint_ok(field, arr, values))
    required = bool(field.get("constraints", {}).get("required"))
    ok = pc.if_else(missing, not required, ok)
    return pc.fill_null(ok, False), missing
