"""The simulated web as data: sites, pages, blocks, links.

The server renders this model and the truth walks it.

Pages are built per site on first use (and cached), so a web of 1000 sites x 100 pages is ready
at once and only the pages a crawl touches are ever made.

    >>> web = build_web(sites=3, pages_per_site=20, seed=1)
    >>> home = web.page(web.sites[0].home)
    >>> home.status, home.url == web.sites[0].home
    (200, True)
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from crawler.testweb.names import Site, make_sites
from crawler.urls.canonical import registrable_domain

HTML_UTF8 = "text/html; charset=utf-8"
NOT_FOUND_TYPE = HTML_UTF8  # what the server answers for an unknown path on a known host
_ZIPF_EXPONENT = 1.1


@dataclass(frozen=True, slots=True)
class Link:
    """One link the page carries, e.g. ``<a href="/blog/" rel="NoFollow UGC">Blog</a>``.

    `target` is the canonical absolute URL; `form` says how the href is written: ``abs``,
    ``loud`` (upper-case scheme and host, explicit ``:80``), ``root``, ``rel``, ``proto``, ``iri``.
    """

    kind: str  # a, area, frame, canonical, alternate, refresh, redirect
    target: str
    form: str = "root"
    text: str = ""  # <a> text (as written, before whitespace folding); <area> alt
    rel: str = ""  # the rel attribute as written
    img: str | None = None  # alt of an <img> inside the <a>
    img_first: bool = True
    hreflang: str = ""
    entities: bool = False  # write non-ASCII text as character references

    @property
    def rel_tokens(self) -> list[str]:
        return list(dict.fromkeys(self.rel.lower().split()))

    @property
    def nofollow(self) -> bool:
        return "nofollow" in self.rel.lower().split()

    @property
    def is_image(self) -> bool:
        return self.img is not None or self.kind == "area"

    @property
    def anchor(self) -> str:
        if self.kind == "area":
            return " ".join(self.text.split())
        if self.kind != "a":
            return ""
        pieces = [self.text] if self.img is None else self.ordered_pieces()
        return " ".join(" ".join(pieces).split())

    def ordered_pieces(self) -> list[str]:
        alt = self.img or ""
        return [alt, self.text] if self.img_first else [self.text, alt]


@dataclass(frozen=True, slots=True)
class Decoy:
    """Markup that looks like a link and must not be one, e.g. ``<a href="mailto:x@y.z">``."""

    html: str


@dataclass(slots=True)
class Block:
    """A landmark region of the body (or a plain ``<div>`` for ``unknown``) and what it holds."""

    section: str
    items: list[Link | Decoy] = field(default_factory=list)
    children: list[Block] = field(default_factory=list)  # rendered after the items, inside
    word: str = ""  # the class/id word the div template uses, e.g. 'id="Sidebar"'

    def links(self) -> Iterator[tuple[str, Link]]:
        """(section, link) in document order; the innermost block names the section."""
        for item in self.items:
            if isinstance(item, Link):
                yield self.section, item
        for child in self.children:
            yield from child.links()


@dataclass(slots=True)
class Page:
    """One URL of the web and everything the server sends for it."""

    url: str  # canonical absolute URL
    status: int = 200
    # The Content-Type header as sent, "" for none. What the body is does not depend on it: a
    # page with no `raw` is HTML even when served as application/octet-stream or untyped.
    content_type: str = HTML_UTF8
    charset: str = "utf-8"  # encoding of the body
    meta_charset: str = ""  # declared in <meta charset> when set
    title: str = ""
    lang: str = "en"
    style: str = "semantic"
    redirect: Link | None = None  # 3xx: where Location points, and how it is written
    x_robots_tag: str = ""
    meta_robots: str = ""
    base: Link | None = None  # <base href>; its target is absolute
    head: list[Link] = field(default_factory=list)  # canonical, alternate, refresh
    blocks: list[Block] = field(default_factory=list)
    raw: bytes = b""  # body of a file that is not HTML (a PDF, an image); empty for HTML

    @property
    def is_html(self) -> bool:
        """Whether the body is HTML (rendered from the blocks), whatever its declared type."""
        return not self.raw

    @property
    def nofollow(self) -> bool:
        said = f"{self.meta_robots},{self.x_robots_tag}".lower().replace(",", " ").split()
        return "nofollow" in said

    def links(self) -> Iterator[tuple[str, Link]]:
        """(section, link) for every link a parser must find, in document order (head first)."""
        if self.redirect is not None and 300 <= self.status < 400:
            yield "unknown", self.redirect
            return
        if self.status != 200 or not self.is_html:
            return
        for link in self.head:
            yield "unknown", link
        for block in self.blocks:
            yield from block.links()


class Web:
    """The whole simulated web: its sites, and their pages made on demand."""

    def __init__(self, sites: int, pages_per_site: int, seed: int, revision: int = 0) -> None:
        self.seed = seed
        self.revision = revision
        self.pages_per_site = pages_per_site
        self.sites = make_sites(sites, seed)
        self.by_host = {site.host: site for site in self.sites}
        self.domains = frozenset(site.domain for site in self.sites)
        self._cum_weights = _zipf_weights(len(self.sites), seed)
        self.site_pages = lru_cache(maxsize=256)(self._build_site)

    def _build_site(self, index: int) -> dict[str, Page]:
        # They need Web: import late.
        from crawler.testweb.generator import build_site
        from crawler.testweb.revision import revise

        pages = build_site(self, self.sites[index])
        return revise(pages, self.seed, self.revision) if self.revision else pages

    def site_of(self, url: str) -> Site | None:
        return self.by_host.get(host_of(url))

    def page(self, url: str) -> Page | None:
        """The page at canonical `url`, or None when its host or path is not part of the web."""
        site = self.site_of(url)
        return None if site is None else self.site_pages(site.index).get(url)

    def pages(self) -> Iterator[Page]:
        for site in self.sites:
            yield from self.site_pages(site.index).values()

    def allowed(self, url: str) -> bool:
        """Whether the robots.txt of the URL's site lets a crawler fetch it."""
        site = self.site_of(url)
        if site is None:
            return True
        path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
        return not any(path.startswith(prefix) for prefix in site.disallow)

    def in_scope(self, url: str) -> bool:
        return domain_of(url) in self.domains

    def popular_site(self, rng: random.Random, exclude: int) -> Site:
        """A site other than `exclude`, by Zipf-like popularity (a few sites get most links)."""
        while True:
            pick = bisect.bisect(self._cum_weights, rng.random() * self._cum_weights[-1])
            site = self.sites[min(pick, len(self.sites) - 1)]
            if site.index != exclude or len(self.sites) == 1:
                return site


def host_of(url: str) -> str:
    """The host of a canonical URL, cheaply (the truth asks for it once per link).

    >>> host_of("http://www.a.co.uk/x?y")
    'www.a.co.uk'
    """
    netloc = url.split("/", 3)[2] if url.count("/") >= 2 else ""
    return netloc.rpartition("@")[2].partition(":")[0].lower()


def domain_of(url: str) -> str:
    return registrable_domain(host_of(url))


def _zipf_weights(count: int, seed: int) -> list[float]:
    ranks = list(range(count))
    random.Random(f"linkgraph-testweb:zipf:{seed}").shuffle(ranks)
    total, cumulative = 0.0, []
    for rank in ranks:
        total += 1.0 / (rank + 1) ** _ZIPF_EXPONENT
        cumulative.append(total)
    return cumulative


def build_web(sites: int, pages_per_site: int, seed: int, revision: int = 0) -> Web:
    """The web for these arguments; the same arguments always give the same web.

    `revision` > 0 is the same web edited later (see `revision.revise`: some links removed,
    some anchors and rel attributes changed, links out of the web added), for recrawl and
    history tests; 0 is the original.
    """
    return Web(sites, pages_per_site, seed, revision)
