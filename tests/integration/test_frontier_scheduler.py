"""The frontier scheduler in a real Scrapy crawl (a subprocess) against small loopback web servers.

Checks robots.txt (2xx rules, 4xx allow-all, 5xx disallow-then-retry), that the host delay holds
over every request a server saw (robots.txt included), and that leasing keeps the downloader fed.
Run as ``python -m tests.integration.test_frontier_scheduler "<json>"``: the crawl itself.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import redis
import scrapy

from crawler.frontier import Frontier
from crawler.records import Fetched, Page
from crawler.run.embedded import EmbeddedRedis
from crawler.signals import records_durable

ROOT = Path(__file__).resolve().parents[2]


class Site:
    """A tree of `pages` pages on one loopback address; robots.txt answers from `robots`."""

    def __init__(self, ip: str, pages: int, robots: list[tuple[int, str]]) -> None:
        self.pages = pages
        self.robots = robots  # answers in turn; the last one repeats
        self.log: list[tuple[str, float]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.log.append((self.path, time.monotonic()))
                status, body = site.answer(self.path)
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((ip, 0), Handler)
        self.url = f"http://{ip}:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str) -> tuple[int, str]:
        if path == "/robots.txt":
            return self.robots.pop(0) if len(self.robots) > 1 else self.robots[0]
        match = re.fullmatch(r"/p/(\d+)", path)
        if not match or int(match[1]) >= self.pages:
            return 404, "no"
        n = int(match[1])
        kids = [k for k in (2 * n + 1, 2 * n + 2) if k < self.pages]
        return 200, "".join(f'<a href="/p/{k}">{k}</a>' for k in kids)

    def paths(self) -> list[str]:
        return [path for path, _ in self.log]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sites() -> Iterator[list[Site]]:
    made: list[Site] = []
    yield made
    for site in made:
        site.close()


def crawl(valkey: EmbeddedRedis, seeds: list[str], **settings: Any) -> dict[str, Any]:
    crawl_id = f"s{uuid.uuid4().hex[:10]}"
    frontier = Frontier(redis.Redis.from_url(valkey.url), crawl_id)
    frontier.create({})
    frontier.seed(seeds)
    config = {
        "LINKGRAPH_REDIS_URL": valkey.url,
        "LINKGRAPH_CRAWL_ID": crawl_id,
        "LINKGRAPH_WORKER_ID": "w1",
        **settings,
    }
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-m", "tests.integration.test_frontier_scheduler", json.dumps(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["seconds"] = time.monotonic() - started
    result["counts"] = frontier.counts()
    return result


def test_robots_rules_4xx_and_crawl(valkey: EmbeddedRedis, sites: list[Site]) -> None:
    rules = Site("127.0.0.1", 7, [(200, "User-agent: *\nDisallow: /p/2\n")])
    open_site = Site("127.0.0.2", 7, [(404, "none")])
    sites += [rules, open_site]
    result = crawl(valkey, [rules.url + "/p/0", open_site.url + "/p/0"])
    assert result["reason"] == "finished"
    assert sorted(rules.paths()) == ["/p/0", "/p/1", "/p/3", "/p/4", "/robots.txt"]
    assert sorted(open_site.paths()) == sorted(["/robots.txt"] + [f"/p/{i}" for i in range(7)])
    counts = result["counts"]
    assert counts["robots_blocked"] == 1 and counts["done"] == 4 + 7
    assert counts["leased"] == 0 and counts["queued"] == 0


@pytest.mark.serial
def test_robots_5xx_disallows_then_retries(valkey: EmbeddedRedis, sites: list[Site]) -> None:
    flaky = Site("127.0.0.1", 3, [(503, "busy"), (200, "User-agent: *\nAllow: /\n")])
    sites.append(flaky)
    result = crawl(valkey, [flaky.url + "/p/0"], LINKGRAPH_ROBOTS_RETRY=1.0)
    assert result["reason"] == "finished"
    assert flaky.paths() == ["/robots.txt", "/robots.txt", "/p/0", "/p/1", "/p/2"] or sorted(
        flaky.paths()[2:]
    ) == ["/p/0", "/p/1", "/p/2"]
    gap = flaky.log[1][1] - flaky.log[0][1]
    assert 0.9 <= gap < 5
    assert result["counts"]["done"] == 3 and result["counts"]["released"] <= 3


def test_obey_robots_false_skips_robots(valkey: EmbeddedRedis, sites: list[Site]) -> None:
    site = Site("127.0.0.1", 3, [(200, "User-agent: *\nDisallow: /\n")])
    sites.append(site)
    result = crawl(valkey, [site.url + "/p/0"], LINKGRAPH_OBEY_ROBOTS=False)
    assert sorted(site.paths()) == ["/p/0", "/p/1", "/p/2"]
    assert result["counts"]["done"] == 3


@pytest.mark.serial
def test_host_delay_over_every_request(valkey: EmbeddedRedis, sites: list[Site]) -> None:
    a = Site("127.0.0.1", 6, [(200, "User-agent: *\nAllow: /\n")])
    b = Site("127.0.0.2", 6, [(404, "")])
    sites += [a, b]
    result = crawl(
        valkey,
        [a.url + "/p/0", b.url + "/p/0"],
        LINKGRAPH_HOST_DELAY=0.2,
        LINKGRAPH_HOST_CONCURRENCY=2,
    )
    assert result["counts"]["done"] == 12
    for site in (a, b):
        times = sorted(t for _, t in site.log)
        assert len(times) == 7
        gaps = [y - x for x, y in itertools.pairwise(times)]
        assert min(gaps) >= 0.2 - 0.005, gaps


@pytest.mark.serial
def test_crawl_delay_raises_the_host_delay(valkey: EmbeddedRedis, sites: list[Site]) -> None:
    site = Site("127.0.0.1", 3, [(200, "User-agent: *\nCrawl-delay: 0.5\n")])
    sites.append(site)
    crawl(valkey, [site.url + "/p/0"])
    times = sorted(t for _, t in site.log)
    assert min(y - x for x, y in itertools.pairwise(times)) >= 0.5 - 0.005


@pytest.mark.serial
def test_downloader_stays_fed(valkey: EmbeddedRedis, sites: list[Site]) -> None:
    site = Site("127.0.0.1", 400, [(404, "")])
    sites.append(site)
    result = crawl(valkey, [site.url + "/p/0"], LINKGRAPH_HOST_CONCURRENCY=8)
    assert result["counts"]["done"] == 400
    first, last = site.log[0][1], site.log[-1][1]
    rate = 400 / (last - first)
    print(f"1 worker, 1 host, concurrency 8: {rate:.0f} pages/s")
    assert rate > 50  # polling-bound (5 s heartbeat) would be ~2 pages/s


# -- a worker that starts while Redis is down -----------------------------------------------------


class Outage:
    """A crawl of a 15-page site made on a Redis of its own, that Redis stopped, and a worker
    started: made once the worker has found Redis unreachable while joining (its log says so)."""

    def __init__(self, tmp_path: Path, sites: list[Site]) -> None:
        self.site = Site("127.0.0.1", 15, [(404, "")])
        sites.append(self.site)
        self.server, self.frontier, self.proc, self.log = _start_during_outage(tmp_path, self.site)

    def ended(self) -> tuple[dict[str, Any], str]:
        """The worker's result and its log, once it ended (successfully)."""
        out, _ = self.proc.communicate(timeout=120)
        errors = self.log.read_text()
        assert self.proc.returncode == 0, errors[-3000:]
        result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        assert "Traceback" not in errors, errors[-3000:]
        return result, errors


