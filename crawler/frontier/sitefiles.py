"""robots.txt and sitemaps, fetched by the Scrapy scheduler under the lease of a host's first
page: the scheduler's half that talks to the site rather than to the frontier's storage.

Before a host's first page the scheduler sends its robots.txt Request itself (its own callback,
under the page's lease, through the same download gate) and stores the answer in Redis for every
worker (crawler.frontier.robots). With sitemaps on, the same worker then fetches the sitemaps
that robots.txt lists (same host only, indexes followed, at most `MAX_SITEMAPS` files), queues
their URLs in scope as seeds (depth 0), and only then sends the page:

    robots.txt -> sitemap index -> sitemap, sitemap -> the page (or robots_blocked)
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    IgnoreRequest,
    StopDownload,
)
from scrapy.http import Response
from scrapy.spiders import Spider
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.internet.error import ConnectionRefusedError
from twisted.python.failure import Failure

from crawler.errors import BlockedAddress, FrontierError
from crawler.frontier import robots as rb
from crawler.frontier.outage import retrying
from crawler.frontier.queue import Frontier, Lease
from crawler.urls.canonical import canonicalize, host_of, registrable_domain

log = logging.getLogger(__name__)

ROBOTS_REDIRECTS = 5
MAX_SITEMAPS = 20  # sitemap files per host (an index counts as one)
MAX_SITEMAP_URLS = 50_000  # per file, as the sitemaps protocol allows
# A refused connection, as Scrapy wraps it (and as Twisted raises it to older Scrapy).
REFUSED = (DownloadConnectionRefusedError, ConnectionRefusedError)


def _stop_robots_at_max_bytes(data: bytes, request: scrapy.Request, **_: Any) -> None:
    if not request.meta.get("linkgraph_robots"):
        return
    received = request.meta.get("robots_bytes", 0) + len(data)
    request.meta["robots_bytes"] = received
    if received >= rb.MAX_BYTES:
        raise StopDownload(fail=False)  # the response goes on with the body received so far


class SiteFiles:
    """The robots.txt and sitemap requests of `FrontierScheduler`, which mixes this in: their
    callbacks run on the scheduler's state (its buffer, robots cache, waiting leases)."""

    frontier: Frontier
    robots: rb.RobotsCache | None
    sitemaps: bool
    spider: Spider | None
    _buffer: deque[scrapy.Request]
    _robots_waiting: list[Lease]
    _robots_unsaved: list[tuple[Lease, int, bytes, str]]  # answers Redis missed
    _stats: Any
    crawler: Any

    def _admit(self, lease: Lease) -> None:
        raise NotImplementedError  # the scheduler's: send the page, its robots.txt, or wait

    def _nudge(self) -> None:
        raise NotImplementedError  # the scheduler's: wake Scrapy's engine

    # -- robots.txt -------------------------------------------------------------------------------

    def _robots_request(self, lease: Lease, url: str, redirects: int) -> scrapy.Request:
        self._cut_robots_at_max_bytes()
        return scrapy.Request(
            url,
            callback=self._robots_response,
            errback=self._robots_failure,
            meta={
                "lease": lease,
                "linkgraph_robots": True,
                "robots_redirects": redirects,
                "handle_httpstatus_all": True,
                "dont_obey_robotstxt": True,
            },
            dont_filter=True,
            priority=100,
        )

    def _robots_response(self, response: Response) -> None:
        assert self.robots is not None
        lease: Lease = response.meta["lease"]
        redirects = response.meta.get("robots_redirects", 0)
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            if redirects < ROBOTS_REDIRECTS:
                target = response.urljoin(location.decode("latin-1"))
                self._buffer.appendleft(self._robots_request(lease, target, redirects + 1))
                return
            self._robots_answer(lease, 404, b"")
            return
        status = response.status if response.status < 300 or response.status >= 400 else 404
        self._robots_answer(lease, status, response.body)

    def _robots_failure(self, failure: Failure) -> None:
        assert self.robots is not None
        lease: Lease = failure.request.meta["lease"]  # type: ignore[attr-defined]
        if failure.check(BlockedAddress, DownloadCancelledError, IgnoreRequest):
            # Refused by the guard (a redirect to a private address) or past the size caps (a
            # decompression bomb): the server answered, with nothing a crawler may read. As a
            # 4xx, that is no robots.txt (RFC 9309 2.3.1.3), not a reason to pause the host.
            self._stats.inc_value("linkgraph/robots_unreadable")
            log.debug("robots.txt for %s unreadable, taken as absent: %s", lease.url, failure.value)
            self._robots_answer(lease, 404, b"")
            return
        log.debug("robots.txt for %s unreachable: %s", lease.url, failure.value)
        proxied = bool(failure.request.meta.get("proxy"))  # type: ignore[attr-defined]
        refused = proxied and failure.check(*REFUSED) is not None
        self._robots_answer(lease, 0, b"", "proxy refused" if refused else "")

    def _cut_robots_at_max_bytes(self) -> None:
        """Once: stop a robots.txt download after its first MAX_BYTES, keeping what came (a
        500 MB robots.txt is read up to 500 KiB and parsed, as RFC 9309 2.5 allows)."""
        if getattr(self, "_robots_cut", False):
            return
        self._robots_cut = True
        self.crawler.signals.connect(_stop_robots_at_max_bytes, signal=signals.bytes_received)

    def _robots_answer(self, lease: Lease, status: int, body: bytes, why: str = "") -> None:
        """Store a robots.txt answer (status 0: unreachable, `why`) for every worker, then go
        on."""
        assert self.robots is not None
        try:
            self.robots.store(lease.url, status, body, why)
            delay = self.robots.crawl_delay(lease.url)
            if delay and delay > self.frontier.host_delay:
                self.frontier.set_delay(lease.host, delay)
                lease.gated = True
        except FrontierError as exc:
            retrying("robots.txt store", exc)
            self._robots_unsaved.append((lease, status, body, why))
            return
        sitemaps = self._sitemaps_in(lease, status, body)
        if sitemaps:
            self._buffer.appendleft(self._sitemap_request(lease, sitemaps, 1))
        else:
            self._admit(lease)
        self._nudge()

    # -- sitemaps ---------------------------------------------------------------------------------

    def _sitemaps_in(self, lease: Lease, status: int, body: bytes) -> list[str]:
        if not self.sitemaps or not 200 <= status < 300:
            return []
        text = body[: rb.MAX_BYTES].decode("utf-8", "replace")
        return self._same_host(lease, list(sitemap_urls_from_robots(text, lease.url)))

    def _same_host(self, lease: Lease, urls: list[str]) -> list[str]:
        kept = [url for url in urls if host_of(url) == lease.host]
        if len(kept) < len(urls):
            self._stats.inc_value("linkgraph/sitemaps_off_host", len(urls) - len(kept))
        return kept

    def _sitemap_request(self, lease: Lease, urls: list[str], fetched: int) -> scrapy.Request:
        """The first of `urls`, under the page's lease and slot, through the download gate."""
        return scrapy.Request(
            urls[0],
            callback=self._sitemap_response,
            errback=self._sitemap_failure,
            meta={
                "lease": lease,
                "linkgraph_robots": True,  # gated like robots.txt, keeps the page's slot
                "sitemaps": urls[1:],
                "sitemaps_fetched": fetched,
                "handle_httpstatus_all": True,
                "dont_obey_robotstxt": True,
            },
            dont_filter=True,
            priority=100,
        )

    def _sitemap_response(self, response: Response) -> None:
        lease: Lease = response.meta["lease"]
        more: list[str] = response.meta["sitemaps"]
        if response.status == 200:
            try:
                sitemap = Sitemap(response.body)
            except Exception as exc:  # lxml's errors: a bad sitemap is counted, not fatal
                log.debug("bad sitemap %s: %s", response.url, exc)
                self._stats.inc_value("linkgraph/sitemaps_bad")
            else:
                urls = [entry["loc"] for entry in sitemap if entry.get("loc")]
                if sitemap.type == "sitemapindex":
                    more = more + self._same_host(lease, urls)
                else:
                    self._seed_from_sitemap(urls[:MAX_SITEMAP_URLS])
        self._next_sitemap(lease, more, response.meta["sitemaps_fetched"])

    def _sitemap_failure(self, failure: Failure) -> None:
        meta = failure.request.meta  # type: ignore[attr-defined]
        log.debug("sitemap of %s unreachable: %s", meta["lease"].host, failure.value)
        self._stats.inc_value("linkgraph/sitemaps_bad")
        self._next_sitemap(meta["lease"], meta["sitemaps"], meta["sitemaps_fetched"])

    def _next_sitemap(self, lease: Lease, urls: list[str], fetched: int) -> None:
        if urls and fetched < MAX_SITEMAPS:
            self._buffer.appendleft(self._sitemap_request(lease, urls, fetched + 1))
        else:
            self._admit(lease)
        self._nudge()

    def _seed_from_sitemap(self, urls: list[str]) -> None:
        scope = getattr(self.spider, "scope", None)
        entries: list[dict[str, Any]] = []
        for url in urls:
            try:
                url = canonicalize(url.strip())
            except ValueError:
                self._stats.inc_value("linkgraph/sitemaps_bad_urls")
                continue
            host = host_of(url)
            if scope is None or scope.allows(url, 0, host, registrable_domain(host)):
                entries.append({"url": url, "depth": 0, "hops": 0, "sitemap": True})
        try:
            queued = self.frontier.enqueue(entries)
        except FrontierError as exc:  # the host's pages still come through its links
            log.warning("could not queue %d sitemap URLs: %s", len(entries), exc)
            return
        self._stats.inc_value("linkgraph/sitemap_urls_queued", queued)

    def _recheck_robots(self) -> None:
        unsaved, self._robots_unsaved = self._robots_unsaved, []
        for lease, status, body, why in unsaved:
            self._robots_answer(lease, status, body, why)
        waiting, self._robots_waiting = self._robots_waiting, []
        for lease in waiting:
            self._admit(lease)
