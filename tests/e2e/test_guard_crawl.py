"""The guard in real Scrapy crawls against real servers on loopback (tests/helpers/guard_crawl.py).

Canaries are TCP listeners on 127.0.0.1 that record every connection: a refused URL must leave
its canary untouched, and the same URLs with LINKGRAPH_ALLOW_PRIVATE=True must reach it (so the
refusal tests can fail). A tiny forwarding proxy stands in for an operator's LINKGRAPH_PROXY; a
test web serves compression bombs, oversize and slow responses.
"""

from __future__ import annotations

import json
import socket
import socketserver
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.helpers.bombs import MiB, bombs

CRAWL_SCRIPT = Path(__file__).parents[1] / "helpers" / "guard_crawl.py"


def run_crawl(
    urls: list[str], settings: dict[str, Any], hosts: dict[str, str] | None = None
) -> dict[str, Any]:
    spec = json.dumps({"urls": urls, "settings": settings, "hosts": hosts or {}})
    done = subprocess.run(
        [sys.executable, str(CRAWL_SCRIPT), spec], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout)
    report["log"] = done.stderr
    return report


# --- canary -----------------------------------------------------------------------------------


class Canary(socketserver.ThreadingTCPServer):
    """Accepts on 127.0.0.1, records each request line, answers a tiny HTML page."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _CanaryHandler)
        self.seen: list[str] = []
        self.port = self.server_address[1]


class _CanaryHandler(socketserver.StreamRequestHandler):
    server: Canary

    def handle(self) -> None:
        self.server.seen.append(self.rfile.readline().decode("latin-1").strip())
        self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>canary</html>")


@pytest.fixture
def canary() -> Iterator[Canary]:
    with serving(Canary()) as server:
        yield server


class serving:
    """Runs a socketserver in a thread for a `with` block."""

    def __init__(self, server: Any) -> None:
        self.server = server

    def __enter__(self) -> Any:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.server

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the proxy ------------------------------------------------------------------------------


class TinyProxy(socketserver.ThreadingTCPServer):
    """A forwarding HTTP proxy on loopback that serves some hosts itself.

    `pages` maps a host to the raw response the proxy answers for it; `aliases` maps names to
    the address the proxy resolves them to (its own DNS). It forwards only to 127.0.0.0/8.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, pages: dict[str, bytes], aliases: dict[str, str]) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.pages = pages
        self.aliases = aliases
        self.seen: list[str] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(socketserver.StreamRequestHandler):
    server: TinyProxy

    def handle(self) -> None:
        method, target, _ = self.rfile.readline().decode("latin-1").split(" ", 2)
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        self.server.seen.append(target)
        parts = urlsplit(target)
        host = parts.hostname or ""
        if host in self.server.pages:
            self.wfile.write(self.server.pages[host])
            return
        try:
            address = self.server.aliases.get(host) or socket.gethostbyname(host)
        except OSError:
            address = ""
        if not address.startswith("127."):
            self.wfile.write(b"HTTP/1.0 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        with socket.create_connection((address, parts.port or 80), timeout=5) as upstream:
            upstream.sendall(
                f"{method} {parts.path or '/'} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode()
            )
            while chunk := upstream.recv(65536):
                self.wfile.write(chunk)


def raw_response(status: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in {**headers, "Content-Length": len(body)}.items())
    return f"HTTP/1.0 {status}\r\n{head}Connection: close\r\n\r\n".encode() + body


# --- the test web: bombs, oversize, slow ----------------------------------------------------


Route = Callable[[BaseHTTPRequestHandler], None]


def fixed(headers: dict[str, str], body: bytes) -> Route:
    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    return send


def chunked(total: int) -> Route:
    """`total` bytes of HTML in 64 KiB chunks, no Content-Length; stops when the client goes."""

    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = b"<p>" + b"x" * (65536 - 7) + b"</p>\n"
        for _ in range(total // len(chunk)):
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        handler.wfile.write(b"0\r\n\r\n")

    return send


def declared(total: int) -> Route:
    """A Content-Length over the cap: dropped before the body is read."""

    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(total))
        handler.end_headers()
        for _ in range(total // MiB):
            handler.wfile.write(bytes(MiB))

    return send


def trickle(seconds: int) -> Route:
    """One byte a second: a server that never finishes in time."""

    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(seconds))
        handler.end_headers()
        for _ in range(seconds):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(1)

    return send


class GuardWeb(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: dict[str, Route]) -> None:
        super().__init__(("127.0.0.1", 0), _WebHandler)
        self.routes = routes
        self.base = f"http://127.0.0.1:{self.server_address[1]}"


class _WebHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: GuardWeb

    def do_GET(self) -> None:
        try:
            self.server.routes[self.path](self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


# --- SSRF -----------------------------------------------------------------------------------

# Every spelling of "this machine" a URL can carry; {port} is the canary's.
LOOPBACK_URLS = [
    "http://127.0.0.1:{port}/dotted",
    "http://2130706433:{port}/decimal",
    "http://0x7f000001:{port}/hex",
    "http://0177.0.0.1:{port}/octal",
    "http://127.1:{port}/short",
    "http://0x7f.1:{port}/mixed",
    "http://127.0.0.1.:{port}/trailing-dot",
    "http://0:{port}/zero",
    "http://example.com:80@127.0.0.1:{port}/userinfo",
    "http://[::1]:{port}/ipv6",
    "http://[::ffff:127.0.0.1]:{port}/mapped-dotted",
    "http://[::ffff:7f00:1]:{port}/mapped-hex",
    "http://[::127.0.0.1]:{port}/compatible",
    "http://localhost:{port}/localhost",
    "http://localhost.:{port}/localhost-dot",
    "http://evil.test:{port}/evil",
]
# Names only a resolver answer makes local: the one mock, a DNS record.
EVIL_HOSTS = {"evil.test": "127.0.0.1"}
# IPv4 spellings the canary answers when the guard is off. Not tried: the IPv6 forms (tests
# connect to 127.0.0.0/8 only), "userinfo" (Twisted rejects it; the guard refuses it first),
# the trailing-dot forms (this sandbox's resolver has no answer for them; others may).
REACHABLE = ["dotted", "decimal", "hex", "octal", "short", "mixed", "zero", "localhost", "evil"]


def test_refuses_every_spelling_without_connecting(canary: Canary) -> None:
    urls = [url.format(port=canary.port) for url in LOOPBACK_URLS]
    report = run_crawl(urls, {}, EVIL_HOSTS)
    assert canary.seen == []
    results = report["results"]
    assert set(results) == set(urls)
    for url, outcome in results.items():
        if url.startswith("http://localhost.:"):
            # This sandbox's resolver does not know "localhost." at all: no address, no connection.
            assert outcome["error"] in {"BlockedAddress", "CannotResolveHostError"}
            continue
        assert outcome["status"] == 0 and outcome["error"] == "BlockedAddress", url
        assert outcome["message"].startswith(f"refused {url}: "), outcome
        assert "not a public address" in outcome["message"]
    stats = report["stats"]
    assert stats["guard/blocked"] == sum(r["error"] == "BlockedAddress" for r in results.values())
    # Refusals are final: only the genuine DNS failures ("localhost." here) are retried.
    unresolved = sum(r["error"] == "CannotResolveHostError" for r in results.values())
    assert stats.get("retry/count", 0) == 2 * unresolved
    blocked_hosts = {
        urlsplit(u).hostname for u, r in results.items() if r["error"] == "BlockedAddress"
    }
    assert report["log"].count("guard: refused") == len(blocked_hosts)  # once per host
    assert "evil.test resolves to 127.0.0.1" in results[urls[-1]]["message"]


def test_allow_private_reaches_the_canary(canary: Canary) -> None:
    reachable = [url for url in LOOPBACK_URLS if url.rsplit("/", 1)[1] in REACHABLE]
    urls = [url.format(port=canary.port) for url in reachable]
    report = run_crawl(urls, {"LINKGRAPH_ALLOW_PRIVATE": True}, EVIL_HOSTS)
    assert {url: r["status"] for url, r in report["results"].items()} == dict.fromkeys(urls, 200)
    assert sorted(line.split()[1] for line in canary.seen) == sorted(f"/{p}" for p in REACHABLE)
    assert "guard/blocked" not in report["stats"]


def _proxied_web(canary: Canary) -> TinyProxy:
    hop = f"http://127.0.0.1:{canary.port}/redirect-hop"
    return TinyProxy(
        pages={
            "public.test": raw_response("302 Found", {"Location": hop}),
            "fine.test": raw_response("200 OK", {"Content-Type": "text/html"}, b"<html>ok</html>"),
        },
        aliases={"evil.test": "127.0.0.1"},
    )


def _proxied_urls(port: int) -> list[str]:
    return [
        "http://public.test/start",
        "http://fine.test/ok",
        f"http://2130706433:{port}/literal",
        f"http://[::ffff:7f00:1]:{port}/mapped",
        f"http://evil.test:{port}/evil",
    ]


def test_proxy_mode_guards_targets_and_redirect_hops(canary: Canary) -> None:
    with serving(_proxied_web(canary)) as proxy:
        urls = _proxied_urls(canary.port)
        report = run_crawl(urls, {"LINKGRAPH_PROXY": proxy.url}, EVIL_HOSTS)
    assert canary.seen == []
    assert sorted(proxy.seen) == ["http://fine.test/ok", "http://public.test/start"]
    results = report["results"]
    hop = f"http://127.0.0.1:{canary.port}/redirect-hop"
    assert results["http://public.test/start"]["status"] == 302
    assert results["http://fine.test/ok"] == {"status": 200, "bytes": 15, "non_html": False}
    for url in [hop, *urls[2:]]:
        assert results[url]["error"] == "BlockedAddress", url
        assert results[url]["message"].startswith(f"refused {url}: ")
    assert report["stats"]["guard/blocked"] == 4


def test_proxy_mode_without_guard_does_forward(canary: Canary) -> None:
    with serving(_proxied_web(canary)) as proxy:
        urls = _proxied_urls(canary.port)
        settings = {"LINKGRAPH_PROXY": proxy.url, "LINKGRAPH_ALLOW_PRIVATE": True}
        report = run_crawl(urls, settings, EVIL_HOSTS)
    assert sorted(line.split()[1] for line in canary.seen) == [
        "/evil", "/literal", "/mapped", "/redirect-hop",
    ]  # fmt: skip
    assert all(r["status"] in (200, 302) for r in report["results"].values())


# --- response guards ------------------------------------------------------------------------


def test_response_guards() -> None:
    page = b"<!doctype html><title>small</title>" + b"<p>fine</p>" * 1000
    routes: dict[str, Route] = {
        f"/{name}": fixed({"Content-Type": "text/html", "Content-Encoding": name}, body)
        for name, body in bombs().items()
    }
    routes |= {
        "/gzip-ok": fixed({"Content-Type": "text/html", "Content-Encoding": "gzip"}, _gzip(page)),
        "/chunked": chunked(1024 * MiB),
        "/declared": declared(64 * MiB),
        "/slow": trickle(10),
        "/page": fixed({"Content-Type": "text/html; charset=utf-8"}, page),
        "/sniffed": fixed({}, page),
        "/octet": fixed({"Content-Type": "application/octet-stream"}, page),
        "/png": fixed({"Content-Type": "application/octet-stream"}, b"\x89PNG\r\n\x1a\n<p>"),
        "/pdf": fixed({"Content-Type": "application/pdf"}, b"%PDF-1.7 <html>"),
    }
    with serving(GuardWeb(routes)) as web:
        urls = [web.base + path for path in routes]
        settings = {"LINKGRAPH_ALLOW_PRIVATE": True, "DOWNLOAD_TIMEOUT": 2}
        report = run_crawl(urls, settings)
    outcome = {url.removeprefix(web.base): r for url, r in report["results"].items()}
    for bomb in bombs():
        assert outcome[f"/{bomb}"]["error"] == "IgnoreRequest", bomb
        message = outcome[f"/{bomb}"]["message"]
        assert "exceeded DOWNLOAD_MAXSIZE (10485760 B) during decompression" in message
    for oversize in ["/chunked", "/declared"]:
        assert outcome[oversize] == {
            "status": 0,
            "error": "DownloadCancelledError",
            "message": f"dropped {web.base}{oversize}: response larger than 10485760 bytes"
            " (LINKGRAPH_MAX_PAGE_BYTES)",
        }
    assert outcome["/slow"]["error"] == "DownloadTimeoutError"
    assert outcome["/gzip-ok"] == {"status": 200, "bytes": len(page), "non_html": False}
    assert outcome["/page"] == {"status": 200, "bytes": len(page), "non_html": False}
    assert outcome["/sniffed"] == {"status": 200, "bytes": len(page), "non_html": False}
    assert outcome["/octet"] == {"status": 200, "bytes": len(page), "non_html": False}
    assert outcome["/png"] == {"status": 200, "bytes": 11, "non_html": True}
    assert outcome["/pdf"] == {"status": 200, "bytes": 15, "non_html": True}
    stats = report["stats"]
    assert stats["guard/oversize"] == len(bombs()) + 2
    assert stats["guard/non_html"] == 2
    sniffed = {k: v for k, v in stats.items() if k.startswith("guard/sniffed/")}
    assert sniffed == {
        "guard/sniffed/none/html": 1,
        "guard/sniffed/application/octet-stream/html": 1,
        "guard/sniffed/application/octet-stream/not_html": 1,
    }
    grown_mb = (report["rss_peak_kb"] - report["rss_before_kb"]) / 1024
    assert grown_mb < 200, f"crawl grew by {grown_mb:.0f} MB"


def _gzip(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()
