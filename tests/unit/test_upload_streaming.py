"""Uploads stream from disk: a request body is read block by block, never built whole."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from requests.models import RequestEncodingMixin

from opendata_pipeline.ckan import CkanClient, multipart
from opendata_pipeline.ckan.multipart import MultipartBody


class CountingFile(io.BytesIO):
    """A stream that records how much each read asked for."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.reads.append(-1 if size is None else size)
        return super().read(size)


def test_the_body_is_what_requests_would_encode(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_bytes("id,ort\n1,Düren\n".encode())
    fields = {"match": json.dumps({"id": "x"}), "name": 'Grüße "quoted"'}
    files = {
        "update__resources__a__upload": ("t.csv", table),
        "upload": ("datapackage.json", b'{"a": 1}\n'),
        "extra": ("x-\u00e4.bin", io.BytesIO(b"\x00\xff" * 10)),
    }
    body = MultipartBody(fields, files)
    streamed = b"".join(iter(lambda: body.read(7), b""))
    whole = {name: (fname, c.read_bytes() if isinstance(c, Path) else c) for name, (fname, c)
             in files.items()}  # fmt: skip
    whole["extra"] = ("x-\u00e4.bin", b"\x00\xff" * 10)
    # what requests (and so ckanapi) sends, built whole in memory
    expected, content_type = RequestEncodingMixin._encode_files(whole, fields)
    expected = expected.replace(content_type.split("=")[1].encode(), body.boundary.encode())
    assert streamed == expected
    assert len(body) == len(expected)
    assert body.content_type.split(";")[0] == content_type.split(";")[0]


def test_a_large_file_is_read_in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(multipart, "BLOCK", 1000)
    stream = CountingFile(b"x" * 10_500)
    body = MultipartBody({}, {"upload": ("big.csv", stream)})
    assert stream.reads == []  # nothing is read before the connection asks
    while body.read(300):
        pass
    assert stream.reads and max(stream.reads) == 1000


def test_the_client_hands_the_connection_a_stream_not_the_bytes(tmp_path: Path) -> None:
    table = tmp_path / "big.csv"
    table.write_bytes(b"id\n" + b"1\n" * 50_000)
    client = CkanClient("http://127.0.0.1:9", "token", retry_seconds=0)
    sent: list[Any] = []

    class Answer:
        status_code = 200
        text = json.dumps({"success": True, "result": {"ok": True}})

    def post(url: str, data: Any = None, **kwargs: Any) -> Answer:
        sent.append((url, data, kwargs))
        assert isinstance(data, MultipartBody)
        assert not isinstance(data, (bytes, bytearray))
        assert "files" not in kwargs  # requests would build the whole body in memory
        assert len(data) > table.stat().st_size
        assert kwargs["headers"]["Authorization"] == "token"
        while data.read(16384):
            pass
        return Answer()

    client._session.post = post  # type: ignore[method-assign]
    result = client.call("package_revise", files={"upload": ("big.csv", table)}, match={"id": "x"})
    assert result == {"ok": True}
    assert sent[0][0] == "http://127.0.0.1:9/api/action/package_revise"
