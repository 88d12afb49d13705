"""The simulated web's files whose Content-Type says nothing (its "sniffed" feature), on the
model and the rendered answers alone: the crawl tests check them against the truth like any page.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from crawler.testweb import build_web, truth
from crawler.testweb.model import Web
from crawler.testweb.render import respond

ARGS = (20, 50, 1)


@pytest.fixture(scope="module")
def web() -> Web:
    return build_web(*ARGS)


@pytest.fixture(scope="module")
def pages(web: Web) -> dict[str, dict[str, Any]]:
    return {r["url"]: r for r in truth(web) if r["type"] == "page"}


@pytest.fixture(scope="module")
def links_by_page(web: Web) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in truth(web):
        if record["type"] == "link":
            grouped[record["src_url"]].append(record)
    return grouped


def test_sniffed_pages(
    web: Web, pages: dict[str, Any], links_by_page: dict[str, list[Any]]
) -> None:
    """HTML served as octet-stream or untyped carries links (the crawler must sniff its body);
    the PNG served as octet-stream carries none, though its bytes hold markup."""
    sites = [site for site in web.sites if "sniffed" in site.features]
    assert sites
    for site in sites:
        base = f"http://{site.host}/files/"
        octet, untyped, image = (pages[base + name] for name in ("page.bin", "untyped", "logo.png"))
        assert octet["content_type"] == image["content_type"] == "application/octet-stream"
        assert untyped["content_type"] == ""
        assert [r["status"] for r in (octet, untyped, image)] == [200, 200, 200]
        assert len(links_by_page[octet["url"]]) >= 3 and len(links_by_page[untyped["url"]]) >= 2
        # The notes page is fetched, and only the octet-stream page links to it.
        notes = base + "notes.html"
        assert pages[notes]["status"] == 200
        referrers = {
            src for src, out in links_by_page.items() if notes in {r["dst_url"] for r in out}
        }
        assert referrers == {octet["url"]}
        assert image["url"] not in links_by_page
        body = respond(web, image["url"]).body
        assert body.startswith(b"\x89PNG\r\n\x1a\n") and b"<a href=" in body
        for url in (octet["url"], untyped["url"]):
            head = respond(web, url).body[:200]
            assert head.startswith(b"<!DOCTYPE html>") and b"<meta charset=" in head
