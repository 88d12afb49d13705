"""Crawls of the simulated web under faults, run as a user runs them (`linkgraph` child processes):
a worker SIGKILLed mid-crawl, Redis SIGKILLed and restarted (with its AOF, or empty),
politeness across three workers read from the web's own request log, and the crawl options
that shape a crawl (per-host budget, sitemaps, recrawl).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from crawler.run.embedded import EmbeddedRedis
from crawler.testweb import Web, WebServer, build_web, truth
from crawler.urls.canonical import host_of
from pipelines.store import open_store
from tests.helpers.e2e import (
    diff,
    linkgraph,
    seeds_file,
    start_linkgraph,
    stored,
    truth_links,
    truth_pages,
    wait_for,
)
from tests.helpers.servers import REDIS_BINARY, have_redis_server, redis_server


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Debian redis-server (AOF) of this test alone: the test may kill and restart it."""
    if not have_redis_server():
        pytest.skip("Debian's redis-server is not installed (make test installs it)")
    server = redis_server(tmp_path / "redis").start()
    yield server
    server.kill()


def _stat(url: str, crawl_id: str, name: str) -> int:
    try:
        value = redis.Redis.from_url(url, socket_timeout=2).hget(f"lg:{{{crawl_id}}}:stats", name)
    except redis.RedisError:
        return 0
    return int(value or 0)


def _busy_worker(url: str, crawl_id: str, parent: int, timeout: float = 30.0) -> int:
    """The pid of a child of `parent` that holds leases now (the frontier's lease data names
    the worker, its heartbeat names the pid)."""
    client = redis.Redis.from_url(url, decode_responses=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holders = {str(raw).split("\t")[2] for raw in client.hvals(f"lg:{{{crawl_id}}}:ldata")}
        beats = [json.loads(raw) for raw in client.hvals(f"lg:{{{crawl_id}}}:workers")]
        children = _children(parent)
        for beat in beats:
            if beat["worker"] in holders and beat.get("pid") in children:
                return int(beat["pid"])
        time.sleep(0.02)
    raise AssertionError("no worker held a lease")


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def _finish(proc: subprocess.Popen[str], log: Path, timeout: float = 90.0) -> str:
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"the crawl did not end:\n{log.read_text()[-6000:]}") from None
    return log.read_text()


def _assert_truth(target: str, records: list[dict[str, Any]]) -> None:
    pages, links = stored(target)  # asserts no page is shown twice
    expected = truth_pages(records)
    assert pages == expected, diff(Counter(expected.items()), Counter(pages.items()))
    expected_links = truth_links(records)
    assert links == expected_links, diff(expected_links, links)


# -- a worker dies -----------------------------------------------------------------------------


@pytest.mark.server
def test_sigkill_one_of_three_workers_loses_nothing(
    tmp_path: Path, own_redis: EmbeddedRedis, ch_url: str
) -> None:
    web = build_web(12, 40, 7)
    records = list(truth(web))
    log = tmp_path / "crawl.log"
    with WebServer(web) as server:
        seeds = str(seeds_file(web, tmp_path))
        proc = start_linkgraph(["crawl", "--seeds-file", seeds, "--redis", own_redis.url,
             "--clickhouse", ch_url, "--workers", "3", "--lease-timeout", "3",
             "--crawl-id", "killed", "--data", str(tmp_path / "data"), "--proxy", server.proxy],
            log,
        )  # fmt: skip
        wait_for("three workers", lambda: len(_children(proc.pid)) == 3)
        wait_for("60 stored pages", lambda: _stat(own_redis.url, "killed", "pages") >= 60)
        os.kill(_busy_worker(own_redis.url, "killed", proc.pid), signal.SIGKILL)
        output = _finish(proc, log)
    assert proc.returncode == 0, output[-6000:]
    assert "crawl finished" in output
    assert _stat(own_redis.url, "killed", "expired") > 0, "the dead worker held no lease"
    _assert_truth(ch_url, records)


# -- politeness --------------------------------------------------------------------------------


@pytest.mark.serial
@pytest.mark.server
def test_politeness_holds_across_three_workers(
    tmp_path: Path, own_redis: EmbeddedRedis, ch_url: str
) -> None:
    web = build_web(3, 8, 5)
    delay, slack = 0.2, 0.005
    requests = tmp_path / "requests.jsonl"
    with WebServer(web, latency_ms=30, log_path=str(requests)) as server:
        linkgraph(
            ["crawl", "--seeds-file", str(seeds_file(web, tmp_path)), "--redis", own_redis.url,
             "--clickhouse", ch_url, "--workers", "3", "--host-delay", str(delay),
             "--host-concurrency", "1", "--data", str(tmp_path / "data"),
             "--proxy", server.proxy],
            timeout=120,
        )  # fmt: skip
    by_host: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for line in requests.read_text().splitlines():
        row = json.loads(line)
        by_host[row["host"]].append((row["t_start"], row["t_end"]))
    assert len(by_host) == 3 and sum(map(len, by_host.values())) >= 3 * 8
    for host, spans in by_host.items():
        spans.sort()
        for (start, end), (next_start, _) in itertools.pairwise(spans):
            assert next_start >= end - slack, f"{host}: two requests at once"
            assert next_start - start >= delay - slack, (
                f"{host}: starts {next_start - start:.3f} s apart"
            )


# -- Redis dies --------------------------------------------------------------------------------


