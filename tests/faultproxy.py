"""A loopback TCP proxy that cuts the connection at the k-th HTTP request.

Every request gets its own upstream connection (``Connection: close`` is
forced both ways), so requests can be counted by connection. ``mode`` says
where request k is cut: ``"request"`` drops it before the portal sees it,
``"response"`` lets the portal handle it completely and drops the answer.
"""

from __future__ import annotations

import re
import socket
import threading
from types import TracebackType
from typing import Self

_CL = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.I)
_CONN = re.compile(rb"\r\n(connection|keep-alive):[^\r]*", re.I)


def _read_request(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    match = _CL.search(head)
    need = int(match.group(1)) if match else 0
    while len(body) < need:
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        body += chunk
    head = _CONN.sub(b"", head) + b"\r\nConnection: close"
    return head + b"\r\n\r\n" + body


class LoopbackProxy:
    """A threaded TCP server on 127.0.0.1 (a free port) in front of ``upstream_port``.

    Subclasses say what happens to each connection in ``_handle``.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.close()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        raise NotImplementedError


class FaultProxy(LoopbackProxy):
    """Forward 127.0.0.1:<port> to ``upstream``; cut request number ``cut_at`` (1-based)."""

    def __init__(self, upstream_port: int, cut_at: int | None = None, mode: str = "request"):
        super().__init__(upstream_port)
        self.cut_at = cut_at
        self.mode = mode
        self.count = 0

    def _handle(self, client: socket.socket) -> None:
        with client:
            request = _read_request(client)
            if not request:
                return
            with self._lock:
                self.count += 1
                cut = self.count == self.cut_at
            if cut and self.mode == "request":
                return  # the portal never sees it
            with socket.create_connection(("127.0.0.1", self.upstream_port)) as up:
                up.sendall(request)
                response = b""
                while chunk := up.recv(1 << 20):
                    response += chunk
            if cut:
                return  # handled by the portal, answer lost
            head, sep, body = response.partition(b"\r\n\r\n")
            client.sendall(_CONN.sub(b"", head) + b"\r\nConnection: close" + sep + body)
