"""Source connectors against a real HTTP server on loopback and the real local portal."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import requests
from openpyxl import Workbook

from opendata_pipeline.errors import ConfigError, TerminalError, TransientError
from opendata_pipeline.gather.core import GatherContext, gather_dataset
from opendata_pipeline.gather.http import FetchError, FetchUnavailable, HttpCache
from opendata_pipeline.gather.readers import ReadError
from opendata_pipeline.project import load_dataset
from tests.httpserver import Reply, http_server
from tests.portal_fixture import Portal
from tests.project import catalogue
from tests.specs import make_spec

ROOT = Path(__file__).resolve().parents[2]
CSV = b"id,name\n1,Aachen\n2,Soest\n"


def ctx(tmp_path: Path) -> GatherContext:
    return GatherContext(ROOT, HttpCache(tmp_path / "cache"), requests.Session())


def http_spec(tmp_path: Path, url: str, fmt: str = "csv", **extra: object):  # type: ignore[no-untyped-def]
    src = {"type": "http", "url": url, "format": fmt, "retries": 2, **extra}
    return make_spec(tmp_path / "ds", [src], ["id", "name"])


def rows(result) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return result.frame.values.tolist()


def test_csv_over_http_with_etag_is_not_downloaded_again(tmp_path: Path) -> None:
    with http_server() as srv:
        url = srv.route(
            "/a.csv", Reply(body=CSV, headers={"Content-Type": "text/csv"}, etag='"v1"')
        )
        spec = http_spec(tmp_path, url)
        first = gather_dataset(spec, ctx(tmp_path))
        second = gather_dataset(spec, ctx(tmp_path))
        assert srv.statuses("/a.csv") == [200, 304]
    assert rows(first) == rows(second) == [["1", "Aachen"], ["2", "Soest"]]
    assert first.provenance[0].etag == '"v1"' and not first.provenance[0].not_modified
    assert second.provenance[0].not_modified
    assert second.provenance[0].sha256 == first.provenance[0].sha256


def test_last_modified_is_used_when_there_is_no_etag(tmp_path: Path) -> None:
    stamp = "Mon, 09 Nov 2020 08:00:00 GMT"
    with http_server() as srv:
        url = srv.route(
            "/b.csv", Reply(body=CSV, headers={"Content-Type": "text/csv"}, last_modified=stamp)
        )
        spec = http_spec(tmp_path, url)
        gather_dataset(spec, ctx(tmp_path))
        gather_dataset(spec, ctx(tmp_path))
        assert srv.statuses("/b.csv") == [200, 304]
        assert srv.log[1][2].get("If-Modified-Since") == stamp


def test_500_then_200_succeeds_after_a_retry(tmp_path: Path) -> None:
    with http_server() as srv:
        url = srv.route(
            "/c.csv",
            Reply(status=500, body=b"oops"),
            Reply(body=CSV, headers={"Content-Type": "text/csv"}),
        )
        result = gather_dataset(http_spec(tmp_path, url), ctx(tmp_path))
        assert srv.statuses("/c.csv") == [500, 200]
    assert rows(result) == [["1", "Aachen"], ["2", "Soest"]]


def test_404_fails_at_once(tmp_path: Path) -> None:
    with http_server() as srv:
        url = srv.base + "/missing.csv"
        with pytest.raises(FetchError) as err:
            gather_dataset(http_spec(tmp_path, url), ctx(tmp_path))
        assert srv.statuses("/missing.csv") == [404]
    assert "dataset testdaten, source " + url in str(err.value)
    assert "HTTP 404" in str(err.value)
    assert not err.value.transient


def test_persistent_503_gives_an_unavailable_error_after_retries(tmp_path: Path) -> None:
    with http_server() as srv:
        url = srv.route("/d.csv", Reply(status=503))
        with pytest.raises(FetchUnavailable) as err:
            gather_dataset(http_spec(tmp_path, url), ctx(tmp_path))
        assert srv.statuses("/d.csv") == [503, 503, 503]
    assert "3 attempt(s)" in str(err.value)
    # retried here already: Prefect's task retries must not multiply them (issue 16)
    assert not err.value.transient


def test_read_timeout_is_retried(tmp_path: Path) -> None:
    with http_server() as srv:
        url = srv.route(
            "/slow.csv",
            Reply(body=CSV, delay=1.5),
            Reply(body=CSV, headers={"Content-Type": "text/csv"}),
        )
        result = gather_dataset(http_spec(tmp_path, url, read_timeout=0.5), ctx(tmp_path))
    assert rows(result)[0] == ["1", "Aachen"]


def test_html_page_instead_of_csv(tmp_path: Path) -> None:
    page = b"<!DOCTYPE html><html><body>Wartungsarbeiten</body></html>"
    with http_server() as srv:
        url = srv.route("/e.csv", Reply(body=page, headers={"Content-Type": "text/html"}))
        with pytest.raises(FetchError) as err:
            gather_dataset(http_spec(tmp_path, url), ctx(tmp_path))
    assert f"dataset testdaten, source {url}: expected CSV but received an HTML page" in str(
        err.value
    )


def test_html_page_with_a_csv_content_type_is_still_refused(tmp_path: Path) -> None:
    with http_server() as srv:
        url = srv.route(
            "/f.csv", Reply(body=b"<html><p>404</p></html>", headers={"Content-Type": "text/csv"})
        )
        with pytest.raises(FetchError, match="received an HTML page"):
            gather_dataset(http_spec(tmp_path, url), ctx(tmp_path))


def test_wrong_content_type(tmp_path: Path) -> None:
    with http_server() as srv:
        url = srv.route(
            "/g.csv", Reply(body=b"%PDF-1.7", headers={"Content-Type": "application/pdf"})
        )
        with pytest.raises(FetchError, match="content type is 'application/pdf'"):
            gather_dataset(http_spec(tmp_path, url), ctx(tmp_path))


def test_oversize_body(tmp_path: Path) -> None:
    with http_server() as srv:
        url = srv.route("/h.csv", Reply(body=CSV * 100, headers={"Content-Type": "text/csv"}))
        with pytest.raises(FetchError) as err:
            gather_dataset(http_spec(tmp_path, url, max_bytes=200), ctx(tmp_path))
    assert "dataset testdaten" in str(err.value) and "exceeds the cap of 200" in str(err.value)


def test_truncated_body(tmp_path: Path) -> None:
    with http_server() as srv:
        url = srv.route(
            "/i.csv",
            Reply(body=CSV, declared_length=len(CSV) + 50, headers={"Content-Type": "text/csv"}),
        )
        with pytest.raises(TransientError) as err:
            gather_dataset(http_spec(tmp_path, url), ctx(tmp_path))
    assert "dataset testdaten" in str(err.value)


def test_undecodable_file(tmp_path: Path) -> None:
    body = "id,name\n1,Düsseldorf\n".encode("latin-1")
    with http_server() as srv:
        url = srv.route("/j.csv", Reply(body=body, headers={"Content-Type": "text/csv"}))
        with pytest.raises(ReadError) as err:
            gather_dataset(http_spec(tmp_path, url, encoding="utf-8"), ctx(tmp_path))
    assert str(err.value) == (
        f"dataset testdaten, source {url}: cannot decode as utf-8: invalid byte 0xfc at "
        "offset 11 (line 2). Declare the file's real encoding."
    )


def test_latin1_semicolon_csv_is_detected(tmp_path: Path) -> None:
    body = "id;name\n1;Düsseldorf\n2;Köln\n".encode("cp1252")
    with http_server() as srv:
        url = srv.route("/k.csv", Reply(body=body, headers={"Content-Type": "text/csv"}))
        result = gather_dataset(http_spec(tmp_path, url), ctx(tmp_path))
    assert rows(result) == [["1", "Düsseldorf"], ["2", "Köln"]]


def test_json_and_xlsx_over_http(tmp_path: Path) -> None:
    doc = {"daten": {"zeilen": [{"id": 1, "name": "Aachen"}, {"id": 2, "name": "Soest"}]}}
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["id", "name"], [1, "Aachen"], [2, "Soest"]):
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with http_server() as srv:
        json_url = srv.route(
            "/l.json",
            Reply(body=json.dumps(doc).encode(), headers={"Content-Type": "application/json"}),
        )
        xlsx_url = srv.route(
            "/m.xlsx", Reply(body=buf.getvalue(), headers={"Content-Type": xlsx_type})
        )
        from_json = gather_dataset(
            http_spec(tmp_path, json_url, "json", records_path="daten.zeilen"), ctx(tmp_path)
        )
        from_xlsx = gather_dataset(http_spec(tmp_path, xlsx_url, "xlsx"), ctx(tmp_path))
    assert rows(from_json) == rows(from_xlsx) == [["1", "Aachen"], ["2", "Soest"]]


def test_unknown_source_type_names_dataset_and_source(tmp_path: Path) -> None:
    folder = tmp_path / "datasets" / "kaputt"
    folder.mkdir(parents=True)
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "kaputt.schema.json").write_text('{"fields": []}')
    (folder / "dataset.yaml").write_text(
        "title: T\nnotes: N\nlicense: {id: cc-by, uri: u}\n"
        "dcat: {contributor_ids: [x], contact: {name: c}, publisher: {name: p}}\n"
        "sources:\n  - type: ftp\n    url: ftp://example.invalid/x.csv\n"
    )
    with pytest.raises(ConfigError) as err:
        load_dataset(folder, [tmp_path / "schemas"])
    text = str(err.value)
    assert "kaputt/dataset.yaml" in text and "sources.0" in text and "'ftp'" in text


def test_events_feed_served_over_http_gives_the_same_rows(tmp_path: Path) -> None:
    local = catalogue()["veranstaltungen"]
    ics = (ROOT / "datasets" / "veranstaltungen" / "zukunft-in-nrw.ics").read_bytes()
    with http_server() as srv:
        url = srv.route("/zukunft.ics", Reply(body=ics, headers={"Content-Type": "text/calendar"}))
        source = local.sources[0].model_copy(update={"path": None, "url": url})
        remote = local.model_copy(update={"sources": [source]})
        over_http = gather_dataset(remote, ctx(tmp_path))
    from_file = gather_dataset(local, ctx(tmp_path))
    assert over_http.frame.equals(from_file.frame)
    assert over_http.provenance[0].uri == url and from_file.provenance[0].uri.endswith(".ics")
    assert over_http.provenance[0].sha256 == from_file.provenance[0].sha256


def test_ckan_source_reads_a_resource_of_another_portal(tmp_path: Path, portal: Portal) -> None:
    pkg = portal.publisher.call(
        "package_create",
        name="connector-quelle",
        owner_org=portal.org,
        title="Quelle für den CKAN-Connector",
    )
    portal.publisher.call(
        "resource_create",
        package_id=pkg["id"],
        name="termine.csv",
        format="CSV",
        files={"upload": ("termine.csv", io.BytesIO(CSV))},
    )
    spec = make_spec(
        tmp_path / "agg",
        [
            {
                "type": "ckan",
                "portal": portal.url,
                "dataset": "connector-quelle",
                "resource_name": "termine.csv",
                "mapping": {"origin_column": "herkunft"},
            }
        ],
        ["id", "name", "herkunft"],
    )
    result = gather_dataset(spec, ctx(tmp_path))
    res_url = result.provenance[0].uri
    assert res_url.startswith(portal.url + "/dataset/") and res_url.endswith("/termine.csv")
    assert rows(result) == [["1", "Aachen", res_url], ["2", "Soest", res_url]]
    missing = make_spec(
        tmp_path / "agg2",
        [
            {
                "type": "ckan",
                "portal": portal.url,
                "dataset": "connector-quelle",
                "resource_format": "XLSX",
            }
        ],
        ["id"],
    )
    with pytest.raises(TerminalError, match="no resource matching"):
        gather_dataset(missing, ctx(tmp_path))