def _start_during_outage(
    tmp_path: Path, site: Site
) -> tuple[EmbeddedRedis, Frontier, subprocess.Popen[str], Path]:
    server = EmbeddedRedis(tmp_path / "redis").start()
    crawl_id = f"s{uuid.uuid4().hex[:10]}"
    frontier = Frontier(redis.Redis.from_url(server.url), crawl_id)
    frontier.create({})
    frontier.seed([site.url + "/p/0"])
    server.stop()
    config = {
        "LINKGRAPH_REDIS_URL": server.url,
        "LINKGRAPH_CRAWL_ID": crawl_id,
        "LINKGRAPH_WORKER_ID": "w1",
    }
    log = tmp_path / "worker.log"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.test_frontier_scheduler", json.dumps(config)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    deadline = time.monotonic() + 60
    while "unreachable" not in log.read_text():
        assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "the worker never tried to join"
        time.sleep(0.05)
    time.sleep(1.0)  # and keeps trying: it must not give up on the first failures
    assert proc.poll() is None, log.read_text()[-3000:]
    return server, frontier, proc, log


def test_worker_started_during_an_outage_joins_when_redis_returns(
    tmp_path: Path, sites: list[Site]
) -> None:
    outage = Outage(tmp_path, sites)
    try:
        outage.server.start()  # same directory and port: the AOF brings the crawl back
        result, errors = outage.ended()
        assert result["reason"] == "finished", errors[-3000:]
        assert outage.frontier.counts()["done"] == 15
        assert "reachable again" in errors
    finally:
        outage.proc.kill()
        outage.server.kill()


