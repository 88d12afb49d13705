"""Backoff and a few clear lines while the frontier's Redis is unreachable, instead of a flood.

Every Redis call of a `Frontier` goes through one `Outage`. The first failure logs one warning
and the next call tries again; from the second failure on, an exponential backoff (0.1 s
doubling to 5 s) makes calls fail at once without touching the network (a Redis behind a dead
link would otherwise hold the worker's reactor for a timeout per call). A reminder is logged
every 15 s, and one line when Redis answers again. Callers log their own retries at DEBUG.

    frontier Redis at redis://10.0.0.5:6379/0 unreachable: ... refused.; retrying with backoff
    frontier Redis at redis://10.0.0.5:6379/0 still unreachable after 15 s; retrying
    frontier Redis at redis://10.0.0.5:6379/0 reachable again after 21.4 s
"""

from __future__ import annotations

import logging
import time

from crawler.errors import FrontierError, FrontierUnavailable
from crawler.terminal import redacted

log = logging.getLogger(__name__)

FIRST_BACKOFF = 0.1  # seconds before the first retry
MAX_BACKOFF = 5.0
REMIND_EVERY = 15.0  # seconds between "still unreachable" lines


class Outage:
    """The state of one client's connection to the frontier's Redis: up, or down since when."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.since: float | None = None
        self.error: FrontierUnavailable | None = None
        self._backoff = FIRST_BACKOFF
        self._retry_at = 0.0
        self._remind_at = 0.0

    def check(self) -> None:
        """Raise the last FrontierUnavailable while backing off (no network round trip)."""
        if self.error is not None and time.monotonic() < self._retry_at:
            raise FrontierUnavailable(str(self.error))

    def failed(self, exc: Exception) -> FrontierUnavailable:
        """Record a failed call; returns the error to raise."""
        now = time.monotonic()
        self.error = FrontierUnavailable(
            f"frontier Redis at {redacted(self.url)} unreachable: {exc}"
        )
        if self.since is None:  # the next call tries at once: a blip costs nothing
            self.since, self._backoff = now, 0.0
            self._remind_at = now + REMIND_EVERY
            log.warning("%s; retrying with backoff", self.error)
        else:
            self._backoff = min(MAX_BACKOFF, max(FIRST_BACKOFF, self._backoff * 2))
            if now >= self._remind_at:
                self._remind_at = now + REMIND_EVERY
                log.warning(
                    "frontier Redis at %s still unreachable after %.0f s; retrying",
                    self.url,
                    now - self.since,
                )
        self._retry_at = now + self._backoff
        return self.error

    def ok(self) -> None:
        """A call succeeded: Redis is back."""
        if self.since is None:
            return
        log.warning(
            "frontier Redis at %s reachable again after %.1f s",
            self.url,
            time.monotonic() - self.since,
        )
        self.since = self.error = None


def retrying(what: str, exc: FrontierError) -> None:
    """A failed frontier call that will be retried: an outage is logged once by the frontier's
    `Outage`, so only at DEBUG here; anything else at WARNING."""
    if isinstance(exc, FrontierUnavailable):
        log.debug("%s failed, will retry: %s", what, exc)
    else:
        log.warning("%s failed, will retry: %s", what, exc)
