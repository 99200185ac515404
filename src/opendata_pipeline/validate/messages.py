"""Turn frictionless error descriptors into findings with messages a steward can act on."""

from __future__ import annotations

from typing import Any

from .report import Finding


def _field_hint(schema: dict[str, Any], name: str | None) -> str:
    for f in schema.get("fields", []):
        if f.get("name") == name:
            hint = f"type {f.get('type', 'any')}"
            if f.get("format", "default") != "default":
                hint += f", format {f['format']}"
            elif f.get("type") == "date":
                hint += " as YYYY-MM-DD"
            elif f.get("type") == "datetime":
                hint += " as YYYY-MM-DDThh:mm:ss+hh:mm"
            return hint
    return ""


def _message(
    kind: str,
    row: int | None,
    field: str | None,
    cell: str | None,
    note: str,
    schema: dict[str, Any],
) -> str:
    where = f"row {row}" if row else "header"
    what = f"field '{field}'" if field else ""
    value = repr(cell) if cell is not None else ""
    if kind == "type-error":
        return f"{where}, {what}: {value} is not a valid value ({_field_hint(schema, field)})"
    if kind == "constraint-error":
        return f"{where}, {what}: {value if cell else 'empty cell'} violates {note}"
    if kind == "unique-error":
        return f"{where}, {what}: {value} must be unique but is {note}"
    if kind == "primary-key":
        detail = note.replace("cells composing the primary keys are", "empty:")
        return f"{where}: primary key is {detail}"
    if kind == "foreign-key":
        return f"{where}: reference {note}"
    if kind == "missing-cell":
        return f"{where}, {what}: the row has too few cells"
    if kind == "extra-cell":
        return f"{where}: the row has more cells than the header ({value})"
    if kind == "blank-row":
        return f"{where}: the row is empty"
    if kind in (
        "missing-label",
        "extra-label",
        "incorrect-label",
        "blank-label",
        "duplicate-label",
    ):
        label = f"column {value}" if value else what
        return f"header: {label}: {kind.replace('-', ' ')} {note}".strip()
    return f"{where}: {kind}: {note}".strip()


def finding_from_frictionless(desc: dict[str, Any], schema: dict[str, Any]) -> Finding:
    """Convert one frictionless error descriptor."""
    kind = desc["type"]
    row = desc.get("rowNumber")
    field = desc.get("fieldName") or None
    if kind == "foreign-key" and desc.get("fieldNames"):
        field = ", ".join(desc["fieldNames"])
    cell = desc.get("cell")
    if kind.endswith("-label"):
        cell = desc.get("label")
    note = desc.get("note", "")
    return Finding(
        type=kind,
        message=_message(kind, row, field, cell, note, schema),
        row=row,
        field=field,
        field_number=desc.get("fieldNumber"),
        cell=cell,
        note=note,
    )


def integrity_finding(
    kind: str,
    row: int,
    note: str,
    field: str | None = None,
    cell: str | None = None,
    number: int | None = None,
) -> Finding:
    """A unique, primary-key or foreign-key finding computed over the whole table."""
    return Finding(
        type=kind,
        message=_message(kind, row, field, cell, note, {}),
        row=row,
        field=field,
        field_number=number,
        cell=cell,
        note=note,
    )
