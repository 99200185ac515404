"""Turn the bytes of a CSV, XLSX or JSON source into a table of strings.

Every cell stays a string: types are the Table Schema's business, checked by
validation, not guessed here.
"""

from __future__ import annotations

import codecs
import functools
import io
import json
import sys
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import TerminalError

if TYPE_CHECKING:  # pandas and pyarrow where bytes are read, not wherever gathering is imported
    import pandas as pd
    import pyarrow as pa

    from .tables import Batch


class ReadError(TerminalError):
    """A source's bytes cannot be read as the declared format."""


def decode(body: bytes, encoding: str | None, label: str) -> str:
    """Decode text: BOM first, then the declared encoding, else UTF-8, else Windows-1252.

    Raises:
        ReadError: the bytes are not valid in the declared encoding (names the byte offset).
    """
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom) and encoding in (None, "utf-8", "utf-8-sig", "utf-16", codec):
            encoding = codec
            break
    candidates = [encoding] if encoding else ["utf-8", "cp1252"]
    for codec in candidates:
        try:
            text = body.decode(codec)
        except UnicodeDecodeError as exc:
            if encoding:
                line = body[: exc.start].count(b"\n") + 1
                raise ReadError(
                    f"{label}: cannot decode as {encoding}: invalid byte 0x{body[exc.start]:02x} "
                    f"at offset {exc.start} (line {line}). Declare the file's real encoding."
                ) from None
            continue
        except LookupError:
            raise ReadError(f"{label}: unknown encoding {codec!r}") from None
        if "\x00" in text:
            raise ReadError(f"{label}: contains NUL bytes; it is not a text file in {codec}")
        return text
    raise ReadError(f"{label}: cannot decode the file as UTF-8 or Windows-1252")


def read_csv(
    body: bytes | Path, label: str, encoding: str | None = None, delimiter: str | None = None
) -> pd.DataFrame:
    """Read CSV bytes (or a file) into a string table, with validation's reader.

    Encoding and dialect are detected as frictionless detects them
    (:class:`.tables.CsvTable`), so what is gathered is what is validated. The rows
    stay in Arrow string columns, batch by batch: a large table costs about its size.

    Raises:
        ReadError: empty or undecodable file, blank or duplicate header names, or a row
            whose cell count differs from the header's (with its row number).
    """
    import pandas as pd
    import pyarrow as pa

    header: list[str] = []
    chunks: list[list[pa.Array]] = []
    for header, columns in csv_batches(body, label, encoding, delimiter):
        chunks = chunks or [[] for _ in header]
        for j, column in enumerate(columns):
            chunks[j].append(column)
    if not chunks:
        return pd.DataFrame(columns=header)
    frame = {
        name: pd.array(pa.chunked_array(chunks[j], pa.large_string()), dtype=str)
        for j, name in enumerate(header)
    }
    return pd.DataFrame(frame, columns=header)


def csv_batches(
    body: bytes | Path, label: str, encoding: str | None = None, delimiter: str | None = None
) -> Iterator[tuple[list[str], list[pa.Array]]]:
    """The header and the data rows of a CSV source, a batch at a time (blank lines left
    out), each column a ``large_string`` array; a table without rows yields its header
    once with no columns.

    Raises:
        ReadError: as :func:`read_csv`, when the batch that holds the problem is read.
    """
    import pyarrow as pa

    from .tables import CsvTable, TableDecodeError, TableReadError

    try:
        with CsvTable(body, encoding=encoding, delimiter=delimiter) as table:
            header = table.labels
            _check_header(header, label)
            empty = True
            for batch in table.batches():
                kept = _kept_rows(batch, len(header), label, table.dialect.delimiter)
                # pandas keeps strings as large_string: cast a batch at a time
                columns = [
                    (column if kept is None else column.filter(kept)).cast(pa.large_string())
                    for column in batch.columns
                ]
                if columns and len(columns[0]):
                    empty = False
                    yield header, columns
            if empty:
                yield header, []
    except TableDecodeError as exc:
        if encoding:  # name the byte, its offset in the whole file and its line
            decode(body if isinstance(body, bytes) else body.read_bytes(), encoding, label)
        raise ReadError(f"{label}: {exc}") from None
    except TableReadError as exc:
        raise ReadError(f"{label}: {exc}") from None


