"""HTTP sources over real loopback servers: only http(s), also after redirects; allowed hosts
only; an overall deadline per download; never the portal's token."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from opendata_pipeline.gather.core import GatherContext, gather_dataset
from opendata_pipeline.gather.http import FetchUnavailable, HttpCache
from opendata_pipeline.gather.trust import SourceRefused
from tests.httpserver import Reply, http_server
from tests.specs import make_spec

CSV = b"id,name\n1,Aachen\n2,Soest\n"


def _ctx(tmp: Path, hosts: tuple[str, ...] = ()) -> GatherContext:
    return GatherContext(tmp, HttpCache(tmp / "cache"), requests.Session(), allowed_hosts=hosts)


def _spec(tmp: Path, url: str, **extra: object):  # type: ignore[no-untyped-def]
    source = {"type": "http", "url": url, "format": "csv", "retries": 1, **extra}
    return make_spec(tmp / "ds", [source], ["id", "name"])


def test_a_redirect_to_a_file_url_is_refused_naming_dataset_and_source(tmp_path: Path) -> None:
    with http_server() as srv:
        url = srv.route("/a.csv", Reply(302, headers={"Location": "file:///etc/passwd"}))
        with pytest.raises(SourceRefused) as caught:
            gather_dataset(_spec(tmp_path, url, name="stadtliste"), _ctx(tmp_path))
    assert str(caught.value) == (
        "dataset testdaten, source stadtliste: 'file:///etc/passwd' is not an http(s) URL; "
        "sources are fetched over http or https only (local files: a file source with a "
        "path inside the project)"
    )


def test_a_file_url_as_source_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceRefused, match="dataset testdaten, source file:///etc/passwd: "):
        gather_dataset(_spec(tmp_path, "file:///etc/passwd"), _ctx(tmp_path))


def test_only_allowed_hosts_also_after_a_redirect(tmp_path: Path) -> None:
    with http_server() as allowed, http_server() as other:
        target = other.route("/b.csv", Reply(body=CSV, headers={"Content-Type": "text/csv"}))
        url = allowed.route("/a.csv", Reply(302, headers={"Location": target}))
        direct = allowed.route("/c.csv", Reply(body=CSV, headers={"Content-Type": "text/csv"}))
        hosts = (allowed.base.removeprefix("http://"),)
        got = gather_dataset(_spec(tmp_path, direct), _ctx(tmp_path, hosts))
        assert got.frame.values.tolist() == [["1", "Aachen"], ["2", "Soest"]]
        with pytest.raises(SourceRefused, match="is not in the profile's source_hosts"):
            gather_dataset(_spec(tmp_path, url), _ctx(tmp_path, hosts))
        assert other.log == []  # the other host was never asked


@pytest.fixture
def dripping() -> Iterator[str]:
    """A server that sends a 25-byte CSV one byte every 0.2 s."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            body = b"id,name\n1,a\n2,b\n3,c\n4,d\n"[:25]
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for byte in body:
                try:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slow.csv"
    server.shutdown()
    server.server_close()


def test_a_download_has_an_overall_deadline(tmp_path: Path, dripping: str) -> None:
    spec = _spec(tmp_path, dripping, deadline=1, read_timeout=30, name="tropfen")
    with pytest.raises(FetchUnavailable) as caught:
        gather_dataset(spec, _ctx(tmp_path))
    assert str(caught.value).startswith(
        f"dataset testdaten, source tropfen: {dripping} did not finish within the deadline of 1 s"
    )
    assert caught.value.transient is False  # not retried again by Prefect


def test_sources_never_get_the_portal_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ODP_CKAN_TOKEN", "odp-canary-source-0123456789abcdef")
    with http_server() as srv:
        url = srv.route("/a.csv", Reply(body=CSV, headers={"Content-Type": "text/csv"}))
        gather_dataset(_spec(tmp_path, url), _ctx(tmp_path))
        assert [h.get("Authorization") for _, _, h in srv.log] == [None]
        assert "odp-canary-source" not in repr(srv.log)
