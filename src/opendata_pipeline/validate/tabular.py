"""Read a CSV the way frictionless 5.21 reads it, but into columnar string arrays.

Encoding detection and dialect sniffing use the same functions and sample
sizes as frictionless, so both see the same cells. Plain files (standard
quoting, UTF-8) are parsed by pyarrow; anything else, or any row whose cell
count differs from the header's, by Python's csv module like frictionless.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

import frictionless
import pyarrow as pa
from pyarrow import csv as pacsv

SAMPLE_LINES = 100  # frictionless.formats.csv.parser.SAMPLE_SIZE
DELIMITERS = ",\t;|"


@dataclass
class Table:
    """Header labels, one string array per header column, and irregular rows."""

    labels: list[str]
    columns: list[pa.Array]
    irregular: dict[int, list[str]] = field(default_factory=dict)
    """Row index -> raw cells, for rows that are blank or ragged."""
    encoding: str = "utf-8"

    @property
    def n_rows(self) -> int:
        return len(self.columns[0]) if self.columns else len(self.irregular)


class SourceProblem(Exception):
    """The bytes cannot be read as text CSV; frictionless will describe why."""


def detect_encoding(data: bytes) -> str:
    """Detect the encoding exactly as frictionless does (chardet on the first buffer)."""
    buffer = data[: frictionless.settings.DEFAULT_BUFFER_SIZE]
    return str(frictionless.Detector().detect_encoding(buffer))


def sniff(text_sample: str) -> type[csv.Dialect] | csv.Dialect:
    """Sniff the dialect with frictionless's delimiters and its quote-char correction."""
    try:
        dialect = csv.Sniffer().sniff(text_sample, DELIMITERS)
    except csv.Error:
        return csv.excel
    if dialect.quotechar == "'":
        dialect.quotechar = '"'
    return dialect


def _is_plain(d: type[csv.Dialect] | csv.Dialect, data: bytes) -> bool:
    """Tell whether pyarrow parses this file exactly as Python's csv with dialect ``d``."""
    # Without quote doubling in the dialect, '""' would parse differently; without '""'
    # in the data the setting makes no difference.
    quoting_ok = d.doublequote or b'""' not in data
    return d.quotechar == '"' and d.escapechar is None and not d.skipinitialspace and quoting_ok


def read_table(data: bytes) -> Table:
    """Parse CSV bytes into a :class:`Table`.

    Raises:
        SourceProblem: empty, undecodable or NUL-containing input.
    """
    encoding = detect_encoding(data)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceProblem(str(exc)) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        raise SourceProblem("NUL byte")
    if not text:
        raise SourceProblem("empty")
    reader = io.StringIO(text)
    dialect = sniff("".join(reader.readline() for _ in range(SAMPLE_LINES)))
    if _is_plain(dialect, data) and encoding in ("utf-8", "utf-8-sig", "ascii"):
        body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
        table = _read_arrow(body, str(dialect.delimiter))
        if table is not None:
            table.encoding = encoding
            return table
    table = _read_python(text, dialect)
    table.encoding = encoding
    return table


def _arrow_parse(
    body: bytes, delimiter: str, names: list[str], threads: bool
) -> tuple[pa.Table, list[pacsv.InvalidRow]]:
    irregular: list[pacsv.InvalidRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        irregular.append(row)
        return "skip"

    tbl = pacsv.read_csv(
        io.BytesIO(body),
        read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24, use_threads=threads),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return tbl, irregular


def _read_arrow(body: bytes, delimiter: str) -> Table | None:
    """Parse with pyarrow; rows of the wrong length are kept aside with their numbers."""
    try:
        end = body.find(b"\n")
        first = body if end < 0 else body[:end]
        n = len(next(csv.reader([first.decode("utf-8").rstrip("\r")], delimiter=delimiter)))
        names = [f"c{i}" for i in range(n)]
        tbl, bad = _arrow_parse(body, delimiter, names, threads=True)
        if any(row.number is None for row in bad):
            tbl, bad = _arrow_parse(body, delimiter, names, threads=False)
    except (pa.ArrowInvalid, UnicodeDecodeError, StopIteration):
        return None
    if tbl.num_rows == 0 or any(row.number is None or row.number < 2 for row in bad):
        return None
    columns = [tbl.column(i).combine_chunks() for i in range(tbl.num_columns)]
    labels = [c[0].as_py() for c in columns]
    data = [c.slice(1) for c in columns]
    if not bad:
        return Table(labels, data)
    irregular = {
        row.number - 2: next(csv.reader([row.text], delimiter=delimiter), []) for row in bad
    }
    return Table(
        labels,
        [_interleave(col, sorted(irregular), irregular, j) for j, col in enumerate(data)],
        irregular,
    )


def _interleave(
    col: pa.Array, positions: list[int], cells: dict[int, list[str]], j: int
) -> pa.Array:
    """Put the set-aside rows back at their positions (their cell j, or empty)."""
    parts, used = [], 0
    for k, pos in enumerate(positions):
        kept_before = pos - k  # parsed rows that precede this set-aside row
        parts.append(col.slice(used, kept_before - used))
        row = cells[pos]
        parts.append(pa.array([row[j] if j < len(row) else ""], pa.string()))
        used = kept_before
    parts.append(col.slice(used))
    return pa.concat_arrays(parts)


def _read_python(text: str, dialect: type[csv.Dialect] | csv.Dialect) -> Table:
    rows = list(csv.reader(io.StringIO(text, newline=""), dialect=dialect))
    labels = rows[0] if rows else []
    n = len(labels)
    irregular: dict[int, list[str]] = {}
    cols: list[list[str]] = [[] for _ in range(n)]
    for index, row in enumerate(rows[1:]):
        if len(row) != n or not any(row):
            irregular[index] = row
            row = (row + [""] * n)[:n]
        for j in range(n):
            cols[j].append(row[j])
    return Table(labels, [pa.array(c, type=pa.string()) for c in cols], irregular)
