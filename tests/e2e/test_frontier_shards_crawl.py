"""Crawls of the simulated web with the frontier in 4 shards on the embedded Valkey, run as a user
runs them: exactly the truth (also with a worker SIGKILLed mid-crawl), --max-pages exact across
shards, the per-host budget, and a resume with another shard count refused."""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from crawler.frontier.shards import ShardMap
from crawler.run.embedded import EmbeddedRedis
from crawler.testweb import Web, WebServer, build_web, truth
from crawler.urls.canonical import host_of
from tests.helpers.e2e import (
    assert_truth,
    diff,
    linkgraph,
    one_clear_error,
    seeds_file,
    start_linkgraph,
    stored,
    truth_links,
    truth_pages,
    wait_for,
)

SHARDS = "4"


def _crawl(web: Web, tmp_path: Path, *options: str) -> str:
    """An embedded crawl of `web` in 4 frontier shards; returns its output."""
    with WebServer(web) as server:
        proc = linkgraph(["crawl", "--seeds-file", str(seeds_file(web, tmp_path)),
                          "--data", str(tmp_path / "data"), "--proxy", server.proxy,
                          "--frontier-shards", SHARDS, *options],
                         timeout=180)  # fmt: skip
    return proc.stdout + proc.stderr


def _store(tmp_path: Path) -> str:
    return str((tmp_path / "data" / "store").resolve())


def _assert_subset(target: str, records: list[dict[str, Any]]) -> dict[str, int]:
    """Each stored page is the truth's, with exactly its links; returns the pages."""
    pages, links = stored(target)
    assert set(pages.items()) <= set(truth_pages(records).items())
    expected = Counter({key: n for key, n in truth_links(records).items() if key[0] in pages})
    assert links == expected, diff(expected, links)
    return pages


def test_sharded_crawl_stores_exactly_the_truth(tmp_path: Path) -> None:
    web = build_web(12, 30, 13)
    records = list(truth(web))
    output = _crawl(web, tmp_path, "--workers", "2", "--crawl-id", "sharded")
    assert "crawl finished" in output, output[-4000:]
    assert_truth(_store(tmp_path), records)
    # `status` reads every shard: the saved frontier, its totals over the 4 shards.
    lines = linkgraph(["status", "--data", str(tmp_path / "data")]).stdout.splitlines()
    assert lines[0] == "crawl sharded: done", lines
    fetched = sum(r["type"] == "page" for r in records)  # robots-blocked URLs: no fetch
    assert {"  queued: 0", "  leased: 0", f"  pages: {fetched:,}"} <= set(lines), lines
    # The shard count is the crawl's: a resume with another is refused, in one line.
    proc = linkgraph(
        ["crawl", "--data", str(tmp_path / "data"), "--frontier-shards", "2"], check=False
    )
    assert proc.returncode != 0
    one_clear_error(proc.stderr, "created with --frontier-shards 4", "cannot continue with 2")


def test_max_pages_is_exact_over_shards(tmp_path: Path) -> None:
    web = build_web(12, 30, 13)
    records = list(truth(web))
    output = _crawl(web, tmp_path, "--workers", "2", "--max-pages", "37")
    assert "crawl finished" in output, output[-4000:]
    assert len(_assert_subset(_store(tmp_path), records)) == 37


def test_max_pages_per_host_over_shards(tmp_path: Path) -> None:
    web = build_web(8, 30, 2)
    records = list(truth(web))
    output = _crawl(web, tmp_path, "--max-pages-per-host", "5")
    assert "crawl finished" in output, output[-4000:]
    pages = _assert_subset(_store(tmp_path), records)
    per_host = Counter(host_of(url) for url in pages)
    assert per_host == dict.fromkeys({host_of(url) for url in truth_pages(records)}, 5)


# -- a worker dies -----------------------------------------------------------------------------


@pytest.fixture
def own_valkey(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Valkey of this test alone (the embedded binary): the crawl's workers are processes."""
    server = EmbeddedRedis(tmp_path / "valkey").start()
    yield server
    server.kill()


def _shard_stats(url: str, crawl_id: str, name: str) -> int:
    client = redis.Redis.from_url(url, socket_timeout=2)
    prefixes = [*ShardMap(crawl_id, int(SHARDS)).prefixes(), f"lg:{{{crawl_id}}}:"]
    return sum(int(client.hget(p + "stats", name) or 0) for p in prefixes)


def _busy_worker(url: str, crawl_id: str, parent: int, timeout: float = 30.0) -> int:
    """The pid of a child of `parent` holding leases now, in any shard."""
    client = redis.Redis.from_url(url, decode_responses=True)
    shards = ShardMap(crawl_id, int(SHARDS))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holders = {
            str(raw).split("\t")[2] for p in shards.prefixes() for raw in client.hvals(p + "ldata")
        }
        beats = [json.loads(raw) for raw in client.hvals(f"lg:{{{crawl_id}}}:workers")]
        children = [
            int(c) for c in Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        ]
        for beat in beats:
            if beat["worker"] in holders and beat.get("pid") in children:
                return int(beat["pid"])
        time.sleep(0.02)
    raise AssertionError("no worker held a lease")


@pytest.mark.server
def test_sigkill_one_of_three_workers_over_shards_loses_nothing(
    tmp_path: Path, own_valkey: EmbeddedRedis, ch_url: str
) -> None:
    web = build_web(12, 40, 7)
    records = list(truth(web))
    log = tmp_path / "crawl.log"
    with WebServer(web) as server:
        seeds = str(seeds_file(web, tmp_path))
        proc = start_linkgraph(["crawl", "--seeds-file", seeds, "--redis", own_valkey.url,
             "--clickhouse", ch_url, "--workers", "3", "--lease-timeout", "3",
             "--frontier-shards", SHARDS, "--crawl-id", "killed",
             "--data", str(tmp_path / "data"), "--proxy", server.proxy],
            log,
        )  # fmt: skip
        wait_for("60 stored pages", lambda: _shard_stats(own_valkey.url, "killed", "pages") >= 60)
        os.kill(_busy_worker(own_valkey.url, "killed", proc.pid), signal.SIGKILL)
        try:
            proc.wait(120)
        except Exception:
            proc.kill()
            proc.wait()
            raise
    output = log.read_text()
    assert proc.returncode == 0, output[-6000:]
    assert "crawl finished" in output
    assert _shard_stats(own_valkey.url, "killed", "expired") > 0, "the dead worker held no lease"
    assert_truth(ch_url, records)
