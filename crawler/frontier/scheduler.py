"""The Scrapy scheduler that feeds a worker from the shared Redis frontier.

It leases a few entries at a time into a local buffer (one Lua call each time), turns each into
a Request with ``spider.make_request(lease)``, and acknowledges the lease on `records_durable`
(the sink's "these records are safe") together with the page's children. A 50 ms loop nudges the
engine while work may be waiting (Scrapy itself polls the scheduler only on its 5 s heartbeat
and after responses), and every few seconds returns expired leases and sends a heartbeat.

robots.txt: before a host's first page, the scheduler sends the robots.txt Request itself (its
own callback, under the page's lease, through the same download gate), stores the answer in
Redis for every worker, then sends or skips the page. See crawler.frontier.robots. With
sitemaps on (``--sitemaps``), the same worker then fetches the host's sitemaps that robots.txt
lists (same host only, sitemap indexes followed, at most `MAX_SITEMAPS` files), queues their
URLs in scope as seeds (depth 0), and only then sends the page.

On close it hands its unfinished leases back to the queue; it never clears shared state.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import deque
from typing import Any

import redis
import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.spiders import Spider
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.internet import task
from twisted.python.failure import Failure

from crawler import settings as defaults
from crawler.errors import ConfigError, FrontierError, FrontierLost, FrontierUnavailable
from crawler.frontier import robots as rb
from crawler.frontier.queue import Frontier, Lease
from crawler.signals import records_durable
from crawler.urls.canonical import canonicalize, host_of, registrable_domain

log = logging.getLogger(__name__)

Ack = tuple[Lease, list[dict[str, Any]], str]  # a lease, its children, its outcome counter

BATCH = 16  # leases per Redis call, at most
TICK = 0.05  # seconds between nudges of the engine
MAINTENANCE = 5.0  # seconds between heartbeats / expired-lease sweeps
ROBOTS_REDIRECTS = 5
MAX_SITEMAPS = 20  # sitemap files per host (an index counts as one)
MAX_SITEMAP_URLS = 50_000  # per file, as the sitemaps protocol allows
AGENT = "linkgraph"  # the robots.txt product token


class FrontierScheduler:
    """Scrapy's BaseScheduler interface over a shared `Frontier`."""

    def __init__(
        self,
        frontier: Frontier,
        crawler: Crawler,
        *,
        worker: str,
        obey_robots: bool = True,
        robots_retry: float = defaults.LINKGRAPH_ROBOTS_RETRY,
        sitemaps: bool = False,
    ) -> None:
        self.frontier = frontier
        self.crawler = crawler
        self.worker = worker
        self.robots = (
            rb.RobotsCache(
                frontier.client, frontier.prefix, AGENT, retry=robots_retry, call=frontier.call
            )
            if obey_robots
            else None
        )
        self.sitemaps = sitemaps and obey_robots
        self.spider: Spider | None = None
        self.lost: FrontierLost | None = None
        self._buffer: deque[scrapy.Request] = deque()
        self._held: dict[str, Lease] = {}  # leases this worker holds, by token
        self._robots_waiting: list[Lease] = []
        self._robots_unsaved: list[tuple[Lease, int, bytes]] = []  # answers Redis missed
        self._pending_acks: list[tuple[list[Ack], dict[str, int]]] = []
        self._ended: list[Lease] = []  # downloads ended, host slots to free with the next call
        self._empty_until = 0.0
        self._next_maintenance = 0.0
        self._rate_mark = (0, time.monotonic())
        self._loop: task.LoopingCall | None = None
        self._stats = crawler.stats
        self._slots = crawler.settings.getint("CONCURRENT_REQUESTS", defaults.CONCURRENT_REQUESTS)
        self._lease_at = max(1, min(BATCH // 2, self._slots // 4))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierScheduler:
        settings = crawler.settings
        url = settings.get("LINKGRAPH_REDIS_URL")
        crawl_id = settings.get("LINKGRAPH_CRAWL_ID")
        if not url or not crawl_id:
            raise ConfigError("LINKGRAPH_REDIS_URL and LINKGRAPH_CRAWL_ID must be set")
        client = redis.Redis.from_url(url, socket_timeout=10, health_check_interval=30)
        frontier = Frontier(
            client,
            crawl_id,
            host_delay=settings.getfloat("LINKGRAPH_HOST_DELAY", defaults.LINKGRAPH_HOST_DELAY),
            host_concurrency=settings.getint(
                "LINKGRAPH_HOST_CONCURRENCY", defaults.LINKGRAPH_HOST_CONCURRENCY
            ),
            lease_timeout=settings.getfloat(
                "LINKGRAPH_LEASE_TIMEOUT", defaults.LINKGRAPH_LEASE_TIMEOUT
            ),
        )
        worker = settings.get("LINKGRAPH_WORKER_ID") or f"{socket.gethostname()}-{id(crawler):x}"
        scheduler = cls(
            frontier,
            crawler,
            worker=worker,
            obey_robots=settings.getbool("LINKGRAPH_OBEY_ROBOTS", defaults.LINKGRAPH_OBEY_ROBOTS),
            robots_retry=settings.getfloat(
                "LINKGRAPH_ROBOTS_RETRY", defaults.LINKGRAPH_ROBOTS_RETRY
            ),
            sitemaps=settings.getbool("LINKGRAPH_SITEMAPS", defaults.LINKGRAPH_SITEMAPS),
        )
        crawler.frontier_scheduler = scheduler  # type: ignore[attr-defined]
        return scheduler

    # -- BaseScheduler --------------------------------------------------------------------------

    def open(self, spider: Spider) -> None:
        self.frontier.ping()
        meta = self.frontier.meta()  # FrontierLost: fail now, not mid-crawl
        self.frontier.max_pages = int(meta.get("max_pages", self.frontier.max_pages) or 0)
        self.frontier.max_pages_per_host = int(
            meta.get("max_pages_per_host", self.frontier.max_pages_per_host) or 0
        )
        self.spider = spider
        self.crawler.signals.connect(self._on_durable, signal=records_durable)
        self.crawler.signals.connect(self._on_idle, signal=signals.spider_idle)
        self._loop = task.LoopingCall(self._tick)
        self._loop.start(TICK, now=False)
        log.info(
            "worker %s joined crawl %s on %s",
            self.worker,
            self.frontier.crawl_id,
            self.frontier.url,
        )

    def close(self, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self.lost is None:
            if self._ended:
                self._flush_ended()
            self._flush_acks()
        if self.lost is not None:  # nothing left to hand back to
            return
        try:
            released = self.frontier.release(self._held.values()) if self._held else 0
            self.frontier.heartbeat(
                self.worker, {**self._heartbeat_info(), "state": "stopped", "reason": reason}
            )
        except FrontierError as exc:
            log.warning("could not hand %d leases back (will expire): %s", len(self._held), exc)
            return
        if released:
            log.info("handed %d unfinished leases back to the frontier", released)
        self._held.clear()

    def has_pending_requests(self) -> bool:
        return bool(self._buffer)

    def enqueue_request(self, request: scrapy.Request) -> bool:
        lease = request.meta.get("lease")
        if lease is not None:  # a retry of a leased request: it keeps its lease
            self._buffer.append(request)
            return True
        try:
            entry = {
                "url": canonicalize(request.url),
                "depth": request.meta.get("depth", 0),
                "hops": 0,
            }
        except ValueError:
            self.frontier.incr("bad_entries")
            return False
        return self.frontier.enqueue([entry]) > 0

    def next_request(self) -> scrapy.Request | None:
        # Lease when a quarter of the worker's slots are free, not at each one: a Redis round
        # trip per few pages instead of one per page (the downloader stays fed meanwhile).
        if (
            not self._buffer
            and time.monotonic() >= self._empty_until
            and self._free_slots() >= self._lease_at
        ):
            self._refill()
        return self._buffer.popleft() if self._buffer else None

    # -- leasing ----------------------------------------------------------------------------------

    def wake(self) -> None:
        """Something changed (a slot freed, children queued): the next poll leases again."""
        self._empty_until = 0.0

    def ended(self, lease: Lease) -> None:
        """The lease's download ended: its host slot frees with the next lease call (one round
        trip for both), or at the next tick (50 ms) if no lease call comes first."""
        self._ended.append(lease)
        self.wake()

    def _flush_ended(self) -> None:
        ended, self._ended = self._ended, []
        try:
            self.frontier.fetched(ended)
        except FrontierError as exc:  # the ack frees the slots too, or the leases expire
            retrying(f"freeing {len(ended)} host slots", exc)

    def _free_slots(self) -> int:
        engine = self.crawler.engine
        active = len(engine.downloader.active) if engine is not None else 0
        return max(0, min(BATCH, self._slots - active))

    def _refill(self) -> None:
        try:
            leases = self.frontier.lease(self.worker, max(1, self._free_slots()), self._ended)
            self._ended = []
        except FrontierError as exc:
            retrying("lease", exc)
            self._empty_until = time.monotonic() + 1.0
            return
        if not leases:
            self._empty_until = time.monotonic() + TICK
            return
        for lease in leases:
            self._held[lease.token] = lease
            self._admit(lease)

    def _admit(self, lease: Lease) -> None:
        """Send the page, or first its robots.txt, or skip it, or wait."""
        if self.robots is None:
            self._buffer.append(self._page_request(lease))
            return
        try:
            self._admit_by_robots(lease, self.robots)
        except FrontierError as exc:
            retrying("robots.txt check", exc)
            self._robots_waiting.append(lease)

    def _admit_by_robots(self, lease: Lease, robots: rb.RobotsCache) -> None:
        decision = robots.check(lease.url)
        if decision == rb.ALLOW:
            self._buffer.append(self._page_request(lease))
        elif decision == rb.DISALLOW:
            self._finish(lease, [], "robots_blocked")
        elif decision == rb.FETCH:
            self._buffer.append(self._robots_request(lease, rb.robots_url(lease.url), 0))
        elif decision == rb.WAIT:
            self._robots_waiting.append(lease)
        else:  # UNAVAILABLE: robots.txt answered 5xx lately; pause the host until the retry
            self.frontier.pause(lease.host, robots.retry_in(lease.url))
            self._hand_back(lease)

    def _page_request(self, lease: Lease) -> scrapy.Request:
        assert self.spider is not None
        request: scrapy.Request = self.spider.make_request(lease)  # type: ignore[attr-defined]
        return request

    def _hand_back(self, lease: Lease) -> None:
        self._held.pop(lease.token, None)
        try:
            self.frontier.release([lease])
        except FrontierError as exc:
            retrying("release (the lease will expire)", exc)

    def _finish(self, lease: Lease, children: list[dict[str, Any]], outcome: str) -> None:
        self._finish_many([(lease, children, outcome)], {})

    def _finish_many(self, acks: list[Ack], counters: dict[str, int]) -> None:
        """Acknowledge leases with their children and bump counters: one atomic Redis call."""
        for lease, _, _ in acks:
            self._held.pop(lease.token, None)
        self.wake()
        try:
            self.frontier.ack_many(acks, counters=counters)
        except FrontierLost as exc:
            self._lose(exc)
        except FrontierError as exc:
            retrying(f"ack of {len(acks)} leases", exc)
            self._pending_acks.append((acks, counters))

    def _flush_acks(self) -> None:
        pending, self._pending_acks = self._pending_acks, []
        for acks, counters in pending:
            self._finish_many(acks, counters)

    # -- robots.txt -------------------------------------------------------------------------------

    def _robots_request(self, lease: Lease, url: str, redirects: int) -> scrapy.Request:
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
        log.debug("robots.txt for %s unreachable: %s", lease.url, failure.value)
        self._robots_answer(lease, 0, b"")

    def _robots_answer(self, lease: Lease, status: int, body: bytes) -> None:
        """Store a robots.txt answer (status 0: unreachable) for every worker, then go on."""
        assert self.robots is not None
        try:
            self.robots.store(lease.url, status, body)
            delay = self.robots.crawl_delay(lease.url)
            if delay and delay > self.frontier.host_delay:
                self.frontier.set_delay(lease.host, delay)
                lease.gated = True
        except FrontierError as exc:
            retrying("robots.txt store", exc)
            self._robots_unsaved.append((lease, status, body))
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
        for lease, status, body in unsaved:
            self._robots_answer(lease, status, body)
        waiting, self._robots_waiting = self._robots_waiting, []
        for lease in waiting:
            self._admit(lease)

    # -- signals and the loop ---------------------------------------------------------------------

    def _on_durable(self, items: list[Any], **_: Any) -> None:
        """A sink batch is durable: ack its leases, queue their children, count its pages."""
        acks: list[Ack] = []
        pages = links = errors = 0
        for item in items:
            lease = getattr(item, "lease", None)
            if isinstance(lease, Lease):
                acks.append((lease, list(getattr(item, "follow", None) or []), "done"))
            page = getattr(item, "page", None)
            if page is not None:
                pages += 1
                errors += bool(page.error)
            links += len(getattr(item, "links", None) or [])
        self._finish_many(acks, {"pages": pages, "links": links, "errors": errors})

    def _on_idle(self, spider: Spider) -> None:
        if self._buffer or self._robots_waiting or self._robots_unsaved or self._pending_acks:
            raise DontCloseSpider
        try:
            if not self.frontier.done():
                raise DontCloseSpider
        except FrontierLost as exc:
            self._lose(exc)
        except FrontierError as exc:
            retrying("end-of-crawl check", exc)
            raise DontCloseSpider from exc

    def _lose(self, exc: FrontierLost) -> None:
        """The crawl's frontier vanished: stop with reason "frontier_lost", never "finished"."""
        if self.lost is not None:
            return
        self.lost = exc
        log.error("%s", exc)
        self._stats.set_value("linkgraph/frontier_lost", 1)
        if self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="frontier_lost"))

    def _nudge(self) -> None:
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            slot.nextcall.schedule()

    def _tick(self) -> None:
        if self._ended:
            self._flush_ended()
        if self._pending_acks:
            self._flush_acks()
        if self._robots_waiting or self._robots_unsaved:
            self._recheck_robots()
        now = time.monotonic()
        if now >= self._next_maintenance:
            self._next_maintenance = now + MAINTENANCE
            self._maintain()
        if self._buffer or now >= self._empty_until:
            self._nudge()

    def _heartbeat_info(self) -> dict[str, Any]:
        """What `linkgraph status` shows of this worker: pages so far and the recent rate."""
        pages = int(self._stats.get_value("linkgraph/pages", 0) or 0)
        now = time.monotonic()
        last_pages, last_time = self._rate_mark
        rate = (pages - last_pages) / (now - last_time) if now > last_time else 0.0
        self._rate_mark = (pages, now)
        return {
            "state": "crawling",
            "held": len(self._held),
            "pid": os.getpid(),
            "pages": pages,
            "rate": round(rate, 2),
        }

    def _maintain(self) -> None:
        try:
            returned = self.frontier.requeue_expired()
            if returned:
                log.info("returned %d expired leases to the queue", returned)
            self.frontier.heartbeat(self.worker, self._heartbeat_info())
            self.frontier.meta()
        except FrontierLost as exc:
            self._lose(exc)
        except FrontierError as exc:
            retrying("maintenance", exc)


def retrying(what: str, exc: FrontierError) -> None:
    """A failed frontier call that will be retried: an outage is logged once by the frontier
    (crawler.frontier.outage), anything else here."""
    if isinstance(exc, FrontierUnavailable):
        log.debug("%s failed, will retry: %s", what, exc)
    else:
        log.warning("%s failed, will retry: %s", what, exc)
