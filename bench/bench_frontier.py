"""Frontier cost against stock scrapy-redis, on one Redis-protocol server, in one run; then
the sharded frontier on a 3-master Redis Cluster against one Redis node, in the same run.

Two numbers, ours (crawler.frontier) vs scrapy-redis 0.9.1 (RFPDupeFilter + PriorityQueue, its
defaults: SHA1 hex fingerprints in a SET, pickled requests in a ZSET):

- bytes per seen URL: MEMORY USAGE of the seen structures after `SEEN_URLS` distinct URLs;
- Redis microseconds per discovered link: INFO commandstats usec (server time, no network) over
  a crawl-like stream of pages, each with `LINKS` links of which about 60% were seen before.
  Ours adds a page's links in one Lua call; scrapy-redis does SADD, then ZADD for new ones.

Shards (`shards()`, Debian's redis-server for both sides, AOF everysec like a crawl's):

- Redis CPU per page (INFO cpu used_cpu_sys + used_cpu_user of every node, less each node's
  idle CPU over as long): a crawl-like loop of lease 16 / ack each page with its `LINKS`
  children, 1 shard on one node vs 4 shards per master on a 3-master cluster, and the
  cluster's share of CPU per master;
- bytes per seen URL and per queued URL at 1 shard and at 12 shards (MEMORY USAGE, on the
  first part's Valkey).

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
from crawler.frontier.connection import FrontierClient
from crawler.frontier.shards import default_count
from crawler.run.embedded import EmbeddedRedis
from tests.helpers.servers import RedisClusterServers, have_redis_server, redis_server

SEEN_URLS = 200_000
PAGES = 1_000
LINKS = 50
HOSTS = 500
CPU_PAGES = 3_000  # pages of the shard comparison's crawl-like loop
CLUSTER_MASTERS = 3


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


def _cpu(ports: list[int]) -> list[float]:
    """Each node's CPU seconds so far (user + system, the server's main and background threads)."""
    rows = [redis.Redis(port=port).info("cpu") for port in ports]
    return [float(row["used_cpu_sys"]) + float(row["used_cpu_user"]) for row in rows]


def _idle_cpu(ports: list[int], seconds: float = 3.0) -> list[float]:
    """Each node's CPU per second when nothing is asked of it (cron, the cluster bus)."""
    before = _cpu(ports)
    time.sleep(seconds)
    return [(b - a) / seconds for a, b in zip(before, _cpu(ports), strict=True)]


def _crawl_loop(frontier: Frontier, pages: list[list[str]]) -> int:
    """Lease 16 at a time and ack each page with its children, as workers do; returns pages."""
    frontier.seed(f"http://h{h}.test/" for h in range(HOSTS))
    done = 0
    while done < len(pages):
        leases = frontier.lease("bench", 16)
        if not leases:
            break
        acks = []
        for lease in leases[: len(pages) - done]:
            acks.append((lease, [{"url": u, "depth": 1, "hops": 0} for u in pages[done]], "done"))
            done += 1
        frontier.ack_many(acks, counters={"pages": len(acks)})
        frontier.release(leases[len(acks) :])
    return done


def _cpu_per_page(client: FrontierClient, ports: list[int], shards: int) -> dict[str, Any]:
    pages = _link_stream(11)[:CPU_PAGES] if CPU_PAGES <= PAGES else _long_stream(CPU_PAGES)
    frontier = Frontier(client, f"bc{uuid.uuid4().hex[:8]}", shards=shards)
    frontier.create({})
    idle = _idle_cpu(ports)
    before, started = _cpu(ports), time.perf_counter()
    done = _crawl_loop(frontier, pages)
    wall = time.perf_counter() - started
    used = [b - a - i * wall for a, b, i in zip(before, _cpu(ports), idle, strict=True)]
    return {
        "pages": done,
        "wall_s": wall,
        "usec_per_page": sum(used) * 1e6 / done,
        "idle_cpu_per_s": sum(idle),
        "share": [u / sum(used) for u in used],
    }


def _long_stream(n: int) -> list[list[str]]:
    stream: list[list[str]] = []
    seed = 11
    while len(stream) < n:
        stream += [[f"{url}?s{seed}" for url in page] for page in _link_stream(seed)]
        seed += 1
    return stream[:n]


def _frontier_memory(client: redis.Redis, shards: int) -> dict[str, float]:
    """Bytes per seen URL (seen sets) and per queued URL (host queues, ready/wait, host state)."""
    frontier = Frontier(client, f"bq{uuid.uuid4().hex[:8]}", shards=shards)
    frontier.create({})
    for start in range(0, SEEN_URLS, 2000):
        frontier.enqueue(
            {"url": f"http://h{i % HOSTS}.test/p/{i}", "depth": 1, "hops": 0}
            for i in range(start, start + 2000)
        )
    seen = queued = 0
    for p in frontier.prefixes:
        seen += _memory(client, p + "s:*") + _memory(client, p + "sc")
        queued += sum(_memory(client, p + name) for name in ("q:*", "h:*", "ready", "wait"))
    return {"seen": seen / SEEN_URLS, "queued": queued / SEEN_URLS}


def shards() -> dict[str, Any]:
    """The sharded frontier on a 3-master cluster vs one shard on one node, in one run."""
    if not have_redis_server():
        print("shards: Debian's redis-server is not installed; skipped")
        return {}
    count = default_count(CLUSTER_MASTERS)
    with tempfile.TemporaryDirectory() as tmp:
        single = redis_server(Path(tmp) / "single").start()
        try:
            plain = redis.Redis.from_url(single.url)
            one = _cpu_per_page(plain, [single.port], 1)
        finally:
            single.stop()
        with RedisClusterServers(Path(tmp) / "cluster", masters=CLUSTER_MASTERS) as cluster:
            client = redis.RedisCluster(host="127.0.0.1", port=cluster.nodes[0].port)
            spread = _cpu_per_page(client, [node.port for node in cluster.nodes], count)
            client.close()
    ratio = spread["usec_per_page"] / one["usec_per_page"]
    print(
        f"Redis CPU per page ({LINKS} links): 1 node, 1 shard {one['usec_per_page']:.0f} us; "
        f"{CLUSTER_MASTERS} masters, {count} shards {spread['usec_per_page']:.0f} us; "
        f"ratio {ratio:.2f}x (target <= 1.3x)"
    )
    print(f"  cluster CPU share per master: {[round(s, 3) for s in spread['share']]}")
    print(f"  idle CPU: 1 node {one['idle_cpu_per_s'] * 1e3:.1f} ms/s, cluster "
          f"{spread['idle_cpu_per_s'] * 1e3:.1f} ms/s (subtracted)")  # fmt: skip
    return {"single": one, "cluster": spread, "ratio": ratio}


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
                "memory_by_shards": {
                    n: _frontier_memory(client, n) for n in (1, default_count(CLUSTER_MASTERS))
                },
            }
        finally:
            server.stop()
    for name in ("bytes_per_url", "usec_per_link", "wall_usec_per_link"):
        ours, stock = result[f"ours_{name}"], result[f"stock_{name}"]
        print(f"{name:20} ours {ours:8.2f}  scrapy-redis {stock:8.2f}  ratio {stock / ours:5.1f}x")
    print(f"({links} links, {PAGES} pages, {result['server']}, {result['machine']})")
    for n, row in result["memory_by_shards"].items():
        print(f"{n:2d} shard(s): {row['seen']:.2f} bytes per seen URL, "
              f"{row['queued']:.1f} bytes per queued URL ({SEEN_URLS} URLs)")  # fmt: skip
    result["shards"] = shards()
    return result


if __name__ == "__main__":
    main()
