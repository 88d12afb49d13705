"""Crawls started and stopped over the API (`linkgraph serve --allow-crawl`), one at a time, in
the server process's main thread.

The main thread, because an in-process crawl runs Scrapy's Twisted reactor, which wants the
main thread for its signal handlers; the server answers from its own thread meanwhile. With
the embedded store the crawl's workers must live in this process (chDB opens a directory in one
process), and Twisted's reactor runs once a process: such a server starts one crawl in its life
(the next is refused with a 409 that says to restart it). With `--clickhouse` the workers are
child processes, so crawls follow each other for as long as the server runs.

    >>> runner = CrawlRunner(make_crawl, source, once=True)             # doctest: +SKIP
    >>> runner.submit(["http://a.example/"], {"max-depth": 2})           # a server thread
    'c1a2b3c4d5e6'
    >>> runner.run_until_signal(first=None)                             # the main thread
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from crawler.errors import CrawlBusy, CrawlInterrupted, CrawlNotFound, LinkgraphError
from crawler.serve.signals import stop_signals
from crawler.serve.state import FrontierSource

if TYPE_CHECKING:
    from crawler.run.crawl import Crawl

log = logging.getLogger(__name__)

# (seeds, options named as `linkgraph crawl`'s without their dashes) -> a Crawl ready to run,
# checked as the CLI checks its words (a UsageError with argparse's message otherwise).
CrawlFactory = Callable[[list[str], dict[str, Any]], "Crawl"]


class CrawlRunner:
    """The crawls the API starts: `submit` and `stop` from the server's thread, `run_until_signal`
    in the main thread."""

    def __init__(self, make_crawl: CrawlFactory, source: FrontierSource, *, once: bool) -> None:
        self._make = make_crawl
        self._source = source
        self._once = once  # embedded: one in-process crawl a process (see the module's text)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pending: Crawl | None = None
        self._current: Crawl | None = None
        self._stopped_by_api = False
        self._started = 0
        self.last: dict[str, Any] | None = None

    def submit(self, seeds: list[str], options: dict[str, Any]) -> str:
        """Queue the crawl `linkgraph crawl SEEDS --OPTION VALUE...` would run; its id.
        CrawlBusy while one runs."""
        crawl = self._make(seeds, options)
        with self._lock:
            running = self._pending or self._current
            if running is not None:
                raise CrawlBusy(f"crawl {running.config.crawl_id} is running: stop it first")
            if self._once and self._started:
                raise CrawlBusy(
                    "this server has run its crawl: an embedded store's crawl runs in the "
                    "server's process, which can run one; restart linkgraph serve for another"
                )
            self._pending = crawl
            self._started += 1
        self._wake.set()
        return crawl.config.crawl_id

    def stop(self, crawl_id: str) -> None:
        """Ask the running crawl `crawl_id` to stop as Ctrl-C would (it can be resumed)."""
        with self._lock:
            crawl = self._current or self._pending
            if crawl is None or crawl.config.crawl_id != crawl_id:
                raise CrawlNotFound(f"no running crawl {crawl_id!r} in this server")
            self._stopped_by_api = True
        crawl.stop()

    def state(self) -> dict[str, Any]:
        """The running crawl's id (or None), and how the last one ended."""
        with self._lock:
            running = self._current or self._pending
            return {
                "running": running.config.crawl_id if running is not None else None,
                "last": self.last,
            }

    def run_until_signal(self, first: Crawl | None) -> int:
        """Run `first`, then each submitted crawl, until SIGTERM or SIGINT; the exit code.

        A signal during a crawl stops it (Scrapy's handlers, or the workers' own) and then the
        server: the crawl's code is the process's, as `linkgraph crawl` would exit.
        """
        if first is not None:
            with self._lock:
                self._pending = first
                self._started += 1
        while True:
            crawl = self._take()
            if crawl is None:
                with stop_signals() as got:
                    while not got.is_set() and not self._wake.wait(0.2):
                        pass
                if got.is_set():
                    return 0
                continue
            code = self._run(crawl)
            with self._lock:
                by_api, self._stopped_by_api = self._stopped_by_api, False
            if code == CrawlInterrupted.exit_code and not by_api:
                return code  # a signal stopped it: it was meant for the whole server

    def _take(self) -> Crawl | None:
        with self._lock:
            self._wake.clear()
            crawl, self._pending = self._pending, None
            self._current = crawl
            return crawl

    def _run(self, crawl: Crawl) -> int:
        crawl_id = crawl.config.crawl_id
        self._source.crawling.set()
        error = ""
        try:
            code = crawl.run()
        except LinkgraphError as exc:  # the server lives on; the API reports it
            log.error("crawl %s: %s", crawl_id, exc)
            code, error = exc.exit_code, str(exc)
        finally:
            self._source.crawling.clear()
        with self._lock:
            self._current = None
            # crawl.config.crawl_id: a crawl given no seeds took the resumed crawl's id.
            self.last = {"crawl_id": crawl.config.crawl_id, "exit_code": code, "error": error}
        return code
