"""Downloader middlewares: the frontier's download gate and host-slot release.

For every request carrying a frontier lease (``request.meta["lease"]``):

- a request the scheduler marked ``meta["robots_blocked"]`` (robots.txt forbids its URL) is
  refused first (IgnoreRequest, by `HostSlotMiddleware`, which every frontier crawl has): no
  DNS, no gate, no download; the spider's errback stores it as a Page with error ROBOTS_BLOCKED;
- before download, when the host has a delay, the gate (crawler.frontier.politeness) holds
  the request until the host's delay since the last request START has passed, across all
  workers, and records this start (robots.txt requests always pass the gate);
- when the response or final exception arrives, the lease's host concurrency slot frees
  (``Frontier.fetched``), at download end rather than at ack;
- a 429 or 503 with Retry-After pauses the host for that long (capped at an hour) for everyone.

`HostSlotMiddleware` sits early in the chain (50), so it sees final responses after the retry
middleware has decided (a retried request keeps its slot). `DownloadGateMiddleware` sits last
(950), after the guard's address check and the proxy set-up: the start it records is the
request's real start, not one a DNS lookup later (which let two starts come closer than the
delay). Alone, `HostSlotMiddleware` gates too (a bare Scrapy project)::

    DOWNLOADER_MIDDLEWARES = FRONTIER_MIDDLEWARES
"""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater

from crawler import settings as defaults
from crawler.errors import FrontierError
from crawler.frontier.queue import Frontier, Lease
from crawler.frontier.scheduler import FrontierScheduler, retrying
from crawler.records import ROBOTS_BLOCKED

log = logging.getLogger(__name__)

GATE_WAIT_CAP = 5.0  # seconds per sleep at the gate before asking Redis again
GATE_PATH = "crawler.frontier.middleware.DownloadGateMiddleware"
# The frontier's part of crawler/settings.py's DOWNLOADER_MIDDLEWARES.
FRONTIER_MIDDLEWARES = {
    name: order
    for name, order in defaults.DOWNLOADER_MIDDLEWARES.items()
    if name.startswith("crawler.frontier.")
}


def retry_after(value: bytes | None, now: float) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isascii() and text.isdigit():  # "\xb2" (superscript two) is a digit to str.isdigit
        return float(text)
    try:
        return max(0.0, parsedate_to_datetime(text).timestamp() - now)
    except (TypeError, ValueError):
        return None


class _FrontierMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
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


class DownloadGateMiddleware(_FrontierMiddleware):
    """Holds a leased request until its host may start, across workers; records the start."""

    async def process_request(self, request: Request) -> None:
        await gate(self.frontier, request)


async def gate(frontier: Frontier | None, request: Request) -> None:
    """Wait until the request's host may start (across workers); its start is then recorded."""
    lease = request.meta.get("lease")
    if not isinstance(lease, Lease) or frontier is None:
        return
    if not (lease.gated or request.meta.get("linkgraph_robots")):
        return
    while True:
        try:
            wait = frontier.start_wait(lease.host)
        except FrontierError as exc:
            retrying("download gate", exc)
            wait = 1.0
        if wait <= 0:
            return
        await maybe_deferred_to_future(deferLater(reactor, min(wait, GATE_WAIT_CAP), lambda: None))


class HostSlotMiddleware(_FrontierMiddleware):
    """Frees the lease's host slot when its download ends; pauses a host on Retry-After;
    refuses a request robots.txt forbids (here: the one middleware every frontier crawl needs)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        chain = crawler.settings.getwithbase("DOWNLOADER_MIDDLEWARES")
        self.gates = GATE_PATH not in chain  # alone, it gates too (a bare Scrapy project)

    async def process_request(self, request: Request) -> None:
        if request.meta.get("robots_blocked"):  # its process_exception frees the slot
            raise IgnoreRequest(ROBOTS_BLOCKED)
        if self.gates:
            await gate(self.frontier, request)

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
            scheduler = self.scheduler
            if request.meta.get("linkgraph_robots"):  # under the page's lease and slot
                frontier.fetched(lease, free=False)
            elif scheduler is not None:
                scheduler.ended(lease)
            else:
                frontier.fetched(lease)
        except FrontierError as exc:  # the ack frees the slot too, or the lease expires
            retrying(f"freeing the host slot of {lease.url}", exc)

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
            frontier.pause(lease.host, seconds, f"Retry-After {response.status}")
            self.crawler.stats.inc_value("linkgraph/host_paused")
