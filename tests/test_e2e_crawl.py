"""End to end: `linkgraph crawl` of the simulated web stores exactly its ground truth.

Embedded (Valkey + chDB) and distributed (Debian's redis-server and clickhouse-server 18.16,
two worker processes). The simulated web is served in this process; the crawl runs as a child
process, exactly as a user runs it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crawler.embedded import EmbeddedRedis
from crawler.testweb import Web, WebServer, build_web, truth
from tests.e2e import diff, linkgraph, stored, truth_links, truth_pages
from tests.servers import ClickHouseServer

SITES, PAGES_PER_SITE, SEED = 20, 60, 7


@pytest.fixture(scope="module")
def web_truth() -> tuple[Web, list[dict[str, Any]]]:
    web = build_web(SITES, PAGES_PER_SITE, SEED)
    return web, list(truth(web))


def _seeds_file(web: Web, tmp_path: Path) -> Path:
    path = tmp_path / "seeds.txt"
    path.write_text(
        "# the simulated web's home pages\n" + "".join(site.home + "\n" for site in web.sites)
    )
    return path


def _assert_matches_truth(target: str, records: list[dict[str, Any]]) -> None:
    pages, links = stored(target)
    expected_pages = truth_pages(records)
    assert len(expected_pages) >= 1000 or SITES * PAGES_PER_SITE < 1000
    ok = {u for u, s in expected_pages.items() if s == 200}
    assert {u for u, s in pages.items() if s == 200} == ok
    assert pages == expected_pages, diff(Counter(expected_pages.items()), Counter(pages.items()))
    blocked = {r["url"] for r in records if r["type"] == "blocked"}
    assert blocked and not blocked & set(pages), "robots.txt-disallowed pages were fetched"
    expected_links = truth_links(records)
    assert links == expected_links, diff(expected_links, links)


def test_embedded_crawl_stores_exactly_the_truth(
    web_truth: tuple[Web, list[dict[str, Any]]], tmp_path: Path
) -> None:
    web, records = web_truth
    with WebServer(web) as server:
        proc = linkgraph(
            [
                "crawl",
                "--seeds-file",
                str(_seeds_file(web, tmp_path)),
                "--data",
                str(tmp_path / "data"),
                "--proxy",
                server.proxy,
            ]
        )
    assert "crawl finished" in proc.stdout + proc.stderr
    _assert_matches_truth(str((tmp_path / "data" / "store").resolve()), records)


@pytest.mark.server
def test_two_workers_on_debian_servers_store_exactly_the_truth(
    web_truth: tuple[Web, list[dict[str, Any]]],
    tmp_path: Path,
    redis_debian: EmbeddedRedis,
    clickhouse: ClickHouseServer,
) -> None:
    web, records = web_truth
    ch_url = clickhouse.url_for("e2e_two_workers")
    with WebServer(web) as server:
        linkgraph(
            [
                "crawl",
                "--seeds-file",
                str(_seeds_file(web, tmp_path)),
                "--redis",
                redis_debian.url,
                "--clickhouse",
                ch_url,
                "--workers",
                "2",
                "--data",
                str(tmp_path / "data"),
                "--proxy",
                server.proxy,
            ]
        )
    _assert_matches_truth(ch_url, records)
