"""Crawl workers: Scrapy crawlers of the links spider, fed by the shared frontier.

A `WorkerPool` runs N crawlers in this process (one Twisted reactor); several processes or
machines, each with its own pool, share one crawl through Redis.

    >>> WorkerPool(config, 2).run(tick=progress.tick)   # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from crawler.config import CrawlConfig
from crawler.spiders.links import LinksSpider

log = logging.getLogger(__name__)


def crawl_settings(config: CrawlConfig) -> Settings:
    """Scrapy settings shared by every worker of a crawl: our defaults (with the guard and the
    frontier's middlewares), then the crawl's options."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(config.settings(), priority="cmdline")
    return settings


def worker_settings(config: CrawlConfig, worker_id: str) -> Settings:
    """One worker's settings: the crawl's, plus its own name and spool directory."""
    settings = crawl_settings(config)
    settings.set("LINKGRAPH_WORKER_ID", worker_id, priority="cmdline")
    spool = config.data.resolve() / "spool" / worker_id
    settings.set("LINKGRAPH_SPOOL_DIR", str(spool), priority="cmdline")
    return settings


class WorkerPool:
    """`count` in-process workers of one crawl."""

    def __init__(self, config: CrawlConfig, count: int) -> None:
        self.config = config
        # Scrapy merges the process's settings into each crawler's at equal priority: the
        # process must not carry per-worker ones (name, spool), or every worker gets the same.
        self.process = CrawlerProcess(crawl_settings(config))
        self.crawlers: list[Crawler] = []
        for index in range(count):
            worker_id = config.worker_id if count == 1 else f"{config.worker_id}-{index}"
            # The first crawler installs the reactor Scrapy's settings ask for.
            crawler = Crawler(
                LinksSpider, worker_settings(config, worker_id), init_reactor=index == 0
            )
            self.crawlers.append(crawler)

    def run(self, tick: Callable[[], Any] | None = None, tick_seconds: float = 1.0) -> None:
        """Crawl until the frontier is done or `stop()` is called (SIGINT/SIGTERM stop cleanly).

        `tick` runs in the reactor every `tick_seconds`: progress lines, failure checks.
        """
        for crawler in self.crawlers:
            self.process.crawl(crawler, config=self.config)
        if tick is not None:
            # Imported here: Scrapy installs its reactor when the process is made, not before.
            from twisted.internet import reactor, task

            loop = task.LoopingCall(tick)
            reactor.callWhenRunning(loop.start, tick_seconds, now=False)
        self.process.start(stop_after_crawl=True, install_signal_handlers=True)

    def stop(self) -> None:
        """Stop every worker cleanly: each hands its leases back to the frontier."""
        for crawler in self.crawlers:
            if crawler.crawling:
                crawler.stop()
