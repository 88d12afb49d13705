"""In-process workers keep their own names and spools after Scrapy merges the process settings."""

from __future__ import annotations

from pathlib import Path

from crawler.config import CrawlConfig
from crawler.run.worker import WorkerPool


def test_each_in_process_worker_keeps_its_name_and_spool(tmp_path: Path) -> None:
    config = CrawlConfig(seeds=["http://a.com/"], data=tmp_path, workers=3).validate()
    pool = WorkerPool(config, 3)
    # What CrawlerProcess.crawl() does with a Crawler before running it.
    merged = [pool.process.create_crawler(crawler).settings for crawler in pool.crawlers]
    names = [s.get("LINKGRAPH_WORKER_ID") for s in merged]
    spools = [s.get("LINKGRAPH_SPOOL_DIR") for s in merged]
    assert names == [f"{config.worker_id}-{i}" for i in range(3)]
    assert spools == [str(tmp_path.resolve() / "spool" / name) for name in names]
    assert all(s.get("LINKGRAPH_CRAWL_ID") == config.crawl_id for s in merged)
