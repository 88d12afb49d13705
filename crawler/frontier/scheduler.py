"""The Scrapy scheduler that feeds a worker from the shared Redis frontier.

It leases a few entries at a time into a local buffer (one Lua call each time), turns each into
a Request with ``spider.make_request(lease)``, and acknowledges the lease on `records_durable`
(the sink's "these records are safe") together with the page's children. A 50 ms loop nudges the
engine while work may be waiting (Scrapy itself polls the scheduler only on its 5 s heartbeat
and after responses), and every few seconds returns expired leases and sends a heartbeat.

robots.txt: before a host's first page, the scheduler sends the robots.txt Request itself (its
own callback, under the page's lease, through the same download gate), stores the answer in
Redis for every worker, then sends or skips the page. See crawler.frontier.robots.

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
from twisted.internet import task
from twisted.python.failure import Failure

from crawler.errors import ConfigError, FrontierError, FrontierLost
from crawler.frontier import robots as rb
from crawler.frontier.queue import Frontier, Lease
from crawler.signals import records_durable
from crawler.urls import canonicalize

log = logging.getLogger(__name__)

Ack = tuple[Lease, list[dict[str, Any]], str]  # a lease, its children, its outcome counter

BATCH = 16  # leases per Redis call, at most
TICK = 0.05  # seconds between nudges of the engine
MAINTENANCE = 5.0  # seconds between heartbeats / expired-lease sweeps
ROBOTS_REDIRECTS = 5
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
        robots_retry: float = 300.0,
    ) -> None:
        self.frontier = frontier
        self.crawler = crawler
        self.worker = worker
        self.robots = (
            rb.RobotsCache(frontier.client, frontier.prefix, AGENT, retry=robots_retry)
            if obey_robots
            else None
        )
        self.spider: Spider | None = None
        self.lost: FrontierLost | None = None
        self._buffer: deque[scrapy.Request] = deque()
        self._held: dict[str, Lease] = {}  # leases this worker holds, by token
        self._robots_waiting: list[Lease] = []
        self._pending_acks: list[tuple[list[Ack], dict[str, int]]] = []
        self._empty_until = 0.0
        self._next_maintenance = 0.0
        self._rate_mark = (0, time.monotonic())
        self._loop: task.LoopingCall | None = None
        self._stats = crawler.stats

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
            host_delay=settings.getfloat("LINKGRAPH_HOST_DELAY"),
            host_concurrency=settings.getint("LINKGRAPH_HOST_CONCURRENCY", 1),
            lease_timeout=settings.getfloat("LINKGRAPH_LEASE_TIMEOUT", 60.0),
        )
        worker = settings.get("LINKGRAPH_WORKER_ID") or f"{socket.gethostname()}-{id(crawler):x}"
        scheduler = cls(
            frontier,
            crawler,
            worker=worker,
            obey_robots=settings.getbool("LINKGRAPH_OBEY_ROBOTS", True),
            robots_retry=settings.getfloat("LINKGRAPH_ROBOTS_RETRY", 300.0),
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
        self._flush_acks()
        try:
            released = self.frontier.release(self._held.values())
            self.frontier.heartbeat(
                self.worker, {**self._heartbeat_info(), "state": "stopped", "reason": reason}
            )
        except FrontierError as exc:
            log.warning("could not hand %d leases back: %s", len(self._held), exc)
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
        if not self._buffer and time.monotonic() >= self._empty_until:
            self._refill()
        return self._buffer.popleft() if self._buffer else None

    # -- leasing ----------------------------------------------------------------------------------

    def wake(self) -> None:
        """Something changed (a slot freed, children queued): the next poll leases again."""
        self._empty_until = 0.0

    def _free_slots(self) -> int:
        engine = self.crawler.engine
        total = self.crawler.settings.getint("CONCURRENT_REQUESTS", 16)
        active = len(engine.downloader.active) if engine is not None else 0
        return max(1, min(BATCH, total - active))

    def _refill(self) -> None:
        try:
            leases = self.frontier.lease(self.worker, self._free_slots())
        except FrontierError as exc:
            log.warning("lease failed: %s", exc)
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
        decision = self.robots.check(lease.url)
        if decision == rb.ALLOW:
            self._buffer.append(self._page_request(lease))
        elif decision == rb.DISALLOW:
            self._finish(lease, [], "robots_blocked")
        elif decision == rb.FETCH:
            self._buffer.append(self._robots_request(lease, rb.robots_url(lease.url), 0))
        elif decision == rb.WAIT:
            self._robots_waiting.append(lease)
        else:  # UNAVAILABLE: robots.txt answered 5xx lately; pause the host until the retry
            self.frontier.pause(lease.host, self.robots.retry_in(lease.url))
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
            log.warning("release failed (the lease will expire): %s", exc)

    def _finish(self, lease: Lease, children: list[dict[str, Any]], outcome: str) -> None:
        self._finish_many([(lease, children, outcome)], {})

    def _finish_many(self, acks: list[Ack], counters: dict[str, int]) -> None:
        """Acknowledge leases with their children and bump counters: one atomic Redis call."""
        for lease, _, _ in acks:
            self._held.pop(lease.token, None)
        self.wake()
        try:
            self.frontier.ack_many(acks, counters=counters)
        except FrontierError as exc:
            log.warning("ack of %d leases failed, will retry: %s", len(acks), exc)
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
            self.robots.allow_all(lease.url)
        else:
            status = response.status if response.status < 300 or response.status >= 400 else 404
            self.robots.store(lease.url, status, response.body)
        self._robots_known(lease)

    def _robots_failure(self, failure: Failure) -> None:
        assert self.robots is not None
        lease: Lease = failure.request.meta["lease"]  # type: ignore[attr-defined]
        log.debug("robots.txt for %s unreachable: %s", lease.url, failure.value)
        self.robots.store(lease.url, 0, b"")
        self._robots_known(lease)

    def _robots_known(self, lease: Lease) -> None:
        assert self.robots is not None
        delay = self.robots.crawl_delay(lease.url)
        if delay and delay > self.frontier.host_delay:
            self.frontier.set_delay(lease.host, delay)
            lease.gated = True
        self._admit(lease)
        self._nudge()

    def _recheck_robots(self) -> None:
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
        if self._buffer or self._robots_waiting or self._pending_acks:
            raise DontCloseSpider
        try:
            if not self.frontier.done():
                raise DontCloseSpider
        except FrontierLost as exc:
            self._lose(exc)
        except FrontierError as exc:
            log.warning("frontier unavailable, waiting: %s", exc)
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
        if self._pending_acks:
            self._flush_acks()
        if self._robots_waiting:
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
            log.warning("frontier maintenance failed: %s", exc)
