"""The one table reader: a file's rows as batches of string columns, read as frictionless reads it.

Gather and validation both read tables here, so both see the same cells:
the encoding is detected as frictionless 5.21 detects it (chardet over the
first 100,000 bytes, UTF-8 when unsure), the CSV dialect is sniffed from the
first 100 lines with frictionless's delimiters and corrections, and lines
split on CR, LF and CRLF. Plain UTF-8 CSV is parsed by pyarrow in batches;
anything pyarrow would read differently (other encodings, other quoting,
blank lines, lone CRs, rows of another length) by Python's csv module, the
parser frictionless itself uses, from the row where it first differs.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
from pyarrow import csv as pacsv

from ..errors import TerminalError

BUFFER_SIZE = 100_000  # frictionless.settings.DEFAULT_BUFFER_SIZE
SAMPLE_LINES = 100  # frictionless.formats.csv.parser.SAMPLE_SIZE
CONFIDENCE = 0.5  # frictionless.settings.DEFAULT_ENCODING_CONFIDENCE
DELIMITERS = ",\t;|"
BATCH_ROWS = 65_536
ARROW_BLOCK = 1 << 20  # 4 MB blocks held about 45 MB more for 1,000,000 rows, no faster
UTF8 = ("utf-8", "utf-8-sig")

csv.field_size_limit(2147483646)  # as frictionless: no cell is too long


def arrow_array(values: Any, type_: pa.DataType) -> pa.Array:
    """A pyarrow array from a Python list, without pyarrow importing pandas to inspect it.

    ``pa.array`` on a list asks pandas whether the list is "array-like" (importing it,
    about 1 s); on a NumPy array it does not.
    """
    import numpy as np

    if type_ == pa.string():
        return pa.array(np.array(values, dtype=object), type_, from_pandas=False)
    return pa.array(np.asarray(values, dtype=type_.to_pandas_dtype()), type_)


class TableReadError(TerminalError):
    """A file cannot be read as a table (empty, not text in its encoding, not the format)."""


class TableDecodeError(TableReadError):
    """The file's bytes are not text in the encoding it was read with."""


@dataclass(frozen=True)
class Dialect:
    """How a CSV file is written: what frictionless would detect for it."""

    encoding: str
    delimiter: str = ","
    quotechar: str = '"'
    escapechar: str | None = None
    skipinitialspace: bool = False

    def python(self) -> type[csv.Dialect]:
        """The equivalent dialect for Python's csv module (quotes always doubled)."""
        attrs = {
            "delimiter": self.delimiter,
            "quotechar": self.quotechar or None,
            "escapechar": self.escapechar,
            "doublequote": True,
            "skipinitialspace": self.skipinitialspace,
            "lineterminator": "\r\n",
            "quoting": csv.QUOTE_MINIMAL if self.quotechar else csv.QUOTE_NONE,
        }
        return type("Sniffed", (csv.Dialect,), attrs)


@dataclass
class Batch:
    """Consecutive data rows: one string column per header label."""

    first_row: int
    """Row number of the first row (the header is row 1)."""
    columns: list[pa.Array]
    irregular: dict[int, list[str]] = field(default_factory=dict)
    """Index in the batch -> the row's own cells, for rows of another length than the header."""
    length: int = 0

    def cells(self, index: int) -> list[str]:
        """The cells of one row, as the file holds them."""
        if index in self.irregular:
            return self.irregular[index]
        return [str(c[index].as_py()) for c in self.columns]


def detect_encoding(buffer: bytes, declared: str | None = None) -> str:
    """Name the encoding as frictionless does (chardet, UTF-8 below 50 % confidence)."""
    encoding = declared
    if not encoding:
        import chardet

        detector = chardet.UniversalDetector()
        for line in buffer.splitlines():
            detector.feed(line)
        detector.close()
        encoding = detector.result["encoding"] or "utf-8"
        if (detector.result["confidence"] or 0) < CONFIDENCE:
            detected, encoding = encoding, "utf-8"
            try:
                buffer.decode(encoding)
            except UnicodeDecodeError:
                encoding = detected
        if encoding == "ascii":
            encoding = "utf-8"
    try:
        encoding = codecs.lookup(encoding).name
    except LookupError:
        raise TableReadError(f"unknown encoding {encoding!r}") from None
    if encoding == "utf-8" and buffer.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif (
        encoding == "utf-16-be"
        and buffer.startswith(codecs.BOM_UTF16_BE)
        or encoding == "utf-16-le"
        and buffer.startswith(codecs.BOM_UTF16_LE)
    ):  # noqa: E501
        encoding = "utf-16"
    return encoding


