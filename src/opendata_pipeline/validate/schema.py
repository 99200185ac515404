"""Load and check a Table Schema: one clear line for anything frictionless 5.21 would refuse."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..errors import ConfigError

CONSTRAINTS: dict[str, set[str]] = {
    "any": {"required", "enum"},
    "array": {"required", "minLength", "maxLength", "enum"},
    "boolean": {"required", "enum"},
    "date": {"required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"},
    "datetime": {"required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"},
    "duration": {"required", "enum"},
    "geojson": {"required", "enum"},
    "geopoint": {"required", "enum"},
    "integer": {"required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"},
    "list": {"required", "minLength", "maxLength"},
    "number": {"required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"},
    "object": {"required", "minLength", "maxLength", "enum"},
    "string": {"required", "minLength", "maxLength", "pattern", "enum"},
    "time": {"required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"},
    "year": {"required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"},
    "yearmonth": {
        "required",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "enum",
    },
}
FORMATS: dict[str, set[str]] = {
    "string": {"default", "email", "uri", "binary", "uuid", "wkt"},
    "geopoint": {"default", "array", "object"},
    "geojson": {"default", "topojson"},
}
BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


class SchemaError(ConfigError):
    """A Table Schema that frictionless 5.21 would refuse (or crash on)."""


def load_schema(path: Path) -> dict[str, Any]:
    """Read a Table Schema file and check it.

    Raises:
        SchemaError: unreadable, not JSON, or not a valid Table Schema; one line naming the file.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"schema {path}: cannot read it: {exc}") from None
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(
            f"schema {path}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    try:
        check_schema(schema)
    except SchemaError as exc:
        raise SchemaError(f"schema {path}: {exc}") from None
    return schema  # type: ignore[no-any-return]


def _fail(message: str) -> SchemaError:
    return SchemaError(message.replace("\n", " "))


def check_schema(schema: Any) -> None:
    """Check a Table Schema descriptor the way frictionless would before reading rows.

    Raises:
        SchemaError: what is wrong, in one line.
    """
    if not isinstance(schema, dict):
        raise _fail(f"a Table Schema is a JSON object, not {type(schema).__name__}")
    fields = schema.get("fields")
    if not isinstance(fields, list):
        raise _fail("'fields' is required and must be a list of field objects")
    _missing_values(schema.get("missingValues", [""]), "schema")
    names = []
    v2 = "2.0" in str(schema.get("$schema", ""))
    for number, field in enumerate(fields, start=1):
        check_field(field, number)
        for name in ("exclusiveMinimum", "exclusiveMaximum"):
            if not v2 and name in (field.get("constraints") or {}):
                raise _fail(
                    f"field {field['name']!r}: constraint {name!r} requires Table Schema v2 "
                    "(a '$schema' naming the 2.0 profile), as frictionless 5.21 says"
                )
        names.append(field["name"])
    pk = schema.get("primaryKey")
    if pk is not None:
        keys = [pk] if isinstance(pk, str) else pk
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise _fail("'primaryKey' must be a field name or a list of field names")
        if any(k not in names for k in keys):
            raise _fail(f"primary key {keys} names fields the schema does not have {names}")
    for fk in schema.get("foreignKeys", []) or []:
        _foreign_key(fk, names)


def check_field(field: Any, number: int) -> None:
    """Check one field descriptor.

    Raises:
        SchemaError: what is wrong with which field.
    """
    if not isinstance(field, dict) or not isinstance(field.get("name"), str):
        raise _fail(f"field {number} must be an object with a string 'name'")
    where = f"field {field['name']!r}"
    ftype = field.get("type", "any")
    if ftype not in CONSTRAINTS:
        known = ", ".join(sorted(CONSTRAINTS))
        raise _fail(f"{where}: unknown type {ftype!r} (one of {known})")
    fmt = field.get("format", "default")
    if not isinstance(fmt, str):
        raise _fail(f"{where}: 'format' must be a string")
    if ftype in FORMATS and fmt not in FORMATS[ftype]:
        raise _fail(f"{where}: format {fmt!r} is not one of {sorted(FORMATS[ftype])}")
    if "missingValues" in field:
        _missing_values(field["missingValues"], where)
    for key in ("trueValues", "falseValues"):
        if key in field and not (
            isinstance(field[key], list) and all(isinstance(v, str) for v in field[key])
        ):
            raise _fail(f"{where}: {key} must be a list of strings")
    for key in ("decimalChar", "groupChar"):
        if key in field and not isinstance(field[key], str):
            raise _fail(f"{where}: {key} must be a string")
    constraints = field.get("constraints", {})
    if not isinstance(constraints, dict):
        raise _fail(f"{where}: 'constraints' must be an object")
    for name, value in constraints.items():
        _constraint(where, field, name, value)


def _constraint(where: str, field: dict[str, Any], name: str, value: Any) -> None:
    ftype = field.get("type", "any")
    if name not in CONSTRAINTS[ftype] | {"unique"}:
        raise _fail(f"{where}: constraint {name!r} is not supported by type {ftype!r}")
    if name in ("required", "unique") and not isinstance(value, bool):
        raise _fail(f"{where}: constraint {name!r} must be true or false")
    if name == "enum" and not isinstance(value, list):
        raise _fail(f"{where}: constraint 'enum' must be a list")
    if name in ("minLength", "maxLength") and (
        not isinstance(value, int) or isinstance(value, bool)
    ):
        raise _fail(f"{where}: constraint {name!r} must be an integer")
    if name == "pattern":
        if not isinstance(value, str):
            raise _fail(f"{where}: constraint 'pattern' must be a string")
        try:
            re.compile(f"^{value}$")
        except (re.error, OverflowError, RecursionError) as exc:
            raise _fail(
                f"{where}: pattern {value!r} is not a valid (Python) regular expression: {exc}"
            ) from None
    if name in BOUNDS:
        from .values import read_bound

        if read_bound(field, value) is None:
            raise _fail(f"{where}: constraint {name} {value!r} is not a valid {ftype} value")


def _missing_values(value: Any, where: str) -> None:
    ok = isinstance(value, list) and all(
        isinstance(v, str) or (isinstance(v, dict) and isinstance(v.get("value"), str))
        for v in value
    )
    if not ok:
        raise _fail(f"{where}: 'missingValues' must be a list of strings")


def _foreign_key(fk: Any, names: list[str]) -> None:
    if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
        raise _fail("each foreign key needs 'fields' and a 'reference' object")
    fields = fk.get("fields")
    fields = [fields] if isinstance(fields, str) else fields
    ref = fk["reference"]
    ref_fields = ref.get("fields")
    ref_fields = [ref_fields] if isinstance(ref_fields, str) else ref_fields
    if not isinstance(fields, list) or not isinstance(ref_fields, list):
        raise _fail("a foreign key's 'fields' and 'reference.fields' name fields")
    if any(f not in names for f in fields):
        raise _fail(f"foreign key {fields} names fields the schema does not have {names}")
    if len(fields) != len(ref_fields):
        raise _fail(f"foreign key {fields} and its reference {ref_fields} differ in length")


def missing_values(schema: dict[str, Any], field: dict[str, Any]) -> list[str]:
    """The missing values of a field: its own if it declares them, else the schema's."""
    entries = (
        field["missingValues"] if "missingValues" in field else schema.get("missingValues", [""])
    )
    return [e["value"] if isinstance(e, dict) else e for e in entries]
