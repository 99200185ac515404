"""frictionless 5.21 where it decides: suspect rows, odd files, typed values of odd cells.

Imported only when a row needs it, so a clean file never pays frictionless's start-up.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .values import canonical

ErrorDesc = dict[str, Any]


def detail_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema without whole-table checks and patterns (both done by this project)."""
    detail = copy.deepcopy(schema)
    for key in ("primaryKey", "foreignKeys"):
        detail.pop(key, None)
    for f in detail.get("fields", []):
        f.get("constraints", {}).pop("unique", None)
        f.get("constraints", {}).pop("pattern", None)
    return detail


def error_desc(error: Any) -> ErrorDesc:
    """The descriptor keys of a frictionless error, read from its attributes (fast)."""
    out = {"type": error.type, "note": getattr(error, "note", "")}
    for attr, key in (
        ("row_number", "rowNumber"),
        ("field_name", "fieldName"),
        ("field_number", "fieldNumber"),
        ("cell", "cell"),
        ("label", "label"),
        ("field_names", "fieldNames"),
    ):
        value = getattr(error, attr, None)
        if value is not None:
            out[key] = value
    return out


def check_rows(
    labels: list[str],
    rows: list[tuple[int, list[str]]],
    schema: dict[str, Any],
    key_fields: list[str],
) -> tuple[list[ErrorDesc], dict[str, list[str | None]]]:
    """Validate rows (row number, cells) as frictionless does; return errors and typed keys."""
    import frictionless

    # A last row of labels keeps a final empty row from being dropped by the inline reader.
    source = [labels] + [cells for _, cells in rows] + [list(labels)]
    errors: list[ErrorDesc] = []
    keys: dict[str, list[str | None]] = {name: [None] * len(rows) for name in key_fields}
    with frictionless.system.use_context(trusted=True):
        resource: Any = frictionless.Resource(
            source, schema=frictionless.Schema.from_descriptor(detail_schema(schema))
        )
        with resource:
            for row in resource.row_stream:
                index = row.row_number - 2
                if index >= len(rows):
                    break
                for error in row.errors:
                    desc = error_desc(error)
                    desc["rowNumber"] = rows[index][0]
                    errors.append(desc)
                for name in key_fields:
                    keys[name][index] = canonical(row[name])
    return errors, keys


def typed_keys(schema: dict[str, Any], name: str, cells: list[str]) -> list[str | None]:
    """Comparable keys of valid, present cells of one field, read by frictionless."""
    import frictionless

    with frictionless.system.use_context(trusted=True):
        field = frictionless.Schema.from_descriptor(schema).get_field(name)
        reader = field.create_cell_reader()
        return [canonical(reader(cell)[0]) for cell in cells]


UNHASHABLE = ("object", "array", "geojson")


@dataclass
class FileCheck:
    """frictionless's findings on a whole file, and the typed keys this project compares.

    ``own_unique`` and ``own_pk`` name the checks left to this project: frictionless 5.21
    crashes (``TypeError: unhashable``) on unique and primary keys over object, array and
    geojson values, so they are taken out of its schema and compared here on typed keys.
    """

    errors: list[ErrorDesc]
    rows: int
    row_numbers: list[int] = field(default_factory=list)
    keys: dict[str, list[str | None]] = field(default_factory=dict)
    own_unique: list[str] = field(default_factory=list)
    own_pk: bool = False


def check_file(
    path: Path, schema: dict[str, Any], fmt: str | None, options: dict[str, Any]
) -> FileCheck:
    """Validate a whole file with frictionless (header mismatch, other formats, odd bytes)."""
    import frictionless

    full = copy.deepcopy(schema)
    fks = full.pop("foreignKeys", None) or []
    own = [fk for fk in fks if not fk.get("reference", {}).get("resource")]
    fks = [fk for fk in fks if fk.get("reference", {}).get("resource")]
    if own:
        full["foreignKeys"] = own  # frictionless checks references to the table itself
    own_unique, own_pk = _unhashable_keys(full)
    kwargs: dict[str, Any] = {"schema": frictionless.Schema.from_descriptor(full)}
    if fmt:
        kwargs["format"] = fmt
    if options.get("encoding"):
        kwargs["encoding"] = options["encoding"]
    with frictionless.system.use_context(trusted=True):
        resource = table_resource(path, kwargs)
        report = resource.validate(limit_errors=10**9)
    task = report.tasks[0] if report.tasks else None
    errors = [error_desc(e) for e in (task.errors if task else report.errors)]
    check = FileCheck(errors, int(task.stats.get("rows") or 0) if task else 0)
    check.own_unique, check.own_pk = own_unique, own_pk
    wanted = list(dict.fromkeys(_key_fields(schema, fks) + own_unique))
    if wanted and task and not any(_structural(e) for e in errors):
        check.keys = {n: [] for n in wanted}
        with frictionless.system.use_context(trusted=True):
            again: Any = table_resource(path, kwargs)
            try:
                with again:
                    for row in again.row_stream:
                        check.row_numbers.append(row.row_number)
                        for name in wanted:
                            check.keys[name].append(canonical(row.get(name)))
            except frictionless.FrictionlessException:
                check.keys, check.row_numbers = {}, []
    return check


def _structural(error: ErrorDesc) -> bool:
    return (
        error["type"].endswith("-error")
        and "rowNumber" not in error
        and error["type"] not in ("type-error", "constraint-error")
    )


def _unhashable_keys(schema: dict[str, Any]) -> tuple[list[str], bool]:
    """Take unique and primary keys over unhashable values out of ``schema`` (in place)."""
    types = {f.get("name"): f.get("type") for f in schema.get("fields", [])}
    own_unique = []
    for f in schema.get("fields", []):
        if f.get("type") in UNHASHABLE and f.get("constraints", {}).get("unique"):
            f["constraints"].pop("unique")
            own_unique.append(f["name"])
    pk = schema.get("primaryKey") or []
    own_pk = any(types.get(n) in UNHASHABLE for n in ([pk] if isinstance(pk, str) else pk))
    if own_pk:
        schema.pop("primaryKey")
    return own_unique, own_pk


def table_resource(path: Path, options: dict[str, Any]) -> Any:
    """The file as a frictionless table (a ``.json`` file would otherwise be a JSON document)."""
    from frictionless.resources import TableResource

    return TableResource(path=path.name, basepath=str(path.parent), **options)


def _key_fields(schema: dict[str, Any], fks: list[dict[str, Any]]) -> list[str]:
    pk = schema.get("primaryKey") or []
    names = [pk] if isinstance(pk, str) else list(pk)
    for fk in fks:
        fields = fk.get("fields", [])
        names += [fields] if isinstance(fields, str) else fields
    return list(dict.fromkeys(names))
