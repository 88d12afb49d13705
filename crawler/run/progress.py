"""Progress lines while a crawl runs, and its summary at the end, from the shared counters."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


def format_count(value: int) -> str:
    return f"{value:,}"


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
            self.out.write(self.line(counts, now) + "\n")
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
