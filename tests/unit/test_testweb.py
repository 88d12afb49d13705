"""The simulated web without its server: determinism, features in the truth, the rendered pages,
the command line's seeds and errors. The server, and the cross-check of the truth against its
served HTML, are in tests/integration/test_testweb.py."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter, defaultdict, deque
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from protego import Protego

from crawler.frontier.robots import parse_robots
from crawler.records import KINDS, SECTIONS
from crawler.testweb import build_web, truth
from crawler.testweb.model import Web
from crawler.testweb.render import respond
from crawler.urls.canonical import canonicalize, registrable_domain

ROOT = Path(__file__).resolve().parents[2]
ARGS = (20, 50, 1)


@pytest.fixture(scope="module")
def web() -> Web:
    return build_web(*ARGS)


@pytest.fixture(scope="module")
def records(web: Web) -> list[dict[str, Any]]:
    return list(truth(web))


@pytest.fixture(scope="module")
def pages(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["url"]: r for r in records if r["type"] == "page"}


@pytest.fixture(scope="module")
def links(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["type"] == "link"]


@pytest.fixture(scope="module")
def links_by_page(links: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for link in links:
        grouped[link["src_url"]].append(link)
    return grouped


# -- determinism -------------------------------------------------------------------------------


def test_same_arguments_give_identical_truth_and_bytes() -> None:
    first, second = build_web(5, 30, 7), build_web(5, 30, 7)
    assert list(truth(first)) == list(truth(second))
    for page in first.pages():
        assert respond(first, page.url) == respond(second, page.url)


def test_other_seed_gives_another_web() -> None:
    assert list(truth(build_web(5, 30, 7))) != list(truth(build_web(5, 30, 8)))


def test_deterministic_across_processes() -> None:
    """hash() randomization must not leak in: two interpreters write the same truth."""
    outputs = []
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        command = [sys.executable, "-m", "crawler.testweb", "truth", "--sites", "4"]
        outputs.append(subprocess.run(command, cwd=ROOT, env=env, capture_output=True).stdout)
    assert outputs[0] == outputs[1] and outputs[0]


# -- the truth's content -----------------------------------------------------------------------


def test_every_kind_section_and_rel_is_present(links: list[dict[str, Any]]) -> None:
    assert {link["kind"] for link in links} == set(KINDS)
    assert {link["section"] for link in links} == set(SECTIONS)
    tokens = {token for link in links for token in link["rel"]}
    assert {"nofollow", "ugc", "sponsored", "noopener", "noreferrer", "external"} <= tokens
    assert any(len(link["rel"]) >= 2 for link in links)
    assert all(link["rel"] == list(dict.fromkeys(link["rel"])) for link in links)
    assert all(token == token.lower() for token in tokens)


def test_link_fields(links: list[dict[str, Any]]) -> None:
    images = [link for link in links if link["is_image"]]
    assert {link["kind"] for link in images} == {"a", "area"}
    assert any(link["anchor"] and link["kind"] == "a" for link in images)
    assert {link["hreflang"] for link in links if link["kind"] == "alternate"} >= {"en", "de"}
    assert all(link["hreflang"] == "" for link in links if link["kind"] != "alternate")
    anchors = {link["anchor"] for link in links}
    assert any(not anchor.isascii() for anchor in anchors)
    assert "Tips & Tricks" in anchors and "Price <list>" in anchors
    assert all(anchor == " ".join(anchor.split()) for anchor in anchors)
    for link in links:
        if link["kind"] not in ("a", "area"):
            assert link["anchor"] == "" and not link["is_image"]
        if link["kind"] in ("frame", "refresh", "redirect"):
            assert link["rel"] == []
    external = {link["dst_domain"] for link in links} - {link["src_domain"] for link in links}
    assert "wikipedia.org" in external


def test_every_status_and_content_type_is_present(pages: dict[str, dict[str, Any]]) -> None:
    assert {p["status"] for p in pages.values()} == {200, 301, 302, 404, 410, 500}
    types = {p["content_type"] for p in pages.values()}
    assert {"text/html; charset=utf-8", "text/html; charset=ISO-8859-1", "text/html"} <= types
    assert "application/pdf" in types
    assert {"application/octet-stream", ""} <= types  # "": served with no Content-Type


def test_special_pages(web: Web, pages: dict[str, Any], links: list[dict[str, Any]]) -> None:
    redirects = [link for link in links if link["kind"] == "redirect"]
    assert {pages[r["src_url"]]["status"] for r in redirects} == {301, 302}
    assert all(r["ordinal"] == 0 and r["section"] == "unknown" for r in redirects)
    chained = [r for r in redirects if r["src_url"].endswith("/chain/start")]
    assert chained and all(r["dst_url"].endswith("/chain/middle") for r in chained)
    variants = [u for u in pages if u.endswith("?ref=x")]
    assert variants
    for url in variants:
        canon = [link for link in links if link["src_url"] == url and link["kind"] == "canonical"]
        assert [c["dst_url"] for c in canon] == [url.removesuffix("?ref=x")]
    assert any("?" in url and "&" in url for url in pages)
    statuses_of = Counter(pages[link["src_url"]]["status"] for link in links)
    assert set(statuses_of) == {200, 301, 302}  # no link from error bodies or files


def test_blocked_urls_are_robots_disallowed(web: Web, records: list[dict[str, Any]]) -> None:
    blocked = [r["url"] for r in records if r["type"] == "blocked"]
    assert blocked and len(blocked) == len(set(blocked))
    fetched = {r["url"] for r in records if r["type"] == "page"}
    for url in blocked:
        assert urlsplit(url).path.startswith("/private/") and url not in fetched
        body = respond(web, urljoin(url, "/robots.txt")).body
        assert "Disallow: /private/" in body.decode()
        # the file opens with a byte order mark, which Google's reading skips (and a plain
        # Protego reading does not: the page tests something)
        assert body.startswith(b"\xef\xbb\xbfUser-agent: *\nDisallow: /private/\n")
        assert not parse_robots(body).can_fetch(url, "linkgraph")
        assert Protego.parse(body.decode()).can_fetch(url, "linkgraph")


def test_urls_are_canonical_and_domains_registrable(links: list[dict[str, Any]]) -> None:
    for link in links:
        for side in ("src", "dst"):
            url = link[f"{side}_url"]
            assert canonicalize(url) == url
            assert link[f"{side}_domain"] == registrable_domain(urlsplit(url).hostname or "")


def test_ordinals_count_links_in_order_head_first(links_by_page: dict[str, list[Any]]) -> None:
    for page_links in links_by_page.values():
        assert [link["ordinal"] for link in page_links] == list(range(len(page_links)))
        in_head = [link["kind"] in ("canonical", "alternate", "refresh") for link in page_links]
        assert in_head == sorted(in_head, reverse=True)


def test_sites_have_distinct_domains_and_varied_hosts(web: Web) -> None:
    domains = [site.domain for site in web.sites]
    assert len(set(domains)) == len(domains)
    assert all(registrable_domain(site.host) == site.domain for site in web.sites)
    prefixes = {site.host.removesuffix(site.domain) for site in web.sites}
    assert {"www.", ""} <= prefixes and prefixes & {"blog.", "shop."}
    assert len({domain.split(".", 1)[1] for domain in domains}) >= 5


def test_truth_is_the_closure_of_followable_links(
    web: Web, pages: dict[str, Any], links_by_page: dict[str, list[Any]]
) -> None:
    """Recompute the crawl from the truth's own links: the same pages, no more, no fewer."""
    queue = deque(site.home for site in web.sites)
    reached = set(queue)
    while queue:
        url = queue.popleft()
        page = web.page(url)
        if page is not None and page.nofollow:
            continue
        for link in links_by_page.get(url, ()):
            dst = link["dst_url"]
            if "nofollow" in link["rel"] or dst in reached or not web.in_scope(dst):
                continue
            if web.allowed(dst):
                reached.add(dst)
                queue.append(dst)
    assert reached == set(pages)
    unreached = {page.url for page in web.pages()} - set(pages)
    paths = {urlsplit(url).path for url in unreached}
    assert paths and all(p.startswith(("/archive/", "/members/", "/private/")) for p in paths)
    assert any(p.startswith("/members/") for p in paths)  # only linked with rel=nofollow
    assert any(p.startswith("/archive/partners") for p in paths)  # only from a nofollow page


