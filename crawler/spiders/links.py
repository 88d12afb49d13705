"""The links spider: every fetch becomes one `Fetched` item (its page, its links, what to follow).

The frontier scheduler hands out leased requests through `make_request`; the spider never
schedules requests itself. Children are queued by the frontier only after the sink has made
the page's records durable, so a worker that dies mid-page loses nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.config import CrawlConfig
from crawler.extract import extractor
from crawler.extract.extractor import extract
from crawler.guard.mime import is_html
from crawler.records import ROBOTS_BLOCKED, Fetched, OutLink, Page
from crawler.scope.limits import MAX_PAGE_EMAILS, MAX_TEXT_CHARS, link_refusal
from crawler.scope.rules import Scope
from crawler.scope.traps import check as check_trap
from crawler.urls import canonical
from crawler.urls.canonical import host_of, registrable_domain, resolve

log = logging.getLogger(__name__)

MAX_REDIRECT_HOPS = 10
# The URL parser's and the extractor's counters (docs/LINKS.md "Stats"), copied into the
# crawl's stats under these prefixes. They count for the whole process (the embedded mode runs
# several workers' spiders in one), so each page adds what changed while it was parsed: that
# parse is synchronous, no other page's counts can slip in between.
COUNTERS = (("linkgraph/urls/", canonical.STATS), ("linkgraph/extract/", extractor.STATS))


class LinksSpider(scrapy.Spider):
    name = "links"

    def __init__(self, config: CrawlConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.scope = Scope(
            config.scope,
            config.seeds,
            include=config.include,
            exclude=config.exclude,
            max_depth=config.max_depth,
        )

    async def start(self) -> AsyncIterator[Any]:
        # Requests come from the shared frontier, not from here.
        return
        yield

    def make_request(self, lease: Any) -> scrapy.Request:
        # The guard's ProxyMiddleware adds meta["proxy"] when LINKGRAPH_PROXY is set.
        return scrapy.Request(
            lease.url,
            callback=self.parse_page,
            errback=self.on_error,
            meta={"lease": lease, "handle_httpstatus_all": True},
            dont_filter=True,
        )

    def parse_page(self, response: Response) -> Iterator[Fetched]:
        lease = response.meta["lease"]
        page = self._page(response, lease)
        before = [dict(counter) for _, counter in COUNTERS]
        if 300 <= response.status < 400:
            links = self._redirect(response, page)
        elif response.status == 200 and is_html(page.content_type, response.body):
            links = self._extract(response, page)
        else:
            links = []
        self._count(before)
        page.outlink_count = len(links)
        self.crawler.stats.inc_value("linkgraph/pages")
        self.crawler.stats.inc_value("linkgraph/links", len(links))
        yield Fetched(page=page, links=links, follow=self._follow(page, links, lease), lease=lease)

    def _count(self, before: list[dict[str, int]]) -> None:
        """Add to the crawl's stats what COUNTERS counted since `before` was taken."""
        for (prefix, counter), old in zip(COUNTERS, before, strict=True):
            for key, value in counter.items():
                if value != old.get(key, 0):
                    self.crawler.stats.inc_value(prefix + key, value - old.get(key, 0))

    def on_error(self, failure: Failure) -> Iterator[Fetched]:
        request = failure.request  # type: ignore[attr-defined]
        lease = request.meta["lease"]
        page = self._blank_page(request.url, lease)
        if request.meta.get("robots_blocked"):  # refused by the frontier's middleware
            page.error = ROBOTS_BLOCKED
            self.crawler.stats.inc_value("linkgraph/robots_blocked")
        else:
            page.error = f"{type(failure.value).__name__}: {failure.getErrorMessage()}"[:500]
            self.crawler.stats.inc_value("linkgraph/errors")
            log.debug("fetch failed %s: %s", request.url, page.error)
        yield Fetched(page=page, lease=lease)

    def _blank_page(self, url: str, lease: Any) -> Page:
        host = host_of(url)
        return Page(
            url=url,
            host=host,
            domain=registrable_domain(host),
            depth=_entry(lease).get("depth", 0),
            fetched_at=time.time(),
            crawl_id=self.config.crawl_id,
        )

    def _page(self, response: Response, lease: Any) -> Page:
        page = self._blank_page(lease.url, lease)
        page.status = response.status
        page.content_type = _header(response, b"Content-Type")
        page.x_robots_tag = _header(response, b"X-Robots-Tag").lower()
        page.size = len(response.body)
        page.ip = str(response.ip_address) if response.ip_address is not None else ""
        return page

    def _extract(self, response: Response, page: Page) -> list[OutLink]:
        headers = {"content-type": page.content_type, "x-robots-tag": page.x_robots_tag}
        facts, links = extract(
            response.body, page.url, page.content_type, headers, self.config.max_links_per_page
        )
        if facts.links_over_cap:
            self.crawler.stats.inc_value("linkgraph/links_dropped/page_cap", facts.links_over_cap)
            log.debug("%d links past the page's cap dropped on %s", facts.links_over_cap, page.url)
        page.title, page.lang, page.canonical = facts.title, facts.lang, facts.canonical
        page.meta_robots, page.noindex, page.nofollow = (
            facts.meta_robots,
            facts.noindex,
            facts.nofollow,
        )
        page.emails = facts.emails
        for link in links:
            link.fetched_at, link.crawl_id = page.fetched_at, page.crawl_id
        return self._within_limits(page, links)

    def _within_limits(self, page: Page, links: list[OutLink]) -> list[OutLink]:
        """The record contract's limits (crawler.scope.limits.py): titles and anchors cut at
        MAX_TEXT_CHARS, addresses after MAX_PAGE_EMAILS, links to over-long URLs or impossible
        hosts dropped; all counted."""
        stats = self.crawler.stats
        if len(page.title) > MAX_TEXT_CHARS:
            page.title = page.title[:MAX_TEXT_CHARS]
            stats.inc_value("linkgraph/titles_cut")
        if len(page.emails) > MAX_PAGE_EMAILS:
            page.emails = page.emails[:MAX_PAGE_EMAILS]
            stats.inc_value("linkgraph/emails_cut")
        kept = []
        for link in links:
            refusal = link_refusal(link.dst_url, link.dst_host)
            if refusal is not None:
                stats.inc_value(f"linkgraph/links_dropped/{refusal}")
                log.debug("link dropped (%s) on %s: %.200r", refusal, page.url, link.dst_url)
                continue
            if len(link.anchor) > MAX_TEXT_CHARS:
                link.anchor = link.anchor[:MAX_TEXT_CHARS]
                stats.inc_value("linkgraph/anchors_cut")
            kept.append(link)
        return kept

    def _redirect(self, response: Response, page: Page) -> list[OutLink]:
        location = _header(response, b"Location")
        target = resolve(page.url, location) if location else None
        if target is None:
            return []
        page.redirect_to = target
        dst_host = host_of(target)
        dst_domain = registrable_domain(dst_host)
        link = OutLink(
            src_url=page.url,
            dst_url=target,
            kind="redirect",
            dom_path="http>location",
            src_host=page.host,
            src_domain=page.domain,
            dst_host=dst_host,
            dst_domain=dst_domain,
            is_external=dst_domain != page.domain,
            fetched_at=page.fetched_at,
            crawl_id=page.crawl_id,
        )
        return [link]

    def _follow(self, page: Page, links: list[OutLink], lease: Any) -> list[dict[str, Any]]:
        """Frontier entries for the links this crawl follows (nofollow links are stored only)."""
        if page.nofollow:
            return []
        entry = _entry(lease)
        depth, hops = entry.get("depth", 0), entry.get("hops", 0)
        follow: dict[str, dict[str, Any]] = {}
        for link in links:
            if link.nofollow:
                continue
            url = self._crawl_url(link.dst_url)
            if url is None or url in follow:
                continue
            if link.kind == "redirect":
                child = {"url": url, "depth": depth, "hops": hops + 1}
                if child["hops"] > MAX_REDIRECT_HOPS:
                    self.crawler.stats.inc_value("linkgraph/redirect_chain_too_long")
                    continue
            else:
                child = {"url": url, "depth": depth + 1, "hops": 0}
            if self.scope.allows(url, child["depth"], link.dst_host, link.dst_domain):
                follow[url] = child
        return list(follow.values())

    def _crawl_url(self, url: str) -> str | None:
        """The URL to queue for a link target (session ids stripped), None for a trap."""
        queued, reason = check_trap(url)
        if reason:
            self.crawler.stats.inc_value(f"traps/{reason}")
        return queued


def _entry(lease: Any) -> dict[str, Any]:
    return getattr(lease, "entry", None) or {}


def _header(response: Response, name: bytes) -> str:
    value = response.headers.get(name)
    return value.decode("latin-1").strip() if value else ""
