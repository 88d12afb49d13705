"""`linkgraph status`: a crawl's frontier as the operator sees it.

Reads a running crawl's Redis; for an embedded crawl that is not running, starts its Valkey on
the data directory just long enough to read the saved frontier. Prints one ``name: value`` line
per figure, then the busiest hosts and the workers::

    crawl c1a2b3: stopped (run `linkgraph crawl --data DIR` to resume)
      queued: 1,204
      leased: 0
      done: 3,311
      ...
      paused: 2 hosts until 03:21:07 (robots.txt 502)
      3 URLs deferred on paused hosts: 3 robots.txt 502
      rate: 88.4 pages/s over the crawl, 0.0 pages/s now (0 live workers)
      busiest host: a.example (410 queued)
      worker w1-0: stopped, 3,311 pages, last seen 12 s ago
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from crawler.config import CrawlConfig
from crawler.errors import (
    ConfigError,
    CrawlNotFound,
    FrontierError,
    FrontierLost,
    FrontierUnavailable,
)
from crawler.frontier.connection import FrontierClient
from crawler.frontier.queue import Frontier, current_crawl
from crawler.run.crawl import (
    connect_redis,
    frontier_url_file,
    join_frontier,
    running_frontier_url,
)
from crawler.run.embedded import EmbeddedRedis, server_running
from crawler.run.progress import deferred_line, paused_line
from crawler.terminal import visible

FIGURES = ("queued", "leased", "done", "errors", "pages", "links", "seen", "robots_blocked")
BUSIEST = 5
# Seconds a status read waits for its own process's crawl to start or stop its frontier server.
CRAWL_SERVER_WAIT = 30.0


@contextlib.contextmanager
def frontier_client(data: Path, redis_url: str) -> Iterator[FrontierClient]:
    if redis_url:
        yield connect_redis(redis_url)
        return
    running = running_frontier_url(data)
    if running:
        yield connect_redis(running)
        return
    if not (data / "frontier").is_dir():
        raise ConfigError(f"no crawl at {data}: give --data DIR of a crawl, or --redis URL")
    # No wait for another server's lock: a crawl starting on the directory holds it.
    with EmbeddedRedis(data / "frontier", password=True, lock_wait=0.0) as server:
        yield connect_redis(server.url)


def status(frontier: Frontier, now: float | None = None) -> dict[str, Any]:
    """The figures `linkgraph status` prints, as plain values."""
    now = time.time() if now is None else now
    counts = frontier.counts()
    live = [w for w in frontier.workers() if w.get("state") != "stopped"]
    every = _all_workers(frontier)
    created = counts.get("created", 0)
    last = max([w.get("ts", 0.0) for w in every] or [now])
    span = max((now if live else last) - created, 1e-9) if created else 0.0
    deferred = frontier.recorded_deferred()
    state = "running" if live else ("deferred" if deferred else "stopped")
    return {
        "crawl_id": frontier.crawl_id,
        "state": "done" if frontier.done() else state,
        "counts": counts,
        "busiest": frontier.busiest_hosts(BUSIEST),
        "waiting": waiting_hosts(frontier, BUSIEST, now),
        "paused": [list(group) for group in frontier.pauses(now)],
        "deferred": deferred,
        "live_workers": live,
        "workers": every,
        "rate": counts["pages"] / span if span else 0.0,
        "rate_now": sum(float(w.get("rate", 0.0)) for w in live),
        "now": now,
    }


def waiting_hosts(frontier: Frontier, n: int, now: float) -> list[tuple[str, float]]:
    """The `n` hosts politeness holds back longest, as (host, seconds until the next fetch)."""
    held: list[tuple[bytes, float]] = frontier.client.zrevrange(  # type: ignore[assignment]
        frontier.key("wait"), 0, n - 1, withscores=True
    )
    return [(host.decode(), round(max(at - now, 0.0), 3)) for host, at in held]


def _all_workers(frontier: Frontier) -> list[dict[str, Any]]:
    """Every worker that ever sent a heartbeat, live or not."""
    infos = frontier.client.hgetall(frontier.key("workers"))
    return sorted((json.loads(v) for v in infos.values()), key=lambda w: str(w.get("worker")))


def print_status(report: dict[str, Any], out: TextIO) -> None:
    counts = report["counts"]
    hint = " (run `linkgraph crawl` with the same --data/--redis to resume)"
    state = report["state"]
    resumes = state in ("stopped", "deferred")
    out.write(f"crawl {report['crawl_id']}: {state}{hint if resumes else ''}\n")
    for name in FIGURES:
        out.write(f"  {name}: {counts.get(name, 0):,}\n")
    paused = paused_line(report.get("paused", []))
    if paused:
        out.write(f"  {visible(paused)}\n")
    if report.get("deferred"):
        out.write(f"  {visible(deferred_line(report['deferred']))}\n")
    out.write(
        f"  rate: {report['rate']:.1f} pages/s over the crawl, {report['rate_now']:.1f} pages/s"
        f" now ({len(report['live_workers'])} live workers)\n"
    )
    for host, queued in report["busiest"]:
        out.write(f"  busiest host: {visible(host)} ({queued:,} queued)\n")
    live = {w.get("worker") for w in report["live_workers"]}
    for worker in report["workers"]:
        name = worker.get("worker")
        state = "live" if name in live else "stopped"
        ago = report["now"] - float(worker.get("ts", 0.0))
        out.write(
            f"  worker {visible(str(name))}: {state}, {int(worker.get('pages', 0)):,} pages, "
            f"{float(worker.get('rate', 0.0)):.1f} pages/s, last seen {ago:.0f} s ago\n"
        )


def show_status(data: Path, redis_url: str, crawl_id: str, out: TextIO | None = None) -> int:
    with frontier_client(data, redis_url) as client:
        crawl_id = crawl_id or current_crawl(client) or ""
        if not crawl_id:
            raise ConfigError("no crawl found in this frontier")
        # FrontierLost: say the data is gone, not "0 queued"
        frontier, _ = join_frontier(client, CrawlConfig(crawl_id=crawl_id))
        print_status(status(frontier), out or sys.stdout)
    return 0


def crawl_status(
    data: Path,
    redis_url: str,
    crawl_id: str = "",
    crawling: threading.Event | None = None,
    wait: float = CRAWL_SERVER_WAIT,
) -> dict[str, Any]:
    """`status()` of the crawl `crawl_id` (default: the frontier's current one); CrawlNotFound
    when there is none, as `linkgraph serve` answers 404 rather than start a frontier.

    `crawling` set: this process runs the crawl on `data`; its embedded server is read, once it
    has written its URL (or, once it has stopped, a server of our own), never beside it. While
    a crawl's server starts or stops (its lock held, its URL not written or just removed, or
    gone in the middle of the read), the read is tried again for up to `wait` seconds, then
    FrontierUnavailable (the API's 503: try again).
    """
    if redis_url:
        with frontier_client(data, redis_url) as client:
            return _status_of(client, crawl_id)
    deadline = time.monotonic() + wait
    while (report := _embedded_status(data, crawl_id, crawling)) is None:
        if time.monotonic() >= deadline:
            raise FrontierUnavailable(
                f"the crawl at {data} is starting or stopping its frontier server: try again"
            )
        time.sleep(0.05)
    return report


def _embedded_status(
    data: Path, crawl_id: str, crawling: threading.Event | None
) -> dict[str, Any] | None:
    """The status read from `data`'s embedded frontier, or None while its crawl's server is
    starting or stopping (read again soon)."""
    running = running_frontier_url(data)
    if crawling is not None and crawling.is_set() and not running:
        return None  # our crawl has not written its server's URL yet
    if not frontier_url_file(data).exists() and not (data / "frontier").is_dir():
        raise CrawlNotFound(f"no crawl at {data}")
    if not running and server_running(data / "frontier"):
        # A second server on the directory would have to wait on its lock for as long as the
        # crawl runs.
        return None
    try:
        with frontier_client(data, "") as client:
            return _status_of(client, crawl_id)
    except FrontierError:
        if server_running(data / "frontier"):  # it started, or is stopping, under the read
            return None
        raise


def _status_of(client: FrontierClient, crawl_id: str) -> dict[str, Any]:
    crawl_id = crawl_id or current_crawl(client) or ""
    if not crawl_id:
        raise CrawlNotFound("no crawl found in this frontier")
    try:  # its recorded shards: status sums every one
        frontier, _ = join_frontier(client, CrawlConfig(crawl_id=crawl_id))
    except FrontierLost as exc:
        raise CrawlNotFound(f"no crawl {crawl_id!r} in this frontier") from exc
    return status(frontier)
