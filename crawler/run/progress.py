"""Progress lines while a crawl runs, and its summary at the end, from the shared counters.

A line names what the crawl waits on when hosts are paused, per reason (crawler.frontier.pauses):

    [00:04] pages 12 (0.0/s)  links 40  frontier 3 queued, 0 leased  errors 0
      paused: 1 host until 03:21:07 (robots.txt 502)
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


def format_count(value: int) -> str:
    return f"{value:,}"


def plural(n: int, word: str) -> str:
    return f"{format_count(n)} {word}{'' if n == 1 else 's'}"


def paused_line(pauses: list[tuple[str, int, float]]) -> str:
    """ "paused: 2 hosts until 03:21:07 (robots.txt 502), ..." ("" when none is paused): the
    latest end per reason, in local time."""
    groups = [
        f"{plural(hosts, 'host')} until {time.strftime('%H:%M:%S', time.localtime(until))} ({why})"
        for why, hosts, until in pauses
    ]
    return "paused: " + ", ".join(groups) if groups else ""


def deferred_line(deferred: dict[str, int]) -> str:
    """ "3 URLs deferred on paused hosts: 2 robots.txt 502, 1 proxy refused" ("" for none)."""
    if not deferred:
        return ""
    parts = ", ".join(f"{format_count(n)} {why}" for why, n in sorted(deferred.items()))
    return f"{plural(sum(deferred.values()), 'URL')} deferred on paused hosts: {parts}"


class Progress:
    """Prints one line every `interval` seconds (at most) from `counts()` of the frontier."""

    def __init__(self, frontier: Any, *, interval: float = 2.0, out: TextIO = sys.stderr) -> None:
        self.frontier = frontier
        self.interval = interval
        self.out = out
        self.started = time.monotonic()
        self.last_print = 0.0
        self.last_pages = 0
        self.last_time = self.started

    def tick(self, force: bool = False) -> dict[str, int]:
        counts = self.frontier.counts()
        now = time.monotonic()
        if force or now - self.last_print >= self.interval:
            paused = paused_line(self.frontier.pauses(time.time()))
            self.out.write(self.line(counts, now) + (f"\n  {paused}" if paused else "") + "\n")
            self.out.flush()
            self.last_print = now
        return counts

    def line(self, counts: dict[str, int], now: float) -> str:
        pages = int(counts.get("pages", 0))
        rate = (pages - self.last_pages) / max(now - self.last_time, 1e-9)
        self.last_pages, self.last_time = pages, now
        elapsed = int(now - self.started)
        return (
            f"[{elapsed // 60:02d}:{elapsed % 60:02d}] pages {format_count(pages)}"
            f" ({rate:.1f}/s)  links {format_count(int(counts.get('links', 0)))}"
            f"  frontier {format_count(int(counts.get('queued', 0)))} queued"
            f", {format_count(int(counts.get('leased', 0)))} leased"
            f"  errors {format_count(int(counts.get('errors', 0)))}"
        )

    def summary(self, counts: dict[str, int]) -> str:
        elapsed = time.monotonic() - self.started
        pages = int(counts.get("pages", 0))
        return (
            f"crawl finished: {format_count(pages)} pages, "
            f"{format_count(int(counts.get('links', 0)))} links, "
            f"{format_count(int(counts.get('errors', 0)))} errors, "
            f"{format_count(int(counts.get('robots_blocked', 0)))} blocked by robots.txt "
            f"in {elapsed:.1f} s ({pages / max(elapsed, 1e-9):.1f} pages/s)"
        )