@functools.cache
def _blank_pattern() -> str:
    """A regular expression (RE2) for a cell that ``str.strip()`` leaves empty."""
    spaces = [c for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    return "^[" + "".join(f"\\x{{{c:x}}}" for c in spaces) + "]*$"


def _kept_rows(batch: Batch, width: int, label: str, delimiter: str) -> pa.Array | None:
    """Which rows of a batch hold data (None: all): blank lines are left out.

    Raises:
        ReadError: a row that is not blank has another cell count than the header.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    blank = np.ones(batch.length, dtype=bool)
    for column in batch.columns:
        blank &= pc.match_substring_regex(column, _blank_pattern()).to_numpy(zero_copy_only=False)
    keep = ~blank
    for i in sorted(batch.irregular):
        row = batch.irregular[i]
        if not any(cell.strip() for cell in row):
            keep[i] = False  # blank lines carry no data
            continue
        raise ReadError(
            f"{label}: row {batch.first_row + i} has {len(row)} cells, the header has "
            f"{width} (delimiter {delimiter!r})"
        )
    return None if keep.all() else pa.array(keep)


def _check_header(header: list[str], label: str) -> None:
    blanks = [i + 1 for i, h in enumerate(header) if not h.strip()]
    if blanks:
        raise ReadError(f"{label}: header has blank column name(s) at position(s) {blanks}")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise ReadError(f"{label}: header names column {name!r} twice")
        seen.add(name)


def cell_text(value: Any) -> str:
    """Render a spreadsheet or JSON value as the string a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def read_xlsx(body: bytes, label: str, sheet: str | None = None) -> pd.DataFrame:
    """Read the first (or named) sheet of an XLSX workbook into a string table."""
    import pandas as pd
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for bad input
        raise ReadError(f"{label}: not a readable XLSX workbook ({type(exc).__name__})") from None
    if sheet is not None and sheet not in book.sheetnames:
        raise ReadError(f"{label}: workbook has no sheet {sheet!r} (has {book.sheetnames})")
    ws = book[sheet] if sheet else book.worksheets[0]
    rows = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise ReadError(f"{label}: the sheet is empty")
    header = rows[0]
    while header and not header[-1]:
        header = header[:-1]
    _check_header(header, label)
    data = [r[: len(header)] + [""] * (len(header) - len(r)) for r in rows[1:]]
    return pd.DataFrame(data, columns=header, dtype=str)


def read_json(
    body: bytes, label: str, records_path: str | None = None, encoding: str | None = None
) -> pd.DataFrame:
    """Read a JSON list of objects (optionally under a dotted ``records_path``)."""
    import pandas as pd

    try:
        doc = json.loads(decode(body, encoding, label))
    except json.JSONDecodeError as exc:
        raise ReadError(f"{label}: not valid JSON: {exc}") from None
    for key in filter(None, (records_path or "").split(".")):
        if not isinstance(doc, dict) or key not in doc:
            raise ReadError(f"{label}: JSON has no key {key!r} on the records path")
        doc = doc[key]
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        raise ReadError(f"{label}: expected a JSON list of objects")
    columns: list[str] = []
    for record in doc:
        columns += [k for k in record if k not in columns]
    data = [[cell_text(r.get(c)) for c in columns] for r in doc]
    return pd.DataFrame(data, columns=columns, dtype=str)


def read_table(body: bytes | Path, fmt: str, label: str, **options: Any) -> pd.DataFrame:
    """Dispatch on the declared format (a CSV file is read in batches, others whole)."""
    if fmt == "csv":
        return read_csv(body, label, options.get("encoding"), options.get("delimiter"))
    body = body.read_bytes() if isinstance(body, Path) else body
    if fmt == "xlsx":
        return read_xlsx(body, label, options.get("sheet"))
    if fmt == "json":
        return read_json(body, label, options.get("records_path"), options.get("encoding"))
    raise ReadError(f"{label}: unknown format {fmt!r} (use csv, xlsx or json)")
