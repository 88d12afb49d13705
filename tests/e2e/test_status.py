"""`linkgraph status` on a stopped embedded crawl: its figures equal the frontier and truth."""

from __future__ import annotations

import re
from pathlib import Path

import redis

from crawler.config import CrawlConfig
from crawler.frontier import current_crawl
from crawler.run.crawl import open_frontier
from crawler.run.embedded import EmbeddedRedis
from crawler.testweb import WebServer, build_web, truth
from tests.helpers.e2e import linkgraph, truth_pages


def _figures(text: str) -> dict[str, int]:
    return {
        m[1]: int(m[2].replace(",", "")) for m in re.finditer(r"^  (\w+): ([\d,]+)$", text, re.M)
    }


def test_status_of_a_stopped_crawl_matches_frontier_and_truth(tmp_path: Path) -> None:
    web = build_web(4, 15, 3)
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("".join(site.home + "\n" for site in web.sites))
    data = tmp_path / "data"
    with WebServer(web) as server:
        crawl = ["crawl", "--seeds-file", str(seeds), "--data", str(data), "--proxy", server.proxy]
        # check=False: the store's chDB may crash at exit (after the summary); the frontier
        # figures are what this test is about.
        done = linkgraph([*crawl, "--crawl-id", "st1"], check=False)
    assert "crawl finished" in done.stderr, done.stderr[-3000:]
    out = linkgraph(["status", "--data", str(data)]).stdout
    figures = _figures(out)
    assert out.startswith("crawl st1: done"), out
    with EmbeddedRedis(data / "frontier") as valkey:
        client = redis.Redis.from_url(valkey.url)
        assert current_crawl(client) == "st1"
        frontier = open_frontier(client, CrawlConfig(crawl_id="st1"))
        counts = frontier.counts()
        workers = frontier.workers()
    for name in ("queued", "leased", "done", "errors", "pages", "links", "seen", "robots_blocked"):
        assert figures[name] == counts.get(name, 0), (name, out)
    # robots.txt-disallowed URLs are stored (status 0) but not fetched: not pages, not errors.
    records = list(truth(web))
    blocked = [r["url"] for r in records if r["type"] == "blocked"]
    assert figures["pages"] == len(truth_pages(records)) - len(blocked)
    assert figures["robots_blocked"] == len(blocked) > 0
    assert figures["queued"] == figures["leased"] == 0
    assert figures["done"] + figures["robots_blocked"] == figures["seen"]
    assert "busiest host" not in out  # nothing queued
    assert re.search(r"^  worker [^:]+: stopped, [\d,]+ pages", out, re.M), out
    assert re.search(r"rate: [\d.]+ pages/s over the crawl, 0\.0 pages/s now \(0 live", out), out
    assert len(workers) <= 1
