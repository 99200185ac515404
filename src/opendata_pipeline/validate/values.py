"""Typed values as frictionless 5.21 reads them, and one comparable key per value.

frictionless compares unique, primary-key and foreign-key cells as Python
values (``1 == 1.0 == Decimal("1.00") == True``, two spellings of one instant,
``NaN`` never equal to itself). :func:`canonical` maps a typed value to a string
that is equal for two values exactly when Python calls them equal.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

_NAN = itertools.count()
_BARE = re.compile(r"((^[^-\d]*)|(\D*$))")


def number_text(value: Decimal | int) -> str:
    """A number's canonical text: plain digits, no exponent, no trailing zeros, no -0."""
    if isinstance(value, int):
        return str(value)
    if value.is_infinite():
        return "inf" if value > 0 else "-inf"
    if value == value.to_integral_value():
        return str(int(value))
    text = format(value.normalize(), "f")
    return text


def canonical(value: Any) -> str | None:
    """A string equal for two typed values exactly when Python's ``==`` (and hash) say equal."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "n:1" if value else "n:0"
    if isinstance(value, int):
        return "n:" + str(value)
    if isinstance(value, float):
        if value != value:
            return f"nan:{next(_NAN)}"
        if value in (float("inf"), float("-inf")):
            return "n:" + ("inf" if value > 0 else "-inf")
        return "n:" + number_text(Decimal(value))
    if isinstance(value, Decimal):
        if value.is_nan():
            return f"nan:{next(_NAN)}"
        return "n:" + number_text(value)
    if isinstance(value, str):
        return "s:" + value
    if isinstance(value, dt.datetime):
        if value.utcoffset() is None:
            return "t:" + value.isoformat()
        return "z:" + (value.replace(tzinfo=None) - value.utcoffset()).isoformat()  # type: ignore[operator]
    if isinstance(value, dt.date):
        return "d:" + value.isoformat()
    if isinstance(value, dt.time):
        offset = value.utcoffset()
        if offset is None:
            return "h:" + value.isoformat()
        micro = (
            (value.hour * 60 + value.minute) * 60 + value.second
        ) * 1_000_000 + value.microsecond
        return f"hz:{micro - offset // dt.timedelta(microseconds=1)}"
    if isinstance(value, dt.timedelta):
        return f"du:0,0,{value // dt.timedelta(microseconds=1)}"
    if isinstance(value, tuple):  # yearmonth, geopoint (named tuples)
        return "tu:" + "|".join(str(canonical(v)) for v in value)
    if isinstance(value, (dict, list)):
        return "j:" + json.dumps(value, sort_keys=True, default=str)
    years = getattr(value, "years", None)  # isodate.Duration
    if years is not None:
        tdelta = value.tdelta // dt.timedelta(microseconds=1)
        if not years and not value.months:
            return f"du:0,0,{tdelta}"
        return f"du:{years},{value.months},{tdelta}"
    return "r:" + repr(value)


def read_number(field: dict[str, Any], value: Any) -> Any:
    """Read a number as frictionless's number field does (None: not a number)."""
    primary: Any = float if field.get("floatNumber") else Decimal
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        cell = value.strip()
        if {"groupChar", "decimalChar", "bareNumber"} & set(field):
            if field.get("bareNumber", True) is False:
                cell = _BARE.sub("", cell)
            cell = cell.replace(field.get("groupChar", ""), "")
            decimal_char = field.get("decimalChar", ".")
            if decimal_char != "." and "." in cell:
                return None
            cell = cell.replace(decimal_char, ".")
        try:
            return primary(cell)
        except (InvalidOperation, ValueError, TypeError):
            return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return Decimal(str(value)) if primary is Decimal else value
    return None


def read_integer(field: dict[str, Any], value: Any) -> int | None:
    """Read an integer as frictionless's integer field does."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        cell = value.strip()
        if field.get("bareNumber", True) is False:
            cell = _BARE.sub("", cell)
        try:
            return int(cell)
        except ValueError:
            return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def read_year(value: Any) -> int | None:
    """Read a year as frictionless does (four characters, 0 to 9999)."""
    if not isinstance(value, int) or isinstance(value, bool):
        if not isinstance(value, str) or len(value) != 4:
            return None
        try:
            value = int(value)
        except ValueError:
            return None
    return value if 0 <= value <= 9999 else None


def read_date(field: dict[str, Any], value: Any) -> dt.date | None:
    """Read a date as frictionless does (default, ``any`` or a strftime format)."""
    if not isinstance(value, str):
        return None
    fmt = field.get("format", "default")
    try:
        if fmt == "default":
            return dt.datetime.strptime(value, "%Y-%m-%d").date()
        if fmt == "any":
            from dateutil import parser  # type: ignore[import-untyped]

            parsed: dt.datetime = parser.parse(value)
            return parsed.date()
        return dt.datetime.strptime(value, fmt).date()
    except Exception:
        return None


def read_bool(field: dict[str, Any], value: Any) -> bool | None:
    """Read a boolean as frictionless does (exact true/false values)."""
    if value is True or value is False:
        return value
    if isinstance(value, str):
        if value in field.get("trueValues", ["true", "True", "TRUE", "1"]):
            return True
        if value in field.get("falseValues", ["false", "False", "FALSE", "0"]):
            return False
    return None


def read_value(field: dict[str, Any], value: Any) -> tuple[bool, Any]:
    """(known, typed value) for a constraint value; known is False for types read elsewhere."""
    ftype = field.get("type", "any")
    if ftype == "integer":
        return True, read_integer(field, value)
    if ftype == "number":
        return True, read_number(field, value)
    if ftype == "year":
        return True, read_year(value)
    if ftype == "boolean":
        return True, read_bool(field, value)
    if ftype == "date":
        return True, read_date(field, value)
    if ftype in ("string", "any") and field.get("format", "default") == "default":
        return True, value if isinstance(value, str) or ftype == "any" else None
    return False, None


def read_bound(field: dict[str, Any], value: Any) -> Any:
    """A minimum/maximum value, typed, or None when frictionless could not compare with it."""
    known, typed = read_value(field, value)
    return typed if known else value  # other types: frictionless reads them
