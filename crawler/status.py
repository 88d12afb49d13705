"""`linkgraph status`: a crawl's frontier as the operator sees it.

Reads a running crawl's Redis; for an embedded crawl that is not running, starts its Valkey on
the data directory just long enough to read the saved frontier.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import redis

from crawler.config import CrawlConfig
from crawler.crawl import connect_redis, frontier_url_file, open_frontier
from crawler.embedded import EmbeddedRedis
from crawler.errors import ConfigError
from crawler.frontier.queue import current_crawl


@contextlib.contextmanager
def frontier_client(data: Path, redis_url: str) -> Iterator[redis.Redis]:
    if redis_url:
        yield connect_redis(redis_url)
        return
    url_file = frontier_url_file(data)
    if url_file.exists():
        yield connect_redis(url_file.read_text().strip())
        return
    if not (data / "frontier").is_dir():
        raise ConfigError(f"no crawl at {data}: give --data DIR of a crawl, or --redis URL")
    with EmbeddedRedis(data / "frontier") as server:
        yield connect_redis(server.url)


def show_status(data: Path, redis_url: str, crawl_id: str) -> int:
    with frontier_client(data, redis_url) as client:
        crawl_id = crawl_id or current_crawl(client) or ""
        if not crawl_id:
            raise ConfigError("no crawl found in this frontier")
        frontier = open_frontier(client, CrawlConfig(crawl_id=crawl_id))
        meta = frontier.meta()
        counts = frontier.counts()
        print(f"crawl {crawl_id}: {'done' if frontier.done() else 'running or stopped'}")
        print(f"  seeds: {len(meta.get('seeds', []))}, scope: {meta.get('scope')}")
        for name in sorted(counts):
            print(
                f"  {name}: {counts[name]:,}"
                if isinstance(counts[name], int)
                else f"  {name}: {counts[name]}"
            )
        for host, queued in _busiest(frontier):
            print(f"  busiest host: {host} ({queued:,} queued)")
        for worker in frontier.workers():
            print(f"  worker: {json.dumps(worker, sort_keys=True)}")
    return 0


def _busiest(frontier: object) -> list[tuple[str, int]]:
    busiest = getattr(frontier, "busiest_hosts", None)
    return list(busiest(5)) if callable(busiest) else []
