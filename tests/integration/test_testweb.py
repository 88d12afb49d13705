"""The simulated web's server: every truth page served as proxy and direct, errors, keep-alive,
its request log, latency, `serve` until SIGTERM, and a cross-check of the truth against the
served HTML parsed by an independent extractor written here."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import ada_url
import pytest

from crawler.testweb import WebServer, build_web, truth
from crawler.testweb.model import Web
from crawler.testweb.render import respond
from crawler.urls.canonical import canonicalize

ROOT = Path(__file__).resolve().parents[2]
ARGS = (20, 50, 1)


@pytest.fixture(scope="module")
def web() -> Web:
    return build_web(*ARGS)


@pytest.fixture(scope="module")
def records(web: Web) -> list[dict[str, Any]]:
    return list(truth(web))


@pytest.fixture(scope="module")
def links(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["type"] == "link"]


@pytest.fixture(scope="module")
def pages(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["url"]: r for r in records if r["type"] == "page"}


@pytest.fixture(scope="module")
def links_by_page(links: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for link in links:
        grouped[link["src_url"]].append(link)
    return grouped


@pytest.fixture(scope="module")
def server(web: Web, tmp_path_factory: pytest.TempPathFactory) -> Any:
    log = tmp_path_factory.mktemp("testweb") / "requests.jsonl"
    with WebServer(web, log_path=str(log)) as running:
        running.log_path = log  # type: ignore[attr-defined]
        yield running


# -- the server --------------------------------------------------------------------------------


def _get(conn: http.client.HTTPConnection, target: str, host: str = "") -> Any:
    conn.request("GET", target, headers={"Host": host} if host else {})
    response = conn.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    return response


def test_server_answers_every_truth_page_as_proxy_and_direct(
    server: WebServer, pages: dict[str, Any], links_by_page: dict[str, list[Any]]
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for url, page in pages.items():
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        for response in (_get(conn, url), _get(conn, path, host=parts.netloc)):
            assert (response.status, response.getheader("Content-Type")) == (
                page["status"],
                page["content_type"] or None,  # "": no Content-Type header at all
            ), url
            assert int(response.getheader("Content-Length")) == len(response.body)
            if 300 <= page["status"] < 400:
                location = urljoin(url, response.getheader("Location"))
                assert links_by_page[url][0]["dst_url"] == canonicalize(location)
    conn.close()


def test_unknown_host_is_502_and_unknown_path_404(server: WebServer, web: Web) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    assert _get(conn, "http://not-in-the-web.example/").status == 502
    assert _get(conn, web.sites[0].home + "nope/nothing.html").status == 404
    assert _get(conn, "/", host="unknown.example").status == 502
    conn.close()


def test_keep_alive_pipelined_and_head(server: WebServer, web: Web) -> None:
    home = web.sites[1].home
    body = respond(web, home).body
    request = f"GET {home} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    head = f"HEAD {home} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request + head + request)
        stream = sock.makefile("rb")
        for expect_body in (True, False, True):
            status = stream.readline()
            assert status.startswith(b"HTTP/1.1 200")
            headers = {}
            while (line := stream.readline()) != b"\r\n":
                name, _, value = line.decode().partition(":")
                headers[name.lower()] = value.strip()
            assert int(headers["content-length"]) == len(body)
            assert headers["connection"] == "keep-alive"
            if expect_body:
                assert stream.read(len(body)) == body


def test_log_lines_have_the_fields(server: WebServer, web: Web) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    _get(conn, web.sites[2].home + "robots.txt")
    conn.close()
    lines = _log_until(server, f'"host": "{web.sites[2].host}", "path": "/robots.txt"')
    last = lines[-1]
    assert set(last) == {"host", "path", "status", "t_start", "t_end"}
    assert last["host"] == web.sites[2].host and last["path"] == "/robots.txt"
    assert all(line["t_start"] <= line["t_end"] <= time.time() for line in lines)


def _log_until(server: WebServer, text: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """The request log once a line holds `text`: the server logs a request after answering it,
    so the client may come first."""
    deadline = time.monotonic() + timeout
    while text not in (log := server.log_path.read_text()) and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)
    return [json.loads(line) for line in log.splitlines()]


@pytest.mark.serial
def test_latency_is_applied_without_blocking_others(web: Web) -> None:
    with WebServer(web, latency_ms=300) as slow:
        took: list[float] = []

        def fetch() -> None:
            started = time.monotonic()
            conn = http.client.HTTPConnection("127.0.0.1", slow.port, timeout=10)
            assert _get(conn, web.sites[0].home).status == 200
            took.append(time.monotonic() - started)

        started = time.monotonic()
        threads = [threading.Thread(target=fetch) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(took) == 8 and min(took) >= 0.3
        assert time.monotonic() - started < 1.5  # concurrent, not 8 x 0.3 s


# -- cross-check against an independent extractor ----------------------------------------------

_LANDMARK_TAGS = {"header": "header", "nav": "nav", "main": "main", "article": "main",
                  "aside": "aside", "footer": "footer"}  # fmt: skip
_ROLES = {"banner": "header", "navigation": "nav", "main": "main", "article": "main",
          "complementary": "aside", "contentinfo": "footer", "comment": "comment"}  # fmt: skip
_WORDS = {
    "header": "header masthead banner topbar",
    "nav": "nav navbar navigation menu breadcrumb breadcrumbs",
    "main": "content main article post entry",
    "aside": "sidebar aside widget related",
    "footer": "footer colophon",
    "comment": "comment comments respond discussion",
}
_BY_WORD = {word: section for section, words in _WORDS.items() for word in words.split()}
_VOID = {"img", "meta", "link", "br", "base", "area", "input", "hr", "source"}


class _Anchors(HTMLParser):
    """<a href> links with anchor text and section, by the rules of docs/LINKS.md."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base = ""
        self.stack: list[str | None] = []
        self.found: list[tuple[str, list[str], str]] = []  # (href, anchor pieces, section)
        self.open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "base" and not self.base and "href" in values:
            self.base = values["href"]
        if tag == "img" and self.open is not None and values.get("alt", "").strip():
            # An image's alt is set apart by spaces, as in a browser's accessible name.
            self.open.append(f" {values['alt']} ")
        if tag == "a" and "href" in values:
            self.open = []
            self.found.append((values["href"], self.open, self._section()))
        if tag not in _VOID:
            self.stack.append(self._landmark(tag, values))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self.open = None
        if tag not in _VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.open is not None:
            self.open.append(data)

    def _section(self) -> str:
        return next((s for s in reversed(self.stack) if s), "unknown")

    @staticmethod
    def _landmark(tag: str, values: dict[str, str]) -> str | None:
        if tag in _LANDMARK_TAGS:
            return _LANDMARK_TAGS[tag]
        if values.get("role") in _ROLES:
            return _ROLES[values["role"]]
        words = f"{values.get('class', '')} {values.get('id', '')}".lower().split()
        return next((_BY_WORD[w] for w in words if w in _BY_WORD), None)


