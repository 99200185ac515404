"""The CKAN client against scripted HTTP servers on loopback: where the token goes, retries.

No portal is needed: one server plays the portal's API, a second one on another port
plays a foreign host and records every header it receives.
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from opendata_pipeline.ckan import CkanClient
from opendata_pipeline.errors import PortalConflict, PortalRejected, PortalUnavailable
from opendata_pipeline.publish.state import list_versions
from tests.portal_fixture import Portal
from tests.publishing import ROWS, destination, publish, release_for

CANARY = f"odp-canary-{uuid.uuid4().hex}"


@dataclass
class Script:
    """Answers per path, in turn (the last one repeats), and every request received."""

    answers: dict[str, list[tuple[int, dict[str, str], bytes]]] = field(default_factory=dict)
    seen: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    base: str = ""

    def answer(self, path: str, *answers: tuple[int, dict[str, str], bytes]) -> str:
        self.answers[path] = list(answers)
        return self.base + path

    def headers_of(self, path: str) -> list[dict[str, str]]:
        return [h for _, p, h, _ in self.seen if p == path]


def ok(result: object) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"success": True, "result": result}).encode()
    return 200, {"Content-Type": "application/json"}, body


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = self.path.split("?")[0]
            script.seen.append((self.command, path, dict(self.headers), body))
            answers = script.answers.get(path) or [(404, {}, b"not found")]
            status, headers, payload = answers.pop(0) if len(answers) > 1 else answers[0]
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve  # noqa: N815 - http.server's naming

    return Handler


@pytest.fixture
def servers() -> Iterator[tuple[Script, Script]]:
    """The portal and a foreign host, each a real HTTP server on its own port."""
    scripts, running = [], []
    for _ in range(2):
        script = Script()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
        script.base = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        scripts.append(script)
        running.append(server)
    yield scripts[0], scripts[1]
    for server in running:
        server.shutdown()
        server.server_close()


def test_token_goes_to_the_portal_but_not_to_a_url_on_another_host(
    servers: tuple[Script, Script],
) -> None:
    portal, foreign = servers
    own = portal.answer("/dataset/x/resource/1/download/x.csv", (200, {}, b"id\n1\n"))
    other = foreign.answer("/changelog.json", (200, {}, b"[]"))
    client = CkanClient(portal.base, CANARY)
    assert client.get(own).content == b"id\n1\n"
    assert client.get(other).content == b"[]"
    assert portal.headers_of("/dataset/x/resource/1/download/x.csv")[0]["Authorization"] == CANARY
    assert [h.get("Authorization") for h in foreign.headers_of("/changelog.json")] == [None]
    assert CANARY not in repr(foreign.seen)


def test_a_redirect_to_another_origin_drops_the_token(servers: tuple[Script, Script]) -> None:
    portal, foreign = servers
    target = foreign.answer("/elsewhere.csv", (200, {}, b"id\n"))
    start = portal.answer("/download/x.csv", (302, {"Location": target}, b""))
    redirect_action = foreign.answer("/api/action/package_show", ok({"name": "x"}))
    portal.answer("/api/action/package_show", (307, {"Location": redirect_action}, b""))
    client = CkanClient(portal.base, CANARY)
    assert client.get(start).content == b"id\n"
    with pytest.raises(PortalRejected, match="portal error 307"):  # actions never follow one
        client.call("package_show", id="x")
    assert [p for _, p, _, _ in foreign.seen] == ["/elsewhere.csv"]
    assert CANARY not in repr(foreign.seen)
    assert portal.headers_of("/download/x.csv")[0]["Authorization"] == CANARY


def test_same_host_on_another_port_or_scheme_is_another_origin(
    servers: tuple[Script, Script],
) -> None:
    portal, _ = servers
    host_port = portal.base.removeprefix("http://")
    path = portal.answer("/file.csv", (200, {}, b"id\n"))
    client = CkanClient(f"https://{host_port}", CANARY, retry_seconds=1)
    with pytest.raises(PortalUnavailable):  # not TLS: fails, but must not send the token
        client.get(path.replace("http://", "https://"))
    http_client = CkanClient(portal.base.replace("127.0.0.1", "localhost"), CANARY)
    http_client.get(path)  # same port, another host name: another origin
    assert [h.get("Authorization") for h in portal.headers_of("/file.csv")] == [None]


def test_every_action_and_download_is_retried_until_it_succeeds(
    servers: tuple[Script, Script],
) -> None:
    portal, _ = servers
    busy = (503, {}, b"<html>busy</html>")
    portal.answer("/api/action/status_show", busy, busy, ok({"extensions": ["datastore"]}))
    url = portal.answer("/file.csv", busy, (502, {}, b""), (200, {}, b"id\n"))
    waits: list[float] = []
    client = CkanClient(portal.base, CANARY, sleep=waits.append)
    assert client.extensions() == frozenset({"datastore"})
    assert client.get(url).status_code == 200
    assert [p for _, p, _, _ in portal.seen].count("/api/action/status_show") == 3
    assert [p for _, p, _, _ in portal.seen].count("/file.csv") == 3
    assert len(waits) == 4


def test_an_upload_is_sent_whole_again_when_it_is_retried(servers: tuple[Script, Script]) -> None:
    portal, _ = servers
    portal.answer("/api/action/package_revise", (503, {}, b""), ok({"package": {}}))
    stream = io.BytesIO(b"id,name\n1,Aachen\n")
    client = CkanClient(portal.base, CANARY, sleep=lambda _s: None)
    client.call("package_revise", files={"upload": ("x.csv", stream)}, match={"id": "x"})
    bodies = [b for _, p, _, b in portal.seen if p == "/api/action/package_revise"]
    assert len(bodies) == 2
    assert all(b"id,name\n1,Aachen\n" in body for body in bodies)


def test_a_create_whose_answer_was_lost_is_a_conflict_in_any_language(
    servers: tuple[Script, Script],
) -> None:
    """Retried after a lost answer, ``package_create`` finds its own dataset: on a German
    portal CKAN says 'Diese URL ist bereits vergeben.'; the client asks instead of reading."""
    portal, _ = servers

    def refused(text: str) -> tuple[int, dict[str, str], bytes]:
        error = {"__type": "Validation Error", "name": [text]}
        return 409, {}, json.dumps({"success": False, "error": error}).encode()

    portal.answer("/api/action/package_create", refused("Cette URL est déjà utilisée."))
    portal.answer("/api/action/package_show", ok({"name": "x", "state": "draft"}))
    client = CkanClient(portal.base, CANARY, sleep=lambda _s: None)
    with pytest.raises(PortalConflict, match="package_create: the dataset changed meanwhile"):
        client.call("package_create", name="x", state="draft")
    portal.answer(
        "/api/action/package_show",
        (
            404,
            {},
            json.dumps(
                {"success": False, "error": {"__type": "Not Found Error", "message": "Not found"}}
            ).encode(),
        ),
    )
    portal.answer("/api/action/package_create", refused("Name muss mindestens 2 Zeichen haben"))
    with pytest.raises(PortalRejected, match="rejected by CKAN validation") as caught:
        client.call("package_create", name="x", state="draft")
    assert not isinstance(caught.value, PortalConflict)


def test_a_refusal_is_not_retried(servers: tuple[Script, Script]) -> None:
    portal, _ = servers
    refused = json.dumps({"success": False, "error": {"__type": "Authorization Error"}})
    portal.answer("/api/action/group_create", (403, {}, refused.encode()))
    client = CkanClient(portal.base, CANARY, sleep=lambda _s: None)
    with pytest.raises(PortalRejected, match="group_create: not authorized"):
        client.call("group_create", name="g")
    assert len(portal.seen) == 1


def test_retries_stop_when_the_time_budget_is_spent(servers: tuple[Script, Script]) -> None:
    portal, _ = servers
    portal.answer("/api/action/package_show", (503, {}, b"busy"))
    client = CkanClient(portal.base, CANARY, retry_seconds=1.0)
    with pytest.raises(PortalUnavailable) as caught:
        client.call("package_show", id="x")
    assert "package_show: portal error 503" in str(caught.value)
    assert "gave up after" in str(caught.value)
    assert caught.value.transient is False  # spent: no other layer retries it again
    assert len(portal.seen) > 1
    assert CANARY not in str(caught.value)


def test_a_portal_resource_url_on_a_foreign_host_never_gets_the_token(
    portal: Portal, tmp_path: Path, servers: tuple[Script, Script]
) -> None:
    """The changelog's URL comes from the portal: pointed at another host, ``odp versions``
    downloads it there, without the publisher's token."""
    _, foreign = servers
    slug = f"fremd-url-{uuid.uuid4().hex[:6]}"
    target = destination(portal.url, portal.org, portal.group)
    publish(portal.publisher, release_for(tmp_path, slug, ROWS, target))
    pkg = portal.admin.call("package_show", id=slug)
    changelog = next(r for r in pkg["resources"] if r["odp_role"] == "changelog")
    # the published version (entries of versions without an archive are dropped),
    # marked so that the answer is known to come from the foreign host
    entry = {"version": "1.0.0", "published_at": "vom fremden Host", "sha256": "x", "url": "-"}
    served = json.dumps({"versions": [entry]}).encode()
    url = foreign.answer("/changelog.json", (200, {"Content-Type": "application/json"}, served))
    portal.admin.call("resource_patch", id=changelog["id"], url=url, url_type="")

    token = portal.publisher_token
    client = CkanClient(portal.url, token)
    versions = list_versions(client, slug)
    assert [(v["version"], v["published_at"]) for v in versions] == [("1.0.0", "vom fremden Host")]
    received = foreign.headers_of("/changelog.json")
    assert len(received) == 1 and "Authorization" not in received[0]
    assert token not in repr(foreign.seen)