def sniff_dialect(sample: str, encoding: str, delimiters: str = DELIMITERS) -> Dialect:
    """Sniff the dialect as frictionless does: its delimiters, never a single quote."""
    try:
        found: Any = csv.Sniffer().sniff(sample, delimiters)
    except csv.Error:
        found = csv.excel()
    quotechar = '"' if found.quotechar == "'" else found.quotechar
    return Dialect(
        encoding,
        delimiter=found.delimiter,
        quotechar=quotechar,
        escapechar=found.escapechar,
        skipinitialspace=bool(found.skipinitialspace),
    )


def header_row(widths: list[int]) -> int:
    """The header's row number as frictionless infers it from the first 100 rows' widths.

    The first row whose width is within 10 % of the average width (rows before it are
    taken for comments); row 1 when none is.
    """
    if not widths:
        return 1
    width = round(sum(widths) / len(widths))
    drift = max(round(width * 0.1), 1)
    for number, n in enumerate(widths, start=1):
        if width - drift <= n <= width + drift:
            return number
    return 1


class CsvTable:
    """A CSV file opened for reading: its dialect, header labels and row batches.

    Use as a context manager; :meth:`batches` can be iterated once.
    """

    def __init__(
        self,
        source: Path | bytes,
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
        batch_rows: int = BATCH_ROWS,
    ) -> None:
        self._raw: Any = (
            io.BytesIO(source) if isinstance(source, bytes) else Path(source).open("rb")  # noqa: SIM115
        )
        self.batch_rows = batch_rows
        try:
            buffer = self._raw.read(BUFFER_SIZE)
            self._raw.seek(0)
            if not buffer:
                raise TableReadError("the file is empty")
            self._encoding = detect_encoding(buffer, encoding)
            self._text = io.TextIOWrapper(self._raw, self._encoding, newline="")
            sample = list(itertools.islice(self._lines(), SAMPLE_LINES))
            if not sample:
                raise TableReadError("the file is empty")
            if "\x00" in "".join(sample):
                raise TableReadError("the file holds NUL bytes: it is not a text table")
            # frictionless sniffs TSV files with all its delimiters too.
            self.dialect = (
                Dialect(self._encoding, delimiter)
                if delimiter
                else sniff_dialect("".join(sample), self._encoding)
            )
            self._sample = sample
            self.labels = self._header()
            self._plain = self._is_plain()
        except Exception:
            self._raw.close()
            raise

    def _lines(self) -> Iterator[str]:
        try:
            for line in self._text:  # noqa: UP028 - "yield from" would close the file on exit
                yield line
        except UnicodeDecodeError as exc:
            raise TableDecodeError(
                f"the file is not text in {self._encoding}: {exc.reason} at byte {exc.start}"
            ) from None

    def _is_plain(self) -> bool:
        """Tell whether pyarrow reads this file exactly as Python's csv module does."""
        d = self.dialect
        return (
            self._encoding in UTF8
            and d.quotechar == '"'
            and d.escapechar is None
            and not d.skipinitialspace
            and len(d.delimiter) == 1
            and bool(self.labels)
        )

    def _header(self) -> list[str]:
        lines = itertools.chain(self._sample, self._lines())
        rows = list(itertools.islice(csv.reader(lines, dialect=self.dialect.python()), 100))
        self.header_row = header_row([len(r) for r in rows])
        return list(rows[0]) if rows else []

    def __enter__(self) -> CsvTable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self._raw.close()

    def batches(self) -> Iterator[Batch]:
        """Every data row, in batches; rows of another length are kept as they are."""
        if self._plain:
            yield from self._arrow_batches()
        else:
            yield from self._python_batches(self._python_rows(), first_row=2)

    # Python's csv module: the reference parser.

    def _python_rows(self) -> Iterator[list[str]]:
        self._text.detach()  # a dropped wrapper would close the file
        self._raw.seek(0)
        self._text = io.TextIOWrapper(self._raw, self._encoding, newline="")
        reader = csv.reader(self._lines(), dialect=self.dialect.python())
        try:
            yield from reader
        except csv.Error as exc:
            raise TableReadError(f"the file is not valid CSV: {exc}") from None

    def _python_batches(self, rows: Iterator[list[str]], first_row: int) -> Iterator[Batch]:
        n = len(self.labels)
        if first_row == 2:
            next(rows, None)  # the header
        number = first_row
        while True:
            chunk = list(itertools.islice(rows, self.batch_rows))
            if not chunk:
                return
            irregular = {i: r for i, r in enumerate(chunk) if len(r) != n}
            cols: list[list[str]] = [[] for _ in range(n)]
            for row in chunk:
                if len(row) != n:
                    row = (row + [""] * n)[:n]
                for j in range(n):
                    cols[j].append(row[j])
            yield Batch(number, [arrow_array(c, pa.string()) for c in cols], irregular, len(chunk))
            number += len(chunk)

    # pyarrow: the fast parser for plain files.

    def _arrow_batches(self) -> Iterator[Batch]:
        self._raw.seek(0)
        names = [f"c{i}" for i in range(len(self.labels))]
        body = _Checked(self._raw, self._encoding)
        done = 0  # records passed on so far, header included
        pending: list[pa.RecordBatch] = []
        held: pa.RecordBatch | None = None  # passed on only once the next block read clean
        try:
            reader = pacsv.open_csv(body, **_arrow_options(names, self.dialect.delimiter))
            while True:
                try:
                    rb = reader.read_next_batch()
                except StopIteration:
                    body.finished = True  # pyarrow read to the end
                    break
                if body.irregular:
                    held = None
                    break
                if held is not None:
                    pending.append(held)
                held = rb
                if sum(b.num_rows for b in pending) >= self.batch_rows:
                    done = yield from self._emit(pending, done)
                    pending = []
        except pa.ArrowInvalid:
            held = None  # a row of another length, or a quote pyarrow rejects
        if held is not None and not body.irregular and body.finished:
            pending.append(held)
        else:
            held = None
        if pending:
            done = yield from self._emit(pending, done)
        if held is None:
            # Go on with Python's csv module from the first record not yet passed on.
            rows = self._python_rows()
            for _ in range(done):
                next(rows, None)
            yield from self._python_batches(rows, first_row=max(done, 1) + 1)

    def _emit(self, pending: list[pa.RecordBatch], done: int) -> Generator[Batch, None, int]:
        table = pa.Table.from_batches(pending)
        if done == 0:
            table, done = table.slice(1), 1  # the header
        columns = [table.column(i).combine_chunks() for i in range(table.num_columns)]
        if table.num_rows:
            yield Batch(done + 1, columns, {}, table.num_rows)
        return done + int(table.num_rows)


