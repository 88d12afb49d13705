"""Hostile peers on loopback for issue 14's tests: servers that misbehave on purpose.

`SilentServer` accepts every connection and never sends a byte (an unresponsive ClickHouse or
Redis, a host that hangs): it runs in a thread of the test process and closes what it accepted
when the `with` block ends.

    >>> with SilentServer() as server:                                    # doctest: +SKIP
    ...     linkgraph(["sql", "SELECT 1", "--clickhouse", f"clickhouse://{server.address}/db"])
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class SilentServer:
    """A TCP listener on 127.0.0.1 (a free port) that accepts and never answers."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(5)
        for conn in self.accepted:
            conn.close()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.accepted.append(conn)  # held open, never read from or written to


class FixedSite:
    """An HTTP server on 127.0.0.1 (a free port) answering every path with `pages[path]` as
    text/html (404 for others), in a thread of the test process; stopped by the `with` block."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: object) -> None:
                return  # quiet: the test reads what the crawl stored

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> FixedSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
