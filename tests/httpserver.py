"""A real HTTP server on loopback whose answers a test scripts, route by route."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    declared_length: int | None = None  # lie about Content-Length (truncated body)
    etag: str | None = None  # answer 304 when the client sends this ETag
    last_modified: str | None = None  # answer 304 when If-Modified-Since equals it


@dataclass
class Served:
    routes: dict[str, list[Reply]] = field(default_factory=dict)
    log: list[tuple[str, int, dict[str, str]]] = field(default_factory=list)
    base: str = ""

    def route(self, path: str, *replies: Reply) -> str:
        """Answer ``path`` with these replies in turn (the last one repeats)."""
        self.routes[path] = list(replies)
        return self.base + path

    def statuses(self, path: str) -> list[int]:
        return [status for p, status, _ in self.log if p == path]


def _handler(served: Served) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            replies = served.routes.get(self.path)
            if not replies:
                served.log.append((self.path, 404, dict(self.headers)))
                self.send_error(404)
                return
            reply = replies.pop(0) if len(replies) > 1 else replies[0]
            if reply.delay:
                time.sleep(reply.delay)
            unchanged = (reply.etag and self.headers.get("If-None-Match") == reply.etag) or (
                reply.last_modified and self.headers.get("If-Modified-Since") == reply.last_modified
            )
            if unchanged:
                served.log.append((self.path, 304, dict(self.headers)))
                self.send_response(304)
                self.end_headers()
                return
            # Log before answering: the client may act on the answer at once.
            served.log.append((self.path, reply.status, dict(self.headers)))
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            if reply.etag:
                self.send_header("ETag", reply.etag)
            if reply.last_modified:
                self.send_header("Last-Modified", reply.last_modified)
            length = reply.declared_length if reply.declared_length is not None else len(reply.body)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.write(reply.body)

    return Handler


@contextmanager
def http_server() -> Iterator[Served]:
    """Run a scripted HTTP server on 127.0.0.1 for the duration of the block."""
    served = Served()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(served))
    served.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