def _arrow_options(names: list[str], delimiter: str) -> dict[str, Any]:
    return {
        "read_options": pacsv.ReadOptions(
            column_names=names, block_size=ARROW_BLOCK, use_threads=True
        ),
        "parse_options": pacsv.ParseOptions(
            delimiter=delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=True,
            ignore_empty_lines=False,
        ),
        "convert_options": pacsv.ConvertOptions(
            column_types={c: pa.string() for c in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    }


class _Checked(io.RawIOBase):
    """A byte stream that notices what pyarrow would parse unlike Python's csv module.

    Blank lines (pyarrow gives a row of empty cells, csv an empty row), lone CRs and
    bytes that are not UTF-8 stop the fast path; :attr:`finished` tells the end was read.
    """

    def __init__(self, raw: IO[bytes], encoding: str) -> None:
        self._raw = raw
        self._tail = b""
        self._first = True
        self.irregular = False
        self.finished = False
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._bom = encoding == "utf-8-sig"

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        chunk = self._raw.read(len(b))
        if not chunk:
            self.finished = True
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.irregular = True
            return 0
        if self._first:
            self._first = False
            if self._bom and chunk.startswith(codecs.BOM_UTF8):
                chunk = chunk[3:]
        joined = self._tail + chunk
        if (
            b"\n\n" in joined
            or b"\n\r\n" in joined
            or b"\r\r" in joined
            or joined.startswith((b"\n", b"\r"))
            and self._tail == b""
            or _lone_cr(joined)
        ):
            self.irregular = True
        try:
            self._decoder.decode(chunk)
        except UnicodeDecodeError:
            self.irregular = True
        self._tail = joined[-2:]
        n = len(chunk)
        b[:n] = chunk
        return n


def _lone_cr(data: bytes) -> bool:
    """Tell whether a CR is followed by something else than LF (the last byte is unknown)."""
    start = 0
    while True:
        i = data.find(b"\r", start, len(data) - 1)
        if i < 0:
            return False
        if data[i + 1 : i + 2] != b"\n":
            return True
        start = i + 1
