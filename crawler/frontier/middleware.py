"""Downloader middleware: the frontier's download gate and host-slot release.

For every request carrying a frontier lease (``request.meta["lease"]``):

- before download, when the host has a delay, the gate (crawler.frontier.politeness) holds
  the request until the host's delay since the last request START has passed, across all
  workers, and records this start (robots.txt requests always pass the gate);
- when the response or final exception arrives, the lease's host concurrency slot frees
  (``Frontier.fetched``), at download end rather than at ack;
- a 429 or 503 with Retry-After pauses the host for that long (capped at an hour) for everyone.

Enable it early in the chain (e.g. priority 50), so it sees final responses after the retry
middleware has decided (a retried request keeps its slot) and records the start just before the
download: ``DOWNLOADER_MIDDLEWARES = {"crawler.frontier.middleware.HostSlotMiddleware": 50}``.
"""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater

from crawler.errors import FrontierError
from crawler.frontier.queue import Frontier, Lease
from crawler.frontier.scheduler import FrontierScheduler

log = logging.getLogger(__name__)

GATE_WAIT_CAP = 5.0  # seconds per sleep at the gate before asking Redis again


def retry_after(value: bytes | None, now: float) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        return max(0.0, parsedate_to_datetime(text).timestamp() - now)
    except (TypeError, ValueError):
        return None


class HostSlotMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostSlotMiddleware:
        if not crawler.settings.get("LINKGRAPH_CRAWL_ID"):
            raise NotConfigured("no frontier crawl")
        return cls(crawler)

    @property
    def scheduler(self) -> FrontierScheduler | None:
        return getattr(self.crawler, "frontier_scheduler", None)

    @property
    def frontier(self) -> Frontier | None:
        scheduler = self.scheduler
        return scheduler.frontier if scheduler is not None else None

    async def process_request(self, request: Request) -> None:
        lease = request.meta.get("lease")
        frontier = self.frontier
        if not isinstance(lease, Lease) or frontier is None:
            return
        if not (lease.gated or request.meta.get("linkgraph_robots")):
            return
        while True:
            try:
                wait = frontier.start_wait(lease.host)
            except FrontierError as exc:
                log.warning("download gate unavailable, waiting: %s", exc)
                wait = 1.0
            if wait <= 0:
                return
            await maybe_deferred_to_future(
                deferLater(reactor, min(wait, GATE_WAIT_CAP), lambda: None)
            )

    def process_response(self, request: Request, response: Response) -> Response:
        self._ended(request, response)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._ended(request, None)

    def _ended(self, request: Request, response: Response | None) -> None:
        lease = request.meta.get("lease")
        frontier = self.frontier
        if not isinstance(lease, Lease) or frontier is None:
            return
        try:
            if response is not None and response.status in (429, 503):
                self._pause(frontier, lease, response)
            if not request.meta.get("linkgraph_robots"):  # robots.txt runs under the page's slot
                frontier.fetched(lease)
                if self.scheduler is not None:
                    self.scheduler.wake()
        except FrontierError as exc:
            log.warning(
                "could not free the host slot of %s (the lease will expire): %s", lease.url, exc
            )

    def _pause(self, frontier: Frontier, lease: Lease, response: Response) -> None:
        seconds = retry_after(response.headers.get(b"Retry-After"), time.time())
        if seconds:
            log.info(
                "%s answered %d: pausing %s for %.0f s",
                lease.url,
                response.status,
                lease.host,
                seconds,
            )
            frontier.pause(lease.host, seconds)
            self.crawler.stats.inc_value("linkgraph/host_paused")