# -- the rendered pages ------------------------------------------------------------------------


def test_charsets_are_declared_in_header_or_meta(web: Web, pages: dict[str, Any]) -> None:
    latin = [u for u, p in pages.items() if p["content_type"].endswith("ISO-8859-1")]
    meta = [u for u, p in pages.items() if p["content_type"] == "text/html"]
    assert b"charset" not in respond(web, latin[0]).body[:300]
    assert b'<meta charset="windows-1252">' in respond(web, meta[0]).body
    bodies = [respond(web, url).body for url in latin + meta]
    assert any(any(byte >= 0x80 for byte in body) for body in bodies)


def test_served_html_carries_non_links_and_url_forms(web: Web, pages: dict[str, Any]) -> None:
    html = b"".join(respond(web, url).body for url, p in pages.items() if p["status"] == 200)
    for marker in (b'href="#top"', b'href="javascript:', b'href="mailto:', b'href="tel:',
                   b'href="data:', b'href=""', b'href="//', b'href="HTTP://', b"<base href=",
                   b"<area ", b"<iframe src=", b'http-equiv="refresh"', b'name="robots"',
                   b"&amp;", b"&#x", b'<section class="comments">', b'role="navigation"',
                   b'<div id="', b'href="../'):  # fmt: skip
        assert marker in html, marker
    headers = [h for url in pages for h in respond(web, url).headers]
    assert ("X-Robots-Tag", "nofollow") in headers


# -- command line and scale --------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "crawler.testweb", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_cli_seeds_and_errors() -> None:
    seeds = _cli("seeds", "--sites", "7").stdout.splitlines()
    assert seeds == [site.home for site in build_web(7, 50, 1).sites]
    for bad in (["truth", "--sites", "0"], ["serve", "--latency-ms", "-1"],
                ["truth", "--out", "/nonexistent/dir/truth.jsonl"]):  # fmt: skip
        done = _cli(*bad)
        assert done.returncode != 0 and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "error" in done.stderr


def test_large_web_is_lazy() -> None:
    started = time.monotonic()
    big = build_web(1000, 100, 1)
    last = big.sites[-1]
    assert respond(big, last.home).status == 200
    assert time.monotonic() - started < 5
    assert big.site_pages.cache_info().currsize == 1