def _kill_redis_mid_crawl(
    tmp_path: Path, server: EmbeddedRedis, ch_url: str, web: Web, crawl_id: str, pages: int
) -> tuple[subprocess.Popen[str], Path, WebServer]:
    log = tmp_path / "crawl.log"
    web_server = WebServer(web, latency_ms=20).start()
    seeds = str(seeds_file(web, tmp_path))
    proc = start_linkgraph(["crawl", "--seeds-file", seeds, "--redis", server.url,
         "--clickhouse", ch_url, "--workers", "2", "--lease-timeout", "5", "--crawl-id", crawl_id,
         "--data", str(tmp_path / "data"), "--proxy", web_server.proxy],
        log,
    )  # fmt: skip
    wait_for(f"{pages} stored pages", lambda: _stat(server.url, crawl_id, "pages") >= pages)
    server.kill()
    time.sleep(2.0)  # the workers and the crawl keep trying meanwhile
    return proc, log, web_server


@pytest.mark.server
def test_redis_killed_and_restarted_with_its_aof_loses_nothing(
    tmp_path: Path, own_redis: EmbeddedRedis, ch_url: str
) -> None:
    web = build_web(8, 40, 3)
    records = list(truth(web))
    proc, log, web_server = _kill_redis_mid_crawl(tmp_path, own_redis, ch_url, web, "aof", 60)
    try:
        own_redis.start()  # same port, same directory: the AOF is replayed
        output = _finish(proc, log)
    finally:
        web_server.stop()
    assert proc.returncode == 0, output[-6000:]
    assert "crawl finished" in output
    assert "Traceback" not in output, output[-6000:]
    assert "unreachable" in output  # said while Redis was down
    _assert_truth(ch_url, records)


@pytest.mark.server
def test_redis_restarted_empty_fails_loudly(
    tmp_path: Path, own_redis: EmbeddedRedis, ch_url: str
) -> None:
    web = build_web(8, 40, 3)
    proc, log, web_server = _kill_redis_mid_crawl(tmp_path, own_redis, ch_url, web, "lost", 30)
    empty = EmbeddedRedis(tmp_path / "empty", binary=REDIS_BINARY, port=own_redis.port).start()
    try:
        output = _finish(proc, log)
    finally:
        empty.kill()
        web_server.stop()
    assert proc.returncode not in (0, None), output[-6000:]
    assert "crawl finished" not in output
    assert "Traceback" not in output, output[-6000:]
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert errors and "crawl 'lost' has no frontier" in errors[0], output[-3000:]


# -- options that shape a crawl ----------------------------------------------------------------


def _embedded_crawl(web: Web, tmp_path: Path, *options: str) -> str:
    """An embedded crawl of `web` (a data dir under tmp_path); returns its output."""
    with WebServer(web) as server:
        proc = linkgraph(["crawl", "--seeds-file", str(seeds_file(web, tmp_path)),
                          "--data", str(tmp_path / "data"), "--proxy", server.proxy, *options],
                         timeout=120)  # fmt: skip
    return proc.stdout + proc.stderr


def _store(tmp_path: Path) -> str:
    return str((tmp_path / "data" / "store").resolve())


def _query(tmp_path: Path, sql: str) -> list[list[Any]]:
    store = open_store(_store(tmp_path))
    try:
        return [list(row) for row in store.query(sql).rows]
    finally:
        store.close()


def test_max_pages_per_host(tmp_path: Path) -> None:
    web = build_web(4, 30, 2)
    records = list(truth(web))
    output = _embedded_crawl(web, tmp_path, "--max-pages-per-host", "5")
    assert "crawl finished" in output
    pages, links = stored(_store(tmp_path))
    expected = truth_pages(records)
    assert set(pages.items()) <= set(expected.items())
    per_host = Counter(host_of(url) for url in pages)
    assert set(per_host) == {host_of(url) for url in expected}
    assert max(per_host.values()) == 5, per_host
    expected_links = Counter({key: n for key, n in truth_links(records).items() if key[0] in pages})
    assert links == expected_links, diff(expected_links, links)


def test_sitemaps_from_robots_txt_seed_the_crawl(tmp_path: Path) -> None:
    web = build_web(4, 30, 2)
    records = list(truth(web))
    output = _embedded_crawl(web, tmp_path, "--sitemaps")
    assert "crawl finished" in output
    listed: set[str] = set()
    for site in web.sites:
        if "sitemap" in site.features:
            own = web.site_pages(site.index).values()
            listed |= {p.url for p in own if p.status == 200 and p.is_html and "?" not in p.url}
    assert listed
    # Listed URLs robots.txt forbids are seeded too, and stored unfetched (status 0).
    seeds = {site.home for site in web.sites} | listed
    depth0 = {url for (url,) in _query(tmp_path, "SELECT url FROM pages WHERE depth = 0")}
    assert depth0 == seeds
    pages, _ = stored(_store(tmp_path))
    assert set(truth_pages(records).items()) <= set(pages.items())
    forbidden = {url for url in listed if not web.allowed(url)}
    assert forbidden and {url: pages[url] for url in forbidden} == dict.fromkeys(forbidden, 0)


def test_recrawl_after_refetches_only_stale_pages_and_keeps_history(tmp_path: Path) -> None:
    web = build_web(2, 12, 3)
    records = list(truth(web))
    assert "crawl finished" in _embedded_crawl(web, tmp_path)
    [[fetches]] = _query(tmp_path, "SELECT count() FROM page_fetches")
    output = _embedded_crawl(web, tmp_path, "--recrawl-after", "7d")
    assert "recrawl: 0 pages" in output and "crawl finished" in output
    assert _query(tmp_path, "SELECT count() FROM page_fetches") == [[fetches]]
    time.sleep(1.1)  # fetched_at has seconds
    output = _embedded_crawl(web, tmp_path, "--recrawl-after", "1s")
    assert f"recrawl: {len(truth_pages(records))} pages" in output, output[-3000:]
    assert _query(tmp_path, "SELECT count() FROM page_fetches") == [[2 * fetches]]
    _assert_truth(_store(tmp_path), records)
