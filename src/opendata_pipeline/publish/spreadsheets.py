"""Downloads that open correctly in spreadsheets: an Excel-CSV and an XLSX workbook.

Pure: bytes in, bytes out. The published CSV (UTF-8, comma, the schema's formats)
stays the reference; these two are conveniences built from it with the Table
Schema's types, for German spreadsheet software:

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
from typing import TYPE_CHECKING, Any

from .artifacts import published_frame
from .datastore import datastore_csv

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
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    canonical = datastore_csv(data, schema)
    names = next(csv.reader(io.StringIO(canonical[:65536].decode("utf-8", "replace"))), [])
    table = pacsv.read_csv(
        io.BytesIO(canonical),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    for name, kind in _types(schema).items():
        if kind == "number" and name in table.column_names:
            at = table.column_names.index(name)
            table = table.set_column(at, name, pc.replace_substring(table[name], ".", ","))
    out = io.BytesIO()
    out.write("\ufeff".encode())
    options = pacsv.WriteOptions(delimiter=";", quoting_style="needed", eol="\r\n")
    pacsv.write_csv(table, out, options)
    return out.getvalue()


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
    from openpyxl import Workbook
    from openpyxl.styles import Font

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
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
