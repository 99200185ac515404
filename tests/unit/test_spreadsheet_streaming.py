"""The Excel-CSV is written from the staged file in blocks, as a whole-table write would be."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from opendata_pipeline.publish import spreadsheets

SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer"},
        {"name": "betrag", "type": "number"},
        {"name": "text", "type": "string"},
    ]
}


def whole_table_excel_csv(data: bytes) -> bytes:
    """The reference: the whole table read at once, then written at once."""
    names = ["id", "betrag", "text"]
    table = pacsv.read_csv(
        io.BytesIO(data),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    table = table.set_column(1, "betrag", pc.replace_substring(table["betrag"], ".", ","))
    out = io.BytesIO()
    out.write("\ufeff".encode())
    options = pacsv.WriteOptions(delimiter=";", quoting_style="needed", eol="\r\n")
    pacsv.write_csv(table, out, options)
    return out.getvalue()


def test_a_file_of_many_blocks_gives_the_whole_table_bytes(tmp_path: Path) -> None:
    rnd = random.Random(7)
    texts = ["Aachen", 'a "quoted" word', "zwei\nZeilen", "Semi;kolon", "", "Düren"]
    lines = ["id,betrag,text"]
    for i in range(60_000):  # several MB: many of pyarrow's read blocks
        text = rnd.choice(texts).replace('"', '""')
        lines.append(f'{i},{rnd.randint(0, 10**6)}.{rnd.randint(0, 99):02d},"{text}"')
    data = ("\n".join(lines) + "\n").encode()
    staged = tmp_path / "t.csv"
    staged.write_bytes(data)
    out = io.BytesIO()
    spreadsheets.write_excel_csv(staged, SCHEMA, out)
    assert out.getvalue() == whole_table_excel_csv(data)
    assert spreadsheets.excel_csv(data, SCHEMA) == out.getvalue()
