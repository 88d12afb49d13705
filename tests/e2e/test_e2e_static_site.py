"""End to end on real HTML: crawl a static site served by `python -m http.server` and compare
with an independent extraction written here (Python's html.parser, a BFS of its own).

The site is a real interlinked one found on the machine (the rustdoc book shipped with the Rust
toolchain, whose pages embed their table of contents through an <iframe>), or else a site made
of the real pages in ../shared/realweb/readability; the test skips when neither is present.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from crawler.run.embedded import free_port
from crawler.urls.canonical import canonicalize
from tests.helpers.e2e import diff, linkgraph, stored
from tests.helpers.realweb import REALWEB

NOT_LINKS = ("javascript:", "mailto:", "tel:", "data:", "about:", "vbscript:")


def _rustdoc_book() -> Path | None:
    found = sorted(Path.home().glob(".rustup/toolchains/*/share/doc/rust/html/rustdoc"))
    return found[0] if found and (found[0] / "index.html").is_file() else None


def _make_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    book = _rustdoc_book()
    if book is not None:
        shutil.copytree(book, site)
        return site
    pages = REALWEB / "readability" / "pages"
    if not pages.is_dir():
        pytest.skip("no real static site here: neither the rustdoc book nor ../shared/realweb")
    names = sorted(p.name for p in pages.iterdir() if (p / "source.html").is_file())[:30]
    (site / "pages").mkdir(parents=True)
    for name in names:
        shutil.copy(pages / name / "source.html", site / "pages" / f"{name}.html")
    items = "".join(f'<li><a href="pages/{n}.html">{n}</a></li>' for n in names[1:])
    frame = f'<iframe src="pages/{names[0]}.html"></iframe>'
    (site / "index.html").write_text(f"<html><body>{frame}<ul>{items}</ul></body></html>")
    return site


class _Links(HTMLParser):
    """Every link-bearing tag of a page: (kind, url, rel tokens), and the first <base href>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.found: list[tuple[str, str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        rel = a.get("rel", "").lower().split()
        if tag == "base" and "href" in a and self.base is None:
            self.base = a["href"]
        elif tag in ("a", "area") and "href" in a:
            self.found.append((tag, a["href"], rel))
        elif tag in ("iframe", "frame") and "src" in a:
            self.found.append(("frame", a["src"], []))
        elif tag == "link" and "href" in a and ({"canonical", "alternate"} & set(rel)):
            self.found.append(("link", a["href"], rel))


def _resolve(base: str, href: str) -> str | None:
    href = href.strip()
    if not href or href.startswith("#") or href.lower().startswith(NOT_LINKS):
        return None
    url = urljoin(base, href)
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    try:
        return canonicalize(url)
    except ValueError:
        return None


def _fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), b""


def independent_crawl(seed: str) -> tuple[dict[str, int], Counter[tuple[str, str]]]:
    """BFS over a, area, frame and canonical/alternate links on the seed's host."""
    host = urlsplit(seed).netloc
    pages: dict[str, int] = {}
    a_links: Counter[tuple[str, str]] = Counter()
    queue, seen = deque([seed]), {seed}
    while queue:
        url = queue.popleft()
        status, ctype, body = _fetch(url)
        pages[url] = status
        if status != 200 or "html" not in ctype:
            continue
        parser = _Links()
        parser.feed(body.decode("utf-8", "replace"))
        base = urljoin(url, parser.base) if parser.base else url
        for tag, href, rel in parser.found:
            dst = _resolve(base, href)
            if dst is None:
                continue
            if tag == "a":
                a_links[(url, dst)] += 1
            if "nofollow" in rel or urlsplit(dst).netloc != host or dst in seen:
                continue
            seen.add(dst)
            queue.append(dst)
    return pages, a_links


def _serve(directory: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("http.server did not start")


@pytest.mark.realweb  # its pages, where no rustdoc book is installed
def test_static_site_crawl_finds_every_page_and_link(tmp_path: Path) -> None:
    site = _make_site(tmp_path)
    server, port = _serve(site)
    try:
        seed = f"http://127.0.0.1:{port}/index.html"
        expected_pages, expected_links = independent_crawl(seed)
        data = tmp_path / "data"
        linkgraph(["crawl", seed, "--data", str(data), "--allow-private"])
    finally:
        server.terminate()
        server.wait()
    pages, links = stored(str((data / "store").resolve()))
    ok = {u for u, s in expected_pages.items() if s == 200}
    assert len(ok) >= 20, "the site is too small to mean anything"
    assert {u for u, s in pages.items() if s == 200} == ok
    assert pages == expected_pages
    a_links: Counter[tuple[str, str]] = Counter()
    for (src, dst, _, _, _, kind), count in links.items():
        if kind == "a":
            a_links[(src, dst)] += count
    assert a_links == expected_links, diff(expected_links, a_links)
