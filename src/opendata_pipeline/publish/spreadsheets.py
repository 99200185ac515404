"""Downloads that open correctly in spreadsheets: an Excel-CSV and an XLSX workbook.

A table in, a file's bytes out, written to a stream. The published CSV (UTF-8,
comma, the schema's formats) stays the reference; these two are conveniences built
from it with the Table Schema's types, for German spreadsheet software:

- ``excel_csv``: semicolon-separated, decimal comma, CRLF, UTF-8 with BOM, so that
  a double click in a German Excel opens it with the right columns and umlauts.
- ``workbook``: XLSX with typed cells (numbers, dates, booleans; text stays text,
  so leading zeros of keys survive) and a second sheet that explains the columns.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .artifacts import published_frame
from .datastore import datastore_csv, needs_rewrite

if TYPE_CHECKING:
    import pandas as pd

#: Excel's sheet holds 1,048,576 rows, one of them the header.
EXCEL_MAX_ROWS = 1_048_575
#: Above this, no XLSX is built (about 10 s per 100,000 rows of 7 columns here).
XLSX_MAX_ROWS = 100_000
#: The MIME type of XLSX files.
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def canonical_frame(data: bytes, schema: dict[str, Any]) -> pd.DataFrame:
    """The table with ISO dates, ``.`` decimals and true/false, every cell a string."""
    return published_frame(datastore_csv(data, schema))


def _types(schema: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f.get("type", "string") for f in schema.get("fields", [])}


def excel_csv(data: bytes, schema: dict[str, Any]) -> bytes:
    """The table as a CSV German Excel opens by double click (see module docstring).

    Every cell is quoted (Excel still reads quoted numbers and dates as such).
    """
    out = io.BytesIO()
    write_excel_csv(data, schema, out)
    return out.getvalue()


def write_excel_csv(source: bytes | Path, schema: dict[str, Any], target: BinaryIO) -> None:
    """Write :func:`excel_csv`'s bytes to ``target``, reading ``source`` in blocks.

    A file ``source`` that PostgreSQL reads as it is (the common case) is never held
    in memory whole; one whose formats need rewriting is rewritten in memory first.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    canonical = _canonical_source(source, schema)
    with _opened(canonical) as stream:
        head = stream.read(65536)
        names = next(csv.reader(io.StringIO(head.decode("utf-8", "replace"))), [])
        stream.seek(0)
        reader = pacsv.open_csv(
            stream,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        numbers = [n for n, kind in _types(schema).items() if kind == "number"]
        target.write("\ufeff".encode())
        options = pacsv.WriteOptions(delimiter=";", quoting_style="needed", eol="\r\n")
        with pacsv.CSVWriter(target, reader.schema, write_options=options) as writer:
            for batch in reader:
                for name in numbers:
                    if name in batch.schema.names:
                        at = batch.schema.get_field_index(name)
                        column = pc.replace_substring(batch.column(at), ".", ",")
                        batch = batch.set_column(at, name, column)
                writer.write_batch(batch)


def _canonical_source(source: bytes | Path, schema: dict[str, Any]) -> bytes | Path:
    """``source`` as PostgreSQL reads it: the file itself unless its formats need rewriting."""
    if isinstance(source, Path):
        return source if not needs_rewrite(schema) else datastore_csv(source.read_bytes(), schema)
    return datastore_csv(source, schema)


def _opened(source: bytes | Path) -> BinaryIO:
    return source.open("rb") if isinstance(source, Path) else io.BytesIO(source)


def _integer(text: str) -> Any:
    value = int(text)
    return value if abs(value) < 2**53 else text  # spreadsheets hold doubles


def _number(text: str) -> Any:
    value = float(text)
    return value if math.isfinite(value) else text


def _moment(text: str) -> Any:
    value = datetime.fromisoformat(text)
    return text if value.tzinfo is not None else value  # spreadsheets have no time zones


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "integer": _integer,
    "year": _integer,
    "number": _number,
    "date": date.fromisoformat,
    "datetime": _moment,
    "time": time.fromisoformat,
    "boolean": lambda text: {"true": True, "false": False}[text],
}


def _typed(values: pd.Series, kind: str) -> list[Any]:
    """Cells as Python values openpyxl writes typed; what does not parse stays text."""
    convert = _CONVERTERS.get(kind)
    out: list[Any] = []
    for text in values:
        if text == "":
            out.append(None)
        elif convert is None:
            out.append(text)
        else:
            try:
                out.append(convert(text))
            except (ValueError, KeyError):
                out.append(text)
    return out


#: Cell formats German readers expect (fixed, so they do not depend on the reader's locale).
_NUMBER_FORMATS = {"date": "DD.MM.YYYY", "datetime": "DD.MM.YYYY HH:MM:SS"}


def _cell(sheet: Any, value: Any, number_format: str | None = None, font: Any = None) -> Any:
    """A value, or a cell where a format or font is wanted or text would run as a formula."""
    formula_like = isinstance(value, str) and value.startswith("=")
    if value is None or (number_format is None and font is None and not formula_like):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if formula_like:  # openpyxl stores "=..." as a formula; published text stays text
        cell.data_type = "s"
    if number_format and not isinstance(value, str):
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    return cell


def workbook(data: bytes, schema: dict[str, Any], title: str) -> bytes:
    """The table as an XLSX workbook: sheet "Daten" with typed cells, sheet "Felder"."""
    out = io.BytesIO()
    write_workbook(data, schema, title, out)
    return out.getvalue()


def write_workbook(
    source: bytes | Path, schema: dict[str, Any], title: str, target: BinaryIO
) -> None:
    """Write :func:`workbook`'s bytes to ``target`` (openpyxl's write-only mode).

    The table is read into memory: workbooks are only built up to :data:`XLSX_MAX_ROWS`.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    data = source.read_bytes() if isinstance(source, Path) else source
    frame = canonical_frame(data, schema)
    types = _types(schema)
    columns = {c: _typed(frame[c], types.get(c, "string")) for c in frame.columns}
    book = Workbook(write_only=True)
    book.properties.title = title
    sheet = book.create_sheet("Daten")
    bold = Font(bold=True)
    header = [_cell(sheet, str(name), None, bold) for name in frame.columns]
    sheet.append(header)
    formats = [_NUMBER_FORMATS.get(types.get(c, "string")) for c in frame.columns]
    for row in zip(*columns.values(), strict=True):
        sheet.append([_cell(sheet, v, f) for v, f in zip(row, formats, strict=True)])
    fields = book.create_sheet("Felder")
    fields.append([_cell(fields, h, None, bold) for h in ("Feld", "Titel", "Typ", "Beschreibung")])
    for field in schema.get("fields", []):
        texts = ("name", "title", "type", "description")
        defaults = {"type": "string"}
        fields.append([_cell(fields, field.get(k, defaults.get(k, ""))) for k in texts])
    book.save(target)
