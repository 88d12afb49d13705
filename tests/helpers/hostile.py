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
import time
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


# An answer of FixedSite: a body (200, text/html), or (status, headers, body).
Answer = bytes | tuple[int, dict[str, str], bytes]


class FixedSite:
    """An HTTP server on 127.0.0.1 (a free port) answering each path (or, as an HTTP proxy,
    each absolute URL) with `pages[path]` and 404 for others, in a thread of the test process;
    stopped by the `with` block. `requested` lists what was asked, in order."""

    def __init__(self, pages: dict[str, Answer]) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        requested: list[str] = []
        self.requested = requested

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requested.append(self.path)
                answer = pages.get(self.path)
                if answer is None:
                    answer = (404, {}, b"")
                elif isinstance(answer, bytes):
                    answer = (200, {"Content-Type": "text/html; charset=utf-8"}, answer)
                status, headers, body = answer
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client stopped reading (a cut robots.txt): its right

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


class TimedSite(FixedSite):
    """A FixedSite that logs, per request, when its request line arrived and when the last
    byte of its response was written (time.monotonic, in `log` as (path, start, end)); each
    answer takes `latency` seconds more (a slow server: requests overlap)."""

    def __init__(self, pages: dict[str, Answer], latency: float = 0.0) -> None:
        super().__init__(pages)
        self.log: list[tuple[str, float, float]] = []
        handler = self._server.RequestHandlerClass
        log = self.log

        class Timed(handler):  # type: ignore[misc, valid-type]
            def parse_request(self) -> bool:
                self._started = time.monotonic()
                return bool(super().parse_request())

            def do_GET(self) -> None:
                time.sleep(latency)
                super().do_GET()
                self.wfile.flush()
                log.append((self.path, self._started, time.monotonic()))

        self._server.RequestHandlerClass = Timed
