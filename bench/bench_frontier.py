"""Frontier cost against stock scrapy-redis, on one Redis-protocol server, in one run.

Two numbers, ours (crawler.frontier) vs scrapy-redis 0.9.1 (RFPDupeFilter + PriorityQueue, its
defaults: SHA1 hex fingerprints in a SET, pickled requests in a ZSET):

- bytes per seen URL: MEMORY USAGE of the seen structures after `SEEN_URLS` distinct URLs;
- Redis microseconds per discovered link: INFO commandstats usec (server time, no network) over
  a crawl-like stream of pages, each with `LINKS` links of which about 60% were seen before.
  Ours adds a page's links in one Lua call; scrapy-redis does SADD, then ZADD for new ones.

    python -m bench.bench_frontier
"""

from __future__ import annotations

import platform
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import redis
import scrapy
from scrapy.utils.test import get_crawler
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue

from crawler.frontier import Frontier
from crawler.run.embedded import EmbeddedRedis

SEEN_URLS = 200_000
PAGES = 1_000
LINKS = 50
HOSTS = 500


def _server_usec(client: redis.Redis) -> float:
    """Server time of all commands; a script's inner calls count once (inside its EVALSHA)."""
    stats = client.info("commandstats")
    if "cmdstat_evalsha" in stats:
        return float(
            stats["cmdstat_evalsha"]["usec"] + stats.get("cmdstat_eval", {}).get("usec", 0)
        )
    return float(sum(v["usec"] for v in stats.values()))


def _memory(client: redis.Redis, pattern: str) -> int:
    keys = list(client.scan_iter(pattern, count=1000))
    return sum(client.memory_usage(key, samples=0) or 0 for key in keys)


def _link_stream(seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    known: list[str] = []
    pages = []
    for page in range(PAGES):
        links = []
        for i in range(LINKS):
            if known and rng.random() < 0.6:
                links.append(rng.choice(known))
            else:
                url = f"http://h{rng.randrange(HOSTS)}.test/p{page}/{i}"
                known.append(url)
                links.append(url)
        pages.append(links)
    return pages


def _ours_memory(client: redis.Redis) -> float:
    frontier = Frontier(client, f"bm{uuid.uuid4().hex[:8]}")
    frontier.create({})
    for start in range(0, SEEN_URLS, 2000):
        frontier.enqueue(
            {"url": f"http://h{i % HOSTS}.test/p/{i}", "depth": 1, "hops": 0}
            for i in range(start, start + 2000)
        )
    used = _memory(client, frontier.key("s:*")) + _memory(client, frontier.key("sc"))
    return used / SEEN_URLS


def _stock_memory(client: redis.Redis) -> float:
    dupefilter = RFPDupeFilter(client, f"bm{uuid.uuid4().hex[:8]}:dupefilter")
    for start in range(0, SEEN_URLS, 2000):
        pipe = client.pipeline(transaction=False)
        for i in range(start, start + 2000):
            request = scrapy.Request(f"http://h{i % HOSTS}.test/p/{i}")
            pipe.sadd(dupefilter.key, dupefilter.request_fingerprint(request))
        pipe.execute()
    return (client.memory_usage(dupefilter.key, samples=0) or 0) / SEEN_URLS


def _ours_links(client: redis.Redis, pages: list[list[str]]) -> tuple[float, float]:
    frontier = Frontier(client, f"bl{uuid.uuid4().hex[:8]}")
    frontier.create({})
    client.config_resetstat()
    started = time.perf_counter()
    for links in pages:
        frontier.enqueue({"url": url, "depth": 1, "hops": 0} for url in links)
    wall = time.perf_counter() - started
    return _server_usec(client), wall


def _stock_links(client: redis.Redis, pages: list[list[str]]) -> tuple[float, float]:
    crawler = get_crawler(scrapy.Spider)
    spider = scrapy.Spider("bench")
    spider.crawler = crawler
    key = f"bl{uuid.uuid4().hex[:8]}"
    dupefilter = RFPDupeFilter(client, f"{key}:dupefilter")
    queue = PriorityQueue(client, spider, f"{key}:requests")
    client.config_resetstat()
    started = time.perf_counter()
    for links in pages:
        for url in links:
            request = scrapy.Request(url)
            if not dupefilter.request_seen(request):
                queue.push(request)
    wall = time.perf_counter() - started
    return _server_usec(client), wall


def main() -> dict[str, Any]:
    pages = _link_stream(7)
    links = PAGES * LINKS
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp), appendonly=False).start()
        try:
            client = redis.Redis.from_url(server.url)
            info = client.info("server")
            version = info.get("valkey_version") or info["redis_version"]
            ours_usec, ours_wall = _ours_links(client, pages)
            stock_usec, stock_wall = _stock_links(client, pages)
            result: dict[str, Any] = {
                "server": f"valkey {version}",
                "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, "
                f"{__import__('os').cpu_count()} cpus, Python {platform.python_version()}",
                "links": links,
                "ours_bytes_per_url": _ours_memory(client),
                "stock_bytes_per_url": _stock_memory(client),
                "ours_usec_per_link": ours_usec / links,
                "stock_usec_per_link": stock_usec / links,
                "ours_wall_usec_per_link": ours_wall * 1e6 / links,
                "stock_wall_usec_per_link": stock_wall * 1e6 / links,
            }
        finally:
            server.stop()
    for name in ("bytes_per_url", "usec_per_link", "wall_usec_per_link"):
        ours, stock = result[f"ours_{name}"], result[f"stock_{name}"]
        print(f"{name:20} ours {ours:8.2f}  scrapy-redis {stock:8.2f}  ratio {stock / ours:5.1f}x")
    print(f"({links} links, {PAGES} pages, {result['server']}, {result['machine']})")
    return result


if __name__ == "__main__":
    main()
