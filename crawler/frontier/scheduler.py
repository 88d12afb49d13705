"""The Scrapy scheduler that feeds a worker from the shared Redis frontier.

It leases a few entries at a time into a local buffer (one Lua call each time), turns each into
a Request with ``spider.make_request(lease)``, and acknowledges the lease on `records_durable`
(the sink's "these records are safe") together with the page's children. A 50 ms loop nudges the
engine while work may be waiting (Scrapy itself polls the scheduler only on its 5 s heartbeat
and after responses), renews the leases it holds every third of the lease timeout (a slow
download never outlives its lease), and every few seconds returns expired leases and sends a
heartbeat.

A worker whose crawl has nothing left but hosts paused past LINKGRAPH_PAUSE_LIMIT ends, their
URLs recorded as deferred (crawler.frontier.pauses).

robots.txt and sitemaps: before a host's first page the scheduler fetches them itself, under
the page's lease (crawler.frontier.sitefiles, mixed in here); the storage it leases from and
acknowledges to is crawler.frontier.queue.

On close it hands its unfinished leases back to the queue; it never clears shared state.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.spiders import Spider
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater

from crawler import settings as defaults
from crawler.errors import ConfigError, FrontierError, FrontierLost, FrontierUnavailable
from crawler.frontier import robots as rb
from crawler.frontier.connection import connect
from crawler.frontier.outage import retrying
from crawler.frontier.queue import Frontier, Lease
from crawler.frontier.sitefiles import SiteFiles
from crawler.records import ROBOTS_BLOCKED
from crawler.signals import records_durable
from crawler.urls.canonical import canonicalize

log = logging.getLogger(__name__)

Ack = tuple[Lease, list[dict[str, Any]], str | dict[str, int]]  # as crawler.frontier.entries

BATCH = 16  # leases per Redis call, at most
TICK = 0.05  # seconds between nudges of the engine
MAINTENANCE = 5.0  # seconds between heartbeats / expired-lease sweeps
JOIN_RETRY = 0.5  # seconds between tries to join a crawl whose Redis is unreachable
AGENT = "linkgraph"  # the robots.txt product token


class FrontierScheduler(SiteFiles):
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
        pause_limit: float = defaults.LINKGRAPH_PAUSE_LIMIT,
    ) -> None:
        self.frontier = frontier
        self.pause_limit = pause_limit
        self.crawler = crawler
        self.worker = worker
        self.robots = (
            rb.RobotsCache(
                frontier.client, frontier.prefix_of, AGENT, retry=robots_retry, call=frontier.call
            )
            if obey_robots
            else None
        )
        self.sitemaps = sitemaps and obey_robots
        self.spider: Spider | None = None
        self.lost: FrontierLost | None = None
        self._buffer: deque[scrapy.Request] = deque()
        self._held: dict[str, Lease] = {}  # leases this worker holds, by ident
        self._robots_waiting: list[Lease] = []
        self._robots_unsaved: list[tuple[Lease, int, bytes, str]] = []  # answers Redis missed
        self._pending_acks: list[tuple[list[Ack], dict[str, int]]] = []
        self._ended: list[Lease] = []  # downloads ended, host slots to free with the next call
        self._empty_until = 0.0
        self._next_maintenance = 0.0
        # A third of the lease: two renewals may fail (Redis blips) before a lease expires.
        self._renew_every = frontier.lease_timeout / 3
        self._next_renewal = time.monotonic() + self._renew_every
        self._rate_mark = (0, time.monotonic())
        self._loop: task.LoopingCall | None = None
        self._refusal: Callable[..., None] | None = None
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
        client = connect(url, strict=False, socket_timeout=10, health_check_interval=30)
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
            pause_limit=settings.getfloat("LINKGRAPH_PAUSE_LIMIT", defaults.LINKGRAPH_PAUSE_LIMIT),
        )
        crawler.frontier_scheduler = scheduler  # type: ignore[attr-defined]
        return scheduler

    # -- BaseScheduler --------------------------------------------------------------------------

    def open(self, spider: Spider) -> Deferred[None]:
        self.spider = spider
        return deferred_from_coro(self._join())

    async def _join(self) -> None:
        """Read the crawl's meta (its budgets, its shards), then start the loop.

        A worker that starts while the frontier's Redis is unreachable (a slow start under load,
        Redis restarting) waits as a running worker does, and joins when Redis answers; one
        whose crawl is gone (FrontierLost) ends at once with reason "frontier_lost", not
        mid-crawl. It ends by CloseSpider from spider_opened, which Scrapy honours once the
        spider is open: raised here, an error (CloseSpider too) skips the scraper's start and
        the close that follows fails with tracebacks.
        """
        while True:
            try:
                self.frontier.adopt(self.frontier.meta())
                break
            except FrontierLost as exc:
                self._record_lost(exc)
                self._refuse(CloseSpider("frontier_lost"))
                return
            except FrontierUnavailable as exc:
                retrying("joining the crawl", exc)
            if not self.crawler.crawling:  # stopped (SIGTERM) while waiting
                self._refuse(CloseSpider("shutdown"))
                return
            from twisted.internet import reactor  # Scrapy's, installed by now

            await maybe_deferred_to_future(deferLater(reactor, JOIN_RETRY, lambda: None))
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

    def _refuse(self, why: CloseSpider) -> None:
        """Close the spider as soon as it is open, for `why`."""

        def opened(**_: Any) -> None:
            raise why

        self._refusal = opened  # the signal holds its receivers weakly
        self.crawler.signals.connect(opened, signal=signals.spider_opened)

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
            self._held[lease.ident] = lease
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
        elif decision == rb.DISALLOW:  # refused before download; the spider records why
            request = self._page_request(lease)
            request.meta["robots_blocked"] = True
            self._buffer.append(request)
        elif decision == rb.FETCH:
            self._buffer.append(self._robots_request(lease, rb.robots_url(lease.url), 0))
        elif decision == rb.WAIT:
            self._robots_waiting.append(lease)
        else:  # UNAVAILABLE: robots.txt answered 5xx lately; pause the host until the retry
            seconds, why, key = robots.unavailable(lease.url)
            self.frontier.pause(lease.host, seconds, why, key)
            self._hand_back(lease)

    def _page_request(self, lease: Lease) -> scrapy.Request:
        assert self.spider is not None
        request: scrapy.Request = self.spider.make_request(lease)  # type: ignore[attr-defined]
        return request

    def _hand_back(self, lease: Lease) -> None:
        self._held.pop(lease.ident, None)
        try:
            self.frontier.release([lease])
        except FrontierError as exc:
            retrying("release (the lease will expire)", exc)

    def _finish_many(self, acks: list[Ack], counters: dict[str, int]) -> None:
        """Acknowledge leases with their children and bump counters: one atomic Redis call."""
        for lease, _, _ in acks:
            self._held.pop(lease.ident, None)
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

    # -- signals and the loop ---------------------------------------------------------------------

    def _on_durable(self, items: list[Any], **_: Any) -> None:
        """A sink batch is durable: ack its leases, queue their children, count its pages.

        A leased item's pages and links count with its lease (once, however often the ack is
        retried); an item without a lease counts with the batch."""
        acks: dict[str, tuple[Lease, list[dict[str, Any]], dict[str, int]]] = {}
        loose = {"pages": 0, "links": 0, "errors": 0}
        for item in items:
            lease = getattr(item, "lease", None)
            counts = loose
            if isinstance(lease, Lease):  # one page may come as several items of one lease
                held = acks.setdefault(lease.ident, (lease, [], {"done": 1}))
                held[1].extend(getattr(item, "follow", None) or [])
                counts = held[2]
            page = getattr(item, "page", None)
            if page is not None and page.error == ROBOTS_BLOCKED:  # stored, never fetched
                counts.pop("done", None)
                counts["robots_blocked"] = counts.get("robots_blocked", 0) + 1
            elif page is not None:
                counts["pages"] = counts.get("pages", 0) + 1
                counts["errors"] = counts.get("errors", 0) + bool(page.error)
            counts["links"] = counts.get("links", 0) + len(getattr(item, "links", None) or [])
        self._finish_many(list(acks.values()), loose)

    def _on_idle(self, spider: Spider) -> None:
        if self._buffer or self._robots_waiting or self._robots_unsaved or self._pending_acks:
            raise DontCloseSpider
        try:
            if not self.frontier.done() and not self._only_paused_left():
                raise DontCloseSpider
        except FrontierLost as exc:
            self._lose(exc)
        except FrontierError as exc:
            retrying("end-of-crawl check", exc)
            raise DontCloseSpider from exc

    def _only_paused_left(self) -> bool:
        """True (recorded, logged) when the crawl's only work left is on hosts paused past
        `pause_limit`: the crawl ends rather than wait in silence, and a resume retries them."""
        if self.pause_limit <= 0:
            return False
        deferred = self.frontier.deferred(self.pause_limit)
        if deferred is None:
            return False
        self.frontier.record_deferred(deferred)
        self._stats.set_value("linkgraph/deferred", sum(deferred.values()))
        log.warning(
            "only hosts paused longer than %.0f s are left; ending with URLs deferred: %s",
            self.pause_limit,
            ", ".join(f"{n} ({why})" for why, n in sorted(deferred.items())),
        )
        return True

    def _record_lost(self, exc: FrontierLost) -> bool:
        """Note that the crawl's frontier vanished (once: False if it was noted already)."""
        if self.lost is not None:
            return False
        self.lost = exc
        log.error("%s", exc)
        self._stats.set_value("linkgraph/frontier_lost", 1)
        return True

    def _lose(self, exc: FrontierLost) -> None:
        """The crawl's frontier vanished: stop with reason "frontier_lost", never "finished"."""
        if self._record_lost(exc) and self.crawler.engine is not None:
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
        if now >= self._next_renewal:
            self._next_renewal = now + self._renew_every
            self._renew()
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

    def _renew(self) -> None:
        """Renew every lease this worker holds (downloads in flight, requests waiting for their
        turn or their robots.txt): a download never outlives its lease, so a slow host is not
        handed to another worker mid-download and fetched again and again."""
        if not self._held:
            return
        try:
            self.frontier.renew(list(self._held.values()))
        except FrontierLost as exc:
            self._lose(exc)
        except FrontierError as exc:
            retrying("lease renewal", exc)

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
