"""A ``multipart/form-data`` request body that streams its files from disk.

requests (and so ckanapi) builds a multipart body as one bytes object: every
upload of a version (the data, its archived copy, the spreadsheet variants) would
sit in memory at once, twice. :class:`MultipartBody` instead knows its length up
front and hands out the parts block by block as the connection reads them, so a
request costs one block of memory whatever the files weigh.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

from urllib3.fields import RequestField

Content = bytes | Path | IO[bytes]
"""An upload's content: bytes, a file on disk, or a binary stream that can seek."""
BLOCK = 1 << 20


def _size(content: Content) -> int:
    if isinstance(content, bytes):
        return len(content)
    if isinstance(content, Path):
        return content.stat().st_size
    end = content.seek(0, os.SEEK_END)
    content.seek(0)
    return end


class MultipartBody:
    """A multipart body of string fields, then files, read in blocks (see module docstring).

    Args:
        fields: form fields (all strings), sent first in this order.
        files: form field name -> (file name, content).

    A body is read once; build a new one to send the request again. Close it (or use
    it as a context manager) to close the files it opened.
    """

    def __init__(self, fields: Mapping[str, str], files: Mapping[str, tuple[str, Content]]) -> None:
        self.boundary = os.urandom(16).hex()
        self._parts: list[bytes | Path | IO[bytes]] = []
        for name, value in fields.items():
            self._head(RequestField(name, value))
            self._parts += [value.encode("utf-8"), b"\r\n"]
        for name, (filename, content) in files.items():
            self._head(RequestField(name, b"", filename=filename))
            if not isinstance(content, (bytes, Path)):
                content.seek(0)  # a retried request sends the stream whole again
            self._parts += [content, b"\r\n"]
        self._parts.append(f"--{self.boundary}--\r\n".encode("latin-1"))
        self._length = sum(_size(p) for p in self._parts)
        self._blocks: Iterator[bytes] = self._read_parts()
        self._block, self._offset = b"", 0
        self._open: IO[bytes] | None = None

    def _head(self, field: RequestField) -> None:
        field.make_multipart()
        self._parts.append(f"--{self.boundary}\r\n".encode("latin-1"))
        self._parts.append(field.render_headers().encode("utf-8"))

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes]:
        return self._blocks

    def _read_parts(self) -> Iterator[bytes]:
        for part in self._parts:
            if isinstance(part, bytes):
                if part:
                    yield part
                continue
            stream = part.open("rb") if isinstance(part, Path) else part
            self._open = stream if isinstance(part, Path) else None
            try:
                while block := stream.read(BLOCK):
                    yield block
            finally:
                self.close()

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes of the body (all that is left when ``size`` < 0)."""
        left = size if size >= 0 else self._length
        out = []
        while left > 0:
            if self._offset >= len(self._block):
                self._block, self._offset = next(self._blocks, b""), 0
                if not self._block:
                    break
            piece = self._block[self._offset : self._offset + left]
            self._offset += len(piece)
            left -= len(piece)
            out.append(piece)
        return b"".join(out)

    def close(self) -> None:
        """Close the file this body has open, if any."""
        if self._open is not None:
            self._open.close()
            self._open = None

    def __enter__(self) -> MultipartBody:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
