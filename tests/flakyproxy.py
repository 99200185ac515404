"""A threaded HTTP proxy in front of a portal that fails a seeded random share of requests.

Each failing request gets one of three faults, chosen by the same seeded generator:
``503`` (answered by the proxy, the portal never sees it), ``reset`` (the connection is
reset before the portal sees it) and ``lost`` (the portal handles the request
completely, then the connection is reset instead of answering). The last one is the
hard case for writes: the client cannot tell whether the portal acted.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
from collections import Counter

from tests.faultproxy import _CONN, LoopbackProxy, _read_request

FAULTS = ("503", "reset", "lost")
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 4\r\nConnection: close\r\n\r\nbusy"
)


def _reset(sock: socket.socket) -> None:
    """Close with RST instead of FIN (SO_LINGER 0): the client sees a connection reset."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class FlakyProxy(LoopbackProxy):
    """Forward 127.0.0.1:<port> to ``upstream_port``; fail ``rate`` of requests at random."""

    def __init__(self, upstream_port: int, seed: int, rate: float = 0.3) -> None:
        super().__init__(upstream_port)
        self.rate = rate
        self.faults: Counter[str] = Counter()
        self.requests = 0
        self._random = random.Random(seed)  # noqa: S311 - reproducible faults, not crypto

    def _fault(self) -> str | None:
        with self._lock:
            self.requests += 1
            fault = self._random.choice(FAULTS) if self._random.random() < self.rate else None
            if fault:
                self.faults[fault] += 1
            return fault

    def _handle(self, client: socket.socket) -> None:
        request = _read_request(client)
        if not request:
            client.close()
            return
        fault = self._fault()
        if fault == "503":
            client.sendall(_BUSY)
            client.close()
            return
        if fault == "reset":
            _reset(client)
            return
        try:
            with socket.create_connection(("127.0.0.1", self.upstream_port)) as up:
                up.sendall(request)
                response = b""
                while chunk := up.recv(1 << 20):
                    response += chunk
        except OSError:
            _reset(client)
            return
        if fault == "lost":
            _reset(client)
            return
        head, sep, body = response.partition(b"\r\n\r\n")
        with contextlib.suppress(OSError):
            client.sendall(_CONN.sub(b"", head) + b"\r\nConnection: close" + sep + body)
        client.close()
