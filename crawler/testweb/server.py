"""An HTTP/1.1 server for the simulated web on 127.0.0.1: a forward proxy and a plain server.

A request with an absolute URI (``GET http://host/path HTTP/1.1``) is answered as a proxy would,
one with a path is answered by its Host header. Unknown host: 502; unknown path: 404.
Keep-alive, HEAD, an optional per-response latency that never blocks other connections, and an
optional JSON-lines request log (flushed per line, so tests can read it while the server runs).

    >>> from crawler.testweb.model import build_web
    >>> with WebServer(build_web(2, 30, 1)) as server:
    ...     server.port > 0
    True
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import threading
import time
from functools import lru_cache
from http import HTTPStatus
from typing import IO

from crawler.testweb.model import Web
from crawler.testweb.render import Response, respond
from crawler.urls.canonical import canonicalize

HOST = "127.0.0.1"
_MAX_HEAD = 65536
_RENDER_CACHE = 8192  # rendered answers kept; a 100k-page web renders lazily page by page


class WebApp:
    """Answers requests for a web: the part of the server that knows no sockets."""

    def __init__(self, web: Web, latency_ms: float = 0.0, log: IO[str] | None = None) -> None:
        self.web = web
        self.latency = max(0.0, latency_ms) / 1000.0
        self.log = log
        self.answer = lru_cache(maxsize=_RENDER_CACHE)(self._answer)
        self.writers: set[asyncio.StreamWriter] = set()

    def _answer(self, url: str) -> tuple[bytes, bytes, int]:
        """(head without Connection header, body, status) for `url` as requested."""
        with contextlib.suppress(ValueError):  # respond() answers 502 for what is no URL
            url = canonicalize(url)
        response: Response = respond(self.web, url)
        reason = HTTPStatus(response.status).phrase
        lines = [f"HTTP/1.1 {response.status} {reason}", "Server: linkgraph-testweb"]
        lines += [f"{name}: {value}" for name, value in response.headers]
        lines.append(f"Content-Length: {len(response.body)}")
        return ("\r\n".join(lines) + "\r\n").encode("latin-1"), response.body, response.status

    def record(self, host: str, path: str, status: int, started: float) -> None:
        if self.log is None:
            return
        line = {"host": host, "path": path, "status": status, "t_start": started}
        line["t_end"] = time.time()
        self.log.write(json.dumps(line) + "\n")
        self.log.flush()

    async def serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.writers.add(writer)
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self.writers.discard(writer)
            writer.close()

    def close_all(self) -> None:
        """Close idle keep-alive connections (the server cannot finish closing while they live)."""
        for writer in list(self.writers):
            writer.close()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one request; False when the connection should close."""
        head = await reader.readuntil(b"\r\n\r\n")
        started = time.time()
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        if length:
            await reader.readexactly(length)  # a body we do not use, read to keep the framing
        parts = request_line.split()
        if len(parts) != 3:
            writer.write(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            return False
        method, target, version = parts
        keep = _keep_alive(version, headers.get("connection", ""))
        host, path, url = _locate(target, headers.get("host", ""))
        if method not in ("GET", "HEAD"):
            status, head_bytes, body = 405, b"HTTP/1.1 405 Method Not Allowed\r\n", b""
            head_bytes += b"Allow: GET, HEAD\r\nContent-Length: 0\r\n"
        else:
            head_bytes, body, status = self.answer(url)
        if self.latency:
            await asyncio.sleep(self.latency)
        connection = b"Connection: keep-alive\r\n\r\n" if keep else b"Connection: close\r\n\r\n"
        writer.write(head_bytes + connection + (b"" if method == "HEAD" else body))
        await writer.drain()
        self.record(host, path, status, started)
        return keep


def _keep_alive(version: str, connection: str) -> bool:
    tokens = connection.lower().replace(",", " ").split()
    if version == "HTTP/1.0":
        return "keep-alive" in tokens
    return "close" not in tokens


def _locate(target: str, host_header: str) -> tuple[str, str, str]:
    """(host, path with query, URL) of a request target (absolute URI or path)."""
    if "://" in target:
        scheme, _, rest = target.partition("://")
        netloc, slash, tail = rest.partition("/")
        path = slash + tail or "/"
    else:
        scheme, netloc, path = "http", host_header, target or "/"
    host = netloc.rpartition("@")[2].lower()
    if not host.startswith("["):
        host = host.partition(":")[0]
    return host, path, f"{scheme.lower()}://{host}{path.partition('#')[0]}"


class WebServer:
    """The server in a background thread, for tests and benchmarks: start(), .port, stop().

    server = WebServer(build_web(20, 50, 1), latency_ms=5).start()
    ...  # fetch through proxy http://127.0.0.1:{server.port}
    server.stop()
    """

    def __init__(
        self, web: Web, port: int = 0, latency_ms: float = 0.0, log_path: str | None = None
    ) -> None:
        self.web = web
        self._requested_port = port
        self._latency_ms = latency_ms
        self._log_path = log_path
        self._port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def proxy(self) -> str:
        return f"http://{HOST}:{self._port}"

    def start(self) -> WebServer:
        self._thread = threading.Thread(target=self._run, name="testweb-server", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # surfaced to start()'s caller
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()

        def ready(port: int) -> None:
            self._port = port
            self._ready.set()

        await serve(self.web, self._requested_port, self._latency_ms, self._log_path,
                    self._stopping, ready)  # fmt: skip


async def serve(
    web: Web,
    port: int,
    latency_ms: float,
    log_path: str | None,
    stopping: asyncio.Event,
    ready: object = None,
) -> None:
    """Serve `web` on 127.0.0.1:`port` until `stopping` is set; `ready(port)` once listening."""
    log = open(log_path, "a", encoding="utf-8") if log_path else None  # noqa: SIM115
    try:
        app = WebApp(web, latency_ms, log)
        server = await asyncio.start_server(app.serve_connection, HOST, port, limit=_MAX_HEAD)
        async with server:
            bound = server.sockets[0].getsockname()[1]
            if callable(ready):
                ready(bound)
            await stopping.wait()
            app.close_all()
    finally:
        if log is not None:
            log.close()


async def serve_until_signal(web: Web, port: int, latency_ms: float, log_path: str | None) -> None:
    """The CLI's server: prints ``listening on 127.0.0.1:PORT`` and runs until SIGTERM/SIGINT."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stopping.set)

    def ready(bound: int) -> None:
        print(f"listening on {HOST}:{bound}", flush=True)

    await serve(web, port, latency_ms, log_path, stopping, ready)
