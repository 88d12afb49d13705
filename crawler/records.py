"""The record contract between extractor, spider, sink and schema.

One `OutLink` per link occurrence on a fetched page, one `Page` per fetch, and one
`Fetched` item per fetch carrying both plus what the frontier must do once they are durable.

    >>> link = OutLink(src_url="http://a.com/", dst_url="http://b.co.uk/x", anchor="B",
    ...                rel=("nofollow", "ugc"), kind="a", section="main")
    >>> link.nofollow, link.ugc, link.sponsored
    (True, True, False)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SECTIONS = ("header", "nav", "main", "aside", "footer", "comment", "unknown")
KINDS = ("a", "area", "frame", "canonical", "alternate", "redirect", "refresh")
# The `error` of a Page robots.txt kept the crawler from fetching (status 0): stored, so a
# recrawl that finds a page newly disallowed tells why its links are gone.
ROBOTS_BLOCKED = "robots.txt: disallowed"


@dataclass(slots=True)
class OutLink:
    """One link occurrence on a fetched page.

    For ``<nav><a href="/about" rel="NoFollow">About us</a></nav>`` on ``http://a.com/x``:
    src_url ``http://a.com/x``, dst_url ``http://a.com/about``, anchor ``About us``,
    rel ``("nofollow",)``, section ``nav``, kind ``a``.
    """

    src_url: str
    dst_url: str
    anchor: str = ""  # whitespace-normalized text; an image contributes its alt
    rel: tuple[str, ...] = ()  # every rel token, lowercased, in document order
    kind: str = "a"  # one of KINDS
    section: str = "unknown"  # one of SECTIONS
    dom_path: str = ""  # compact tag path, e.g. "body>div>nav>ul>li>a"
    ordinal: int = 0  # position among the page's links, from 0
    is_image: bool = False  # the link wraps an <img> (or is an <area>)
    hreflang: str = ""  # for kind "alternate"
    src_host: str = ""
    src_domain: str = ""
    dst_host: str = ""
    dst_domain: str = ""
    is_external: bool = False  # dst_domain differs from src_domain
    page_nofollow: bool = False  # the page said nofollow (meta robots / X-Robots-Tag)
    fetched_at: float = 0.0  # epoch seconds of the fetch
    crawl_id: str = ""

    @property
    def url(self) -> str:
        return self.dst_url

    @property
    def nofollow(self) -> bool:
        return "nofollow" in self.rel

    @property
    def ugc(self) -> bool:
        return "ugc" in self.rel

    @property
    def sponsored(self) -> bool:
        return "sponsored" in self.rel


@dataclass(slots=True)
class Page:
    """One fetch of one URL (status 0 with `error` set when nothing was received; the error
    ROBOTS_BLOCKED when robots.txt forbade the fetch)."""

    url: str
    host: str = ""
    domain: str = ""
    status: int = 0
    content_type: str = ""
    title: str = ""
    lang: str = ""
    canonical: str = ""
    redirect_to: str = ""
    meta_robots: str = ""  # content of <meta name="robots">, lowercased
    x_robots_tag: str = ""  # the X-Robots-Tag header, lowercased
    noindex: bool = False
    nofollow: bool = False
    outlink_count: int = 0
    depth: int = 0
    size: int = 0  # bytes of body received
    fetched_at: float = 0.0
    crawl_id: str = ""
    error: str = ""
    ip: str = ""  # the server address the response came from ('' if none; a proxy's if proxied)
    emails: list[str] = field(default_factory=list)  # its mailto: addresses (PageFacts.emails)


@dataclass(slots=True)
class PageFacts:
    """What one parse tells about the page itself (besides its links)."""

    title: str = ""
    lang: str = ""
    canonical: str = ""
    meta_robots: str = ""
    refresh_url: str = ""
    noindex: bool = False
    nofollow: bool = False
    # Links found past the page's link cap (extract's `max_links`): counted, not made.
    links_over_cap: int = 0
    # addresses of its a/area mailto: hrefs, in order, without repeats (crawler/extract/emails.py)
    emails: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Fetched:
    """The item a spider yields per fetch: records, plus the frontier's follow-up.

    `follow` holds the frontier entries to add and `lease` the frontier lease to acknowledge,
    both acted on by the sink only after `page` and `links` are durable.
    """

    page: Page
    links: list[OutLink] = field(default_factory=list)
    follow: list[dict[str, Any]] = field(default_factory=list)
    lease: Any = None
