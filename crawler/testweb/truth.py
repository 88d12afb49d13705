"""Ground truth of a default crawl of the simulated web, walked on the model (never on HTML).

A default crawl starts at every site's home page, keeps to the web's registrable domains, obeys
robots.txt and follows links by the rules of docs/LINKS.md "What the crawler follows". The walk
yields one dict per fetched page, per robots-blocked URL and per link occurrence:

    {"type": "page", "url", "status", "content_type"}   (content_type "": no header sent)
    {"type": "blocked", "url", "status": 0}   (stored unfetched, error "robots.txt: disallowed")
    {"type": "link", "src_url", "dst_url", "src_domain", "dst_domain", "anchor", "rel",
     "section", "kind", "is_image", "hreflang", "ordinal"}

    >>> from crawler.testweb.model import build_web
    >>> web = build_web(sites=2, pages_per_site=30, seed=1)
    >>> first = next(truth(web))
    >>> first["type"], first["url"] == web.sites[0].home, first["status"]
    ('page', True, 200)
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

from crawler.testweb.pages import NOT_FOUND_TYPE, Link, Page, domain_of

if TYPE_CHECKING:  # the model only walked, never imported: crawler.testweb's start-up
    from crawler.testweb.model import Web


def truth(web: Web) -> Iterator[dict[str, Any]]:
    """Every record of the default crawl, grouped by site, each site's pages in BFS order.

    The walk drains one site's queue at a time (the set of fetched pages is the same as a global
    BFS, and each site's pages are built once per pass instead of thrashing the page cache).
    """
    queues = {site.index: deque([site.home]) for site in web.sites}
    seen = {site.home for site in web.sites}
    while any(queues.values()):
        for queue in queues.values():
            while queue:
                url = queue.popleft()
                page = web.page(url)
                yield from _fetch(url, page)
                for dst in _followed(page):
                    if dst in seen or not web.in_scope(dst):
                        continue
                    seen.add(dst)
                    if not web.allowed(dst):
                        yield _blocked(dst)
                        continue
                    site = web.site_of(dst)
                    assert site is not None, dst  # in-scope hosts are always sites
                    queues[site.index].append(dst)


def recrawl(web: Web, urls: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The records of fetching `urls` again on `web` (a later revision), as a recrawl of every
    stored page does: pages the walk no longer reaches included, and robots.txt asked again."""
    for url in urls:
        yield from _fetch(url, web.page(url)) if web.allowed(url) else [_blocked(url)]


def _blocked(url: str) -> dict[str, Any]:
    """A URL robots.txt forbids: the crawl stores it (status 0) without fetching it."""
    return {"type": "blocked", "url": url, "status": 0}


def _fetch(url: str, page: Page | None) -> Iterator[dict[str, Any]]:
    if page is None:
        yield {"type": "page", "url": url, "status": 404, "content_type": NOT_FOUND_TYPE}
        return
    yield {"type": "page", "url": url, "status": page.status, "content_type": page.content_type}
    src_domain = domain_of(url)
    for ordinal, (section, link) in enumerate(page.links()):
        yield _link_record(url, src_domain, section, link, ordinal)


def _link_record(
    src: str, src_domain: str, section: str, link: Link, ordinal: int
) -> dict[str, Any]:
    return {
        "type": "link",
        "src_url": src,
        "dst_url": link.target,
        "src_domain": src_domain,
        "dst_domain": domain_of(link.target),
        "anchor": link.anchor,
        "rel": link.rel_tokens,
        "section": section,
        "kind": link.kind,
        "is_image": link.is_image,
        "hreflang": link.hreflang,
        "ordinal": ordinal,
    }


def _followed(page: Page | None) -> Iterator[str]:
    if page is None or page.nofollow:
        return
    for _, link in page.links():
        if not link.nofollow:
            yield link.target


def indexable(page: Page | None) -> bool:
    """Whether a fetch of `page` carries its links for `changes` (fragments/lost_links.sql): it
    answered, and neither noindex (meta robots or X-Robots-Tag: noindex, none) nor a canonical
    naming another URL disowns it. Links seen only on such fetches are never lost.

    >>> indexable(Page("http://a.com/", meta_robots="noindex, nofollow")), indexable(None)
    (False, False)
    """
    if page is None or noindex(page):
        return False
    return all(link.target == page.url for link in page.head if link.kind == "canonical")


def noindex(page: Page) -> bool:
    """Whether meta robots or X-Robots-Tag says noindex (or none, which implies it)."""
    said = f"{page.meta_robots},{page.x_robots_tag}".lower().replace(",", " ").split()
    return "noindex" in said or "none" in said


def write_truth(web: Web, out: IO[str]) -> int:
    """Write the truth as JSON lines to `out`; returns the number of records."""
    count = 0
    for record in truth(web):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
