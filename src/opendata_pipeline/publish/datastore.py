"""From a Table Schema to DataStore fields, data dictionary and a COPY-ready CSV."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .artifacts import published_frame

if TYPE_CHECKING:  # pandas only when a schema's formats need rewriting
    import pandas as pd

TYPE_MAP = {
    "integer": "int8",
    "number": "numeric",
    "string": "text",
    "boolean": "bool",
    "date": "date",
    "datetime": "timestamp",
    "time": "time",
    "year": "int4",
    "yearmonth": "text",
    "duration": "interval",
    "object": "json",
    "array": "json",
    "geopoint": "text",
    "geojson": "json",
    "any": "text",
}
_PG_TRUE = {"true", "t", "yes", "y", "on", "1"}
_PG_FALSE = {"false", "f", "no", "n", "off", "0"}


def datastore_fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """DataStore fields with PostgreSQL types and the data dictionary (label, notes)."""
    fields = []
    for f in schema.get("fields", []):
        info = {"label": f.get("title", ""), "notes": f.get("description", "")}
        fields.append(
            {"id": f["name"], "type": TYPE_MAP.get(f.get("type", "string"), "text"), "info": info}
        )
    return fields


def _needs_rewrite(field: dict[str, Any]) -> bool:
    kind = field.get("type", "string")
    fmt = field.get("format", "default")
    if kind in ("date", "datetime", "time") and fmt not in ("default", None):
        return True
    if kind in ("number", "integer") and (
        field.get("decimalChar", ".") != "."
        or field.get("groupChar")
        or field.get("bareNumber") is False
    ):
        return True
    if kind == "boolean":
        values = [*field.get("trueValues", []), *field.get("falseValues", [])]
        return any(v.lower() not in _PG_TRUE | _PG_FALSE for v in values)
    return False


def _rewrite_column(values: pd.Series, field: dict[str, Any]) -> pd.Series:
    import pandas as pd

    kind = field.get("type", "string")
    present = values != ""
    out = values.copy()
    if kind in ("date", "datetime", "time"):
        fmt = field.get("format", "default")
        parsed = pd.to_datetime(
            values[present], format=None if fmt == "any" else fmt, errors="coerce"
        )
        pattern = {"date": "%Y-%m-%d", "datetime": "%Y-%m-%dT%H:%M:%S", "time": "%H:%M:%S"}[kind]
        out[present] = parsed.dt.strftime(pattern).fillna("")
    elif kind in ("number", "integer"):
        cleaned = values[present]
        if field.get("groupChar"):
            cleaned = cleaned.str.replace(field["groupChar"], "", regex=False)
        cleaned = cleaned.str.replace(field.get("decimalChar", "."), ".", regex=False)
        if field.get("bareNumber") is False:
            cleaned = cleaned.str.replace(r"[^0-9eE.+\-]", "", regex=True)
        out[present] = cleaned
    elif kind == "boolean":
        truth = {v: "true" for v in field.get("trueValues", [])}
        truth.update({v: "false" for v in field.get("falseValues", [])})
        out[present] = values[present].map(truth).fillna("")
    return out


def needs_rewrite(schema: dict[str, Any]) -> bool:
    """Tell whether PostgreSQL would read the published CSV otherwise than the schema means."""
    missing = [m for m in schema.get("missingValues", [""]) if m != ""]
    return bool(missing) or any(_needs_rewrite(f) for f in schema.get("fields", []))


def datastore_csv(data: bytes, schema: dict[str, Any]) -> bytes:
    """Return CSV that PostgreSQL COPY reads as the schema means it (empty cell = NULL).

    The published bytes are returned unchanged when the schema uses only
    defaults that PostgreSQL already understands (the common case).
    """
    missing = [m for m in schema.get("missingValues", [""]) if m != ""]
    rewrite = [f for f in schema.get("fields", []) if _needs_rewrite(f)]
    if not missing and not rewrite:
        return data
    frame = published_frame(data)
    if missing:
        frame = frame.replace({m: "" for m in missing})
    for field in rewrite:
        if field["name"] in frame.columns:
            frame[field["name"]] = _rewrite_column(frame[field["name"]], field)
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def load_token(data: bytes | Path, fields: list[dict[str, Any]], primary_key: list[str]) -> str:
    """Identify a load: the same bytes into the same table shape give the same token.

    Args:
        data: the CSV the DataStore loads, or the file holding it (read in blocks).
    """
    digest = hashlib.sha256(data) if isinstance(data, bytes) else file_digest(data)
    digest.update(json.dumps([fields, primary_key], sort_keys=True).encode())
    return digest.hexdigest()


def file_digest(path: Path) -> Any:
    """The sha256 object of a file's bytes, read in blocks (``.hexdigest()`` for the hash)."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256")