def test_worker_started_during_an_outage_of_a_redis_that_lost_the_crawl(
    tmp_path: Path, sites: list[Site]
) -> None:
    outage = Outage(tmp_path, sites)
    empty = EmbeddedRedis(tmp_path / "empty", port=outage.server.port).start()
    try:
        result, errors = outage.ended()
        assert result == {"reason": "frontier_lost", "requests": None}, errors[-3000:]
        assert "has no frontier" in errors
        assert outage.site.paths() == []
    finally:
        outage.proc.kill()
        empty.kill()


# -- the crawl subprocess --------------------------------------------------------------------------


class TinySpider(scrapy.Spider):
    name = "tiny"

    async def start(self) -> AsyncIterator[Any]:
        return
        yield

    def make_request(self, lease: Any) -> scrapy.Request:
        meta = {"lease": lease, "handle_httpstatus_all": True}
        return scrapy.Request(
            lease.url, self.parse, errback=self.failed, meta=meta, dont_filter=True
        )

    def parse(self, response: Any) -> Iterator[Fetched]:
        lease = response.meta["lease"]
        hrefs = re.findall(r'href="([^"]+)"', response.text)
        follow = [{"url": response.urljoin(h), "depth": lease.depth + 1, "hops": 0} for h in hrefs]
        yield Fetched(page=Page(url=lease.url, status=response.status), follow=follow, lease=lease)

    def failed(self, failure: Any) -> Iterator[Fetched]:
        lease = failure.request.meta["lease"]
        yield Fetched(page=Page(url=lease.url, error=str(failure.value)), lease=lease)


class DurablePipeline:
    """Declares every item durable at once (the real sink does so after its insert)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> DurablePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        self.crawler.signals.send_catch_log(records_durable, items=[item])
        return item


def main(config: dict[str, Any]) -> None:
    from scrapy.crawler import CrawlerProcess

    settings = {
        "SCHEDULER": "crawler.frontier.scheduler.FrontierScheduler",
        "DOWNLOADER_MIDDLEWARES": {"crawler.frontier.middleware.HostSlotMiddleware": 50},
        "ITEM_PIPELINES": {"tests.integration.test_frontier_scheduler.DurablePipeline": 100},
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "DOWNLOAD_DELAY": 0,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "REDIRECT_ENABLED": False,
        "RETRY_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "USER_AGENT": "linkgraph/0.1 (test)",
        **config,
    }
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(TinySpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(
        json.dumps(
            {
                "reason": stats.get("finish_reason"),
                "requests": stats.get("downloader/request_count"),
            }
        )
    )


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
