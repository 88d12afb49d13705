"""End to end: `linkgraph crawl` of the simulated web stores exactly its ground truth.

Embedded (Valkey + chDB) and distributed (Debian's redis-server and clickhouse-server 18.16,
two worker processes). The simulated web is served in this process; the crawl runs as a child
process, exactly as a user runs it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crawler.records import ROBOTS_BLOCKED
from crawler.run.embedded import EmbeddedRedis
from crawler.testweb import Web, WebServer, build_web, truth
from pipelines.store import open_store
from tests.helpers.e2e import diff, linkgraph, seeds_file, stored, truth_links, truth_pages
from tests.helpers.servers import ClickHouseServer

SITES, PAGES_PER_SITE, SEED = 20, 60, 7


@pytest.fixture(scope="module")
def web_truth() -> tuple[Web, list[dict[str, Any]]]:
    web = build_web(SITES, PAGES_PER_SITE, SEED)
    return web, list(truth(web))


def _assert_matches_truth(target: str, records: list[dict[str, Any]]) -> None:
    pages, links = stored(target)
    expected_pages = truth_pages(records)
    assert len(expected_pages) >= 1000 or SITES * PAGES_PER_SITE < 1000
    ok = {u for u, s in expected_pages.items() if s == 200}
    assert {u for u, s in pages.items() if s == 200} == ok
    assert pages == expected_pages, diff(Counter(expected_pages.items()), Counter(pages.items()))
    # robots.txt-disallowed pages are stored unfetched: status 0, no address, why in `error`.
    blocked = {r["url"] for r in records if r["type"] == "blocked"}
    assert blocked and all(pages[url] == 0 for url in blocked)
    assert _blocked_errors(target) == dict.fromkeys(blocked, ROBOTS_BLOCKED)
    expected_links = truth_links(records)
    assert links == expected_links, diff(expected_links, links)
    # Every fetched page came through the simulated web's proxy on loopback: its address.
    assert _page_addresses(target) == {
        url: "" if url in blocked else "127.0.0.1" for url in expected_pages
    }


def _blocked_errors(target: str) -> dict[str, str]:
    store = open_store(target)
    try:
        return dict(store.query("SELECT url, error FROM pages WHERE error LIKE 'robots%'").rows)
    finally:
        store.close()


def _page_addresses(target: str) -> dict[str, str]:
    store = open_store(target)
    try:
        return dict(store.query("SELECT url, ip FROM pages").rows)
    finally:
        store.close()


@pytest.fixture(scope="module")
def embedded_crawl(
    web_truth: tuple[Web, list[dict[str, Any]]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """One embedded crawl of the simulated web, as a user runs it; its data directory."""
    web, _ = web_truth
    tmp_path = tmp_path_factory.mktemp("embedded")
    with WebServer(web) as server:
        proc = linkgraph(["crawl", "--seeds-file", str(seeds_file(web, tmp_path)),
                          "--data", str(tmp_path / "data"), "--proxy", server.proxy])  # fmt: skip
    assert "crawl finished" in proc.stdout + proc.stderr
    return tmp_path / "data"


def test_embedded_crawl_stores_exactly_the_truth(
    web_truth: tuple[Web, list[dict[str, Any]]], embedded_crawl: Path
) -> None:
    _assert_matches_truth(str((embedded_crawl / "store").resolve()), web_truth[1])


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
                str(seeds_file(web, tmp_path)),
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


def _truth_answers(
    records: list[dict[str, Any]], domain: str, rivals: list[str]
) -> tuple[Counter[tuple[str, str, str]], set[str], dict[str, list[str]]]:
    """Backlinks, referring domains and the gap of `domain`, computed from the truth alone."""
    links = [r for r in records if r["type"] == "link" and r["src_domain"] != r["dst_domain"]]
    backlinks = Counter(
        (r["src_url"], r["dst_url"], r["anchor"]) for r in links if r["dst_domain"] == domain
    )
    refdomains = {r["src_domain"] for r in links if r["dst_domain"] == domain}
    linked: dict[str, set[str]] = {}
    for r in links:
        if r["dst_domain"] in rivals and r["src_domain"] not in refdomains | {domain}:
            linked.setdefault(r["src_domain"], set()).add(r["dst_domain"])
    return backlinks, refdomains, {ref: sorted(c) for ref, c in linked.items()}


def _jsonl(args: list[str]) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in linkgraph([*args, "--format", "jsonl"]).stdout.splitlines()
    ]


def test_queries_answer_exactly_from_the_truth(
    web_truth: tuple[Web, list[dict[str, Any]]], embedded_crawl: Path
) -> None:
    """backlinks, refdomains and gap through the CLI give the truth's exact rows."""
    web, records = web_truth
    data = str(embedded_crawl)
    ranked = Counter(r["dst_domain"] for r in records if r["type"] == "link")
    domains = [d for d, _ in ranked.most_common() if d in web.domains]
    domain, rivals = domains[-1], domains[:2]
    backlinks, refdomains, gap = _truth_answers(records, domain, rivals)
    rows = _jsonl(["backlinks", domain, "--data", data])
    assert Counter((r["src_url"], r["dst_url"], r["anchor"]) for r in rows) == backlinks
    rows = _jsonl(["refdomains", domain, "--data", data])
    assert {r["ref_domain"] for r in rows} == refdomains
    rows = _jsonl(["gap", domain, "--vs", rivals[0], "--vs", rivals[1], "--data", data])
    assert {r["ref_domain"]: r["competitors"] for r in rows} == gap
    assert gap, "the simulated web should leave a gap for its least linked domain"
    rows = _jsonl(["gap", domain, "--vs", rivals[0], "--vs", rivals[1], "--min", "2",
                   "--data", data])  # fmt: skip
    assert {r["ref_domain"] for r in rows} == {d for d, c in gap.items() if len(c) == 2}
