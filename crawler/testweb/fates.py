"""Fates: what later revisions of the simulated web do to whole pages and single backlinks, so
a recrawl meets every reason `changes` gives (schema/queries/fragments/lost_links.sql).

Opt-in (`build_web(..., fates=True)`): each revision n >= 1 gives each fate of FATES to one
content page of one site. Page fates last (a page gone in revision 1 stays gone), except
"blip", which fails in its own revision only:

    gone404    the page is no more (404)          gone410    it answers 410
    error      it answers 503 from then on        blip       503 in this revision, then back
    redirect   301 to another page of its site    noindex    <meta name="robots" noindex>
    canonical  its canonical names another page   moved      its first backlink points to
    nofollow, ugc, sponsored   its first backlink   another URL of the same target domain
               gains the rel token                anchor     its first backlink's text changes
    robots     its site's robots.txt disallows it (the page itself is unchanged; the crawl
               stores it unfetched, status 0, as `changes` reads "blocked by robots.txt")

"First backlink": the page's first `<a>` to another registrable domain of the web (never one
a revision added: those lead outside the web). Pages stay
reachable (hubs link every content page), so a recrawl fetches each fated page again.

    >>> from crawler.testweb.model import build_web
    >>> web = build_web(4, 30, 1, revision=1, fates=True)
    >>> sorted(fate for fate, _ in fated(web, 1))[:3]
    ['anchor', 'blip', 'canonical']
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from crawler.testweb.generator import content_count, content_url
from crawler.testweb.pages import Block, Link, Page, domain_of

if TYPE_CHECKING:
    from crawler.testweb.model import Web

PAGE_FATES = ("gone404", "gone410", "error", "blip", "redirect", "noindex", "canonical", "robots")
LINK_RELS = ("nofollow", "ugc", "sponsored")
LINK_FATES = ("moved", *LINK_RELS, "anchor")
FATES = PAGE_FATES + LINK_FATES
ERROR_STATUS = 503


def fated(web: Web, revision: int) -> list[tuple[str, str]]:
    """(fate, content page URL) that `revision` deals, in FATES order: each fate on one page of
    site (fate index + revision) mod sites, never a page an earlier revision fated (none when
    that site has no other page left)."""
    taken = {url for number in range(1, revision) for _, url in fated(web, number)}
    rng = random.Random(f"linkgraph-testweb:fates:{web.seed}:{revision}")
    count = content_count(web.pages_per_site)
    dealt = []
    for index, fate in enumerate(FATES):
        site = web.sites[(index + revision) % len(web.sites)]
        free = [url for n in range(count) if (url := content_url(site, n)) not in taken]
        if not free:  # a tiny web ran out of pages: the fate skips this revision
            continue
        url = free[int(rng.random() * len(free))]
        taken.add(url)
        dealt.append((fate, url))
    return dealt


def apply_fates(
    web: Web, site_index: int, pages: dict[str, Page], number: int, latest: int
) -> None:
    """Edit `pages` (one site's, as revision `number`'s edits left them) by revision `number`'s
    fates, in a web of revision `latest` (a blip fails in its own revision only)."""
    host = web.sites[site_index].host
    # Fated by this revision or an earlier one (a later one's choice must not change this one).
    taken = {url for n in range(1, number + 1) for _, url in fated(web, n)}
    for fate, url in fated(web, number):
        if url.split("/")[2] != host or url not in pages:
            continue
        if (fate == "blip" and number != latest) or fate == "robots":  # robots: see disallowed
            continue
        if fate in PAGE_FATES:
            _befall(web, pages, url, fate)
            continue
        # A page may have no backlink the fate can change: the next unfated page takes it.
        spares = (u for u in _siblings(web, url) if u not in taken and u in pages)
        any(_edit_backlink(web, pages[u], fate, number) for u in (url, *spares))


def disallowed(web: Web, site_index: int) -> tuple[str, ...]:
    """The paths of `site_index`'s pages the "robots" fates of revisions 1..web.revision put in
    its robots.txt, as Disallow lines (prefixes, as Web.allowed reads them)."""
    host = web.sites[site_index].host
    return tuple(
        "/" + url.split("/", 3)[3]
        for number in range(1, web.revision + 1)
        for fate, url in fated(web, number)
        if fate == "robots" and url.split("/")[2] == host
    )


def _befall(web: Web, pages: dict[str, Page], url: str, fate: str) -> None:
    page = pages[url]
    sibling = _sibling(web, url)
    if fate == "gone404":
        del pages[url]
    elif fate == "gone410":
        page.status = 410
    elif fate in ("error", "blip"):
        page.status = ERROR_STATUS
    elif fate == "redirect":
        link = Link(kind="redirect", target=sibling, form="abs")
        pages[url] = Page(url=url, status=301, redirect=link, title="Moved")
    elif fate == "noindex":
        page.meta_robots = "noindex"
    elif fate == "canonical":
        page.head = [Link(kind="canonical", target=sibling, rel="canonical", form="abs")]


def _sibling(web: Web, url: str) -> str:
    """Another content page of `url`'s site: the one after it."""
    return _siblings(web, url)[0]


def _siblings(web: Web, url: str) -> list[str]:
    """The other content pages of `url`'s site, from the one after it round to the one before."""
    site = web.site_of(url)
    assert site is not None, url
    urls = [content_url(site, n) for n in range(content_count(web.pages_per_site))]
    at = urls.index(url)
    return urls[at + 1 :] + urls[:at]


def _edit_backlink(web: Web, page: Page, fate: str, number: int) -> bool:
    """Edit the first backlink the fate can change: one the page links to once (`changes`
    reads a pair's first occurrence), without the fate's rel token yet."""
    own = domain_of(page.url)
    counts = Counter(link.target for _, link in page.links())
    for block in _blocks(page.blocks):
        for at, item in enumerate(block.items):
            if not isinstance(item, Link) or item.kind != "a" or not web.in_scope(item.target):
                continue
            if domain_of(item.target) == own or counts[item.target] > 1:
                continue
            if fate in LINK_RELS and fate in item.rel_tokens:
                continue
            block.items[at] = _edited(web, item, fate, number, set(counts))
            return True
    return False


def _blocks(blocks: list[Block]) -> list[Block]:
    """Every block in document order (a block's items come before its children's)."""
    found = []
    for block in blocks:
        found += [block, *_blocks(block.children)]
    return found


def _edited(web: Web, link: Link, fate: str, number: int, linked: set[str]) -> Link:
    if fate == "anchor":
        return replace(link, text=f"{link.text} (fate {number})".strip(), img=None)
    if fate in LINK_RELS:
        return replace(link, rel=f"{link.rel} {fate}".strip())
    site = web.site_of(link.target)
    assert site is not None, link.target
    others = [site.home] + [content_url(site, n) for n in range(content_count(web.pages_per_site))]
    return replace(link, target=next(url for url in others if url not in linked))
