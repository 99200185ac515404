"""Apply a source's declarative mapping (rename, copy, value maps, constants, drop)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..catalogue import Mapping
from ..errors import TerminalError

if TYPE_CHECKING:
    import pandas as pd


class MappingError(TerminalError):
    """A declared mapping does not fit the source's columns or values."""


def apply_mapping(frame: pd.DataFrame, mapping: Mapping, label: str, origin: str) -> pd.DataFrame:
    """Return a new table with the mapping applied.

    Raises:
        MappingError: a named column is missing, or a value has no entry in a value map.
    """
    out = frame.copy()
    missing = [
        c
        for c in [*mapping.rename, *mapping.copy_columns.values(), *mapping.drop]
        if c not in out.columns
    ]
    if missing:
        raise MappingError(
            f"{label}: mapping names column(s) {missing} that the source lacks "
            f"(it has {list(frame.columns)})"
        )
    out = out.rename(columns=mapping.rename)
    for new, old in mapping.copy_columns.items():
        out[new] = out[mapping.rename.get(old, old)]
    for column, table in mapping.values.items():
        if column not in out.columns:
            raise MappingError(f"{label}: value map for unknown column {column!r}")
        unknown = sorted(set(out[column]) - set(table) - {""})
        if unknown:
            row = int(out.index[out[column] == unknown[0]][0]) + 2
            raise MappingError(
                f"{label}: row {row}, column {column!r}: value {unknown[0]!r} "
                f"has no entry in the value map (known: {sorted(table)})"
            )
        out[column] = out[column].map(lambda v, t=table: t.get(v, v))
    for column, value in mapping.constants.items():
        out[column] = value
    out = out.drop(columns=[mapping.rename.get(c, c) for c in mapping.drop])
    if mapping.origin_column:
        out[mapping.origin_column] = origin
    return out