def _normalize(base: str, href: str) -> str | None:
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    try:  # joined as a browser joins (WHATWG, ada): urljoin misreads `\` and `https:host`
        parts = urlsplit(ada_url.join_url(base, href))
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".")  # docs/LINKS.md: trailing dots dropped
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    default = {"http": 80, "https": 443}[parts.scheme.lower()]
    netloc = host + (f":{parts.port}" if parts.port not in (None, default) else "")
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    return urlunsplit((parts.scheme.lower(), netloc, path, parts.query, ""))


def _decode(body: bytes, content_type: str) -> str:
    match = re.search(r"charset=([\w-]+)", content_type) or re.search(
        rb'<meta charset="([\w-]+)"', body[:1024]
    )
    charset = match.group(1) if match else "utf-8"
    return body.decode(charset.decode() if isinstance(charset, bytes) else charset)


def test_served_html_matches_truth_by_independent_parse(
    server: WebServer, web: Web, pages: dict[str, Any], links_by_page: dict[str, list[Any]]
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    checked = 0
    types = set()
    for url, page in pages.items():
        model = web.page(url)
        # HTML by the model, whatever the declared type (octet-stream and untyped pages too).
        if page["status"] != 200 or model is None or not model.is_html:
            continue
        types.add(page["content_type"])
        response = _get(conn, url)
        parser = _Anchors()
        parser.feed(_decode(response.body, page["content_type"]))
        base = urljoin(url, parser.base) if parser.base else url
        found = [
            (dst, " ".join("".join(pieces).split()), section)
            for href, pieces, section in parser.found
            if (dst := _normalize(base, href)) is not None
        ]
        expected = [
            (link["dst_url"], link["anchor"], link["section"])
            for link in links_by_page.get(url, ())
            if link["kind"] == "a"
        ]
        assert found == expected, url
        checked += 1
    assert checked > 500
    assert {"application/octet-stream", ""} <= types


# -- command line -------------------------------------------------------------------------------


def test_cli_serve_runs_until_sigterm() -> None:
    command = [sys.executable, "-m", "crawler.testweb", "serve", "--sites", "3"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline() if process.stdout else ""
        match = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", line)
        assert match, line
        conn = http.client.HTTPConnection("127.0.0.1", int(match.group(1)), timeout=10)
        assert _get(conn, build_web(3, 50, 1).sites[0].home).status == 200
        conn.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
