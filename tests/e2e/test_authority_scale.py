"""The 0-100 authority scale (docs/AUTHORITY.md) in `refdomains` and `backlinks` against the
simulated web's truth, on chDB and on clickhouse-server 18.16.

The expected scores come from the truth's links alone, with networkx: PageRank of the page graph
and of its registrable-domain graph, converged (networkx's L1 rule at n * 1e-14), then
authority = round(100 * ln(pagerank / lowest) / ln(highest / lowest), 2) over each level.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from crawler.urls.canonical import domain_of
from tests.helpers.e2e import CrawledWeb, linkgraph

# A float differing in its 9th digit may round the other way at a .005 boundary.
ROUNDING = 0.01 + 1e-9


def _rows(web: CrawledWeb, *args: str) -> list[dict[str, Any]]:
    out = linkgraph([*args, *web.args, "--format", "jsonl"]).stdout
    return [json.loads(line) for line in out.splitlines()]


def _pagerank(edges: set[tuple[str, str]], nodes: set[str]) -> dict[str, float]:
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from((s, d) for s, d in edges if s != d)
    return nx.pagerank(graph, tol=1e-14, max_iter=1000)


def _scale(pagerank: dict[str, float]) -> dict[str, float]:
    lowest, highest = min(pagerank.values()), max(pagerank.values())
    return {
        name: round(100 * math.log(pr / lowest) / math.log(highest / lowest), 2)
        for name, pr in pagerank.items()
    }


def _expected(records: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """{level: {name: authority}} for the page and domain levels of the truth's graph."""
    links = {(r["src_url"], r["dst_url"]) for r in records if r["type"] == "link"}
    pages = {r["url"] for r in records if r["type"] == "page"} | {u for link in links for u in link}
    domains = {(domain_of(s), domain_of(d)) for s, d in links}
    page_rank = _pagerank(links, pages)
    domain_rank = _pagerank(domains, {domain_of(url) for url in pages})
    return {"page": _scale(page_rank), "domain": _scale(domain_rank), "pr": domain_rank}


def _target(web: CrawledWeb) -> str:
    external = [
        r for r in web.records if r["type"] == "link" and r["src_domain"] != r["dst_domain"]
    ]
    return Counter(r["dst_domain"] for r in external).most_common(1)[0][0]


def test_refdomains_authority_is_the_log_scale_and_spreads(analysis_web: CrawledWeb) -> None:
    expected = _expected(analysis_web.records)
    domain = _target(analysis_web)
    rows = _rows(analysis_web, "refdomains", domain)
    assert rows, domain
    for row in rows:
        want = expected["domain"][row["ref_domain"]]
        assert abs(row["authority"] - want) <= ROUNDING, (row["ref_domain"], row, want)
    # The spread: distinct PageRanks give distinct scores, and the gap between two referring
    # domains is the documented log step (the old linear percent bunched them at 64-96).
    scores = [row["authority"] for row in rows]
    ranks = [expected["pr"][row["ref_domain"]] for row in rows]
    distinct_ranks = len({round(pr, 12) for pr in ranks})
    assert len(set(scores)) == distinct_ranks
    pr = expected["pr"]
    span = math.log(max(pr.values()) / min(pr.values()))
    hi = max(rows, key=lambda r: r["authority"])
    lo = min(rows, key=lambda r: r["authority"])
    step = 100 * math.log(pr[hi["ref_domain"]] / pr[lo["ref_domain"]]) / span
    assert abs((hi["authority"] - lo["authority"]) - step) <= 2 * ROUNDING
    print(f"{domain}: {len(rows)} referring domains scored {lo['authority']}-{hi['authority']}")


def test_backlinks_page_authority_is_the_log_scale_and_sorts(analysis_web: CrawledWeb) -> None:
    expected = _expected(analysis_web.records)
    domain = _target(analysis_web)
    rows = _rows(analysis_web, "backlinks", domain, "--sort=-page_authority,src_url")
    assert rows, domain
    for row in rows:
        want = expected["page"][row["src_url"]]
        assert abs(row["page_authority"] - want) <= ROUNDING, (row["src_url"], row, want)
        want = expected["domain"][row["src_domain"]]
        assert abs(row["authority"] - want) <= ROUNDING, (row["src_domain"], row, want)
    keys = [(-row["page_authority"], row["src_url"]) for row in rows]
    assert keys == sorted(keys)
    assert len({row["page_authority"] for row in rows}) > 1


def test_refdomains_shows_trustrank_and_its_seeds(analysis_web: CrawledWeb, tmp_path: Path) -> None:
    """TrustRank from one seed, a referring domain of the target: the expected scores are
    networkx's personalized PageRank of the truth's domain graph, restarting (and sending
    dangling rank) at the seed; the seed's row says trust_seed 1, every other 0."""
    domain = _target(analysis_web)
    seed = _rows(analysis_web, "refdomains", domain)[-1]["ref_domain"]
    seeds_file = tmp_path / "trusted.txt"
    seeds_file.write_text(f"# one seed\n{seed}\n")
    linkgraph(["authority", *analysis_web.args, "--trust-seeds", str(seeds_file)])
    records = analysis_web.records
    links = {(r["src_url"], r["dst_url"]) for r in records if r["type"] == "link"}
    pages = {r["url"] for r in records if r["type"] == "page"} | {u for link in links for u in link}
    graph = nx.DiGraph()
    graph.add_nodes_from({domain_of(url) for url in pages})
    graph.add_edges_from(
        (domain_of(s), domain_of(d)) for s, d in links if domain_of(s) != domain_of(d)
    )
    restart = {name: float(name == seed) for name in graph}
    trust = nx.pagerank(graph, personalization=restart, dangling=restart, tol=1e-14, max_iter=1000)
    rows = _rows(analysis_web, "refdomains", domain)
    assert {row["ref_domain"]: row["trustrank"] for row in rows} == pytest.approx(
        {row["ref_domain"]: trust[row["ref_domain"]] for row in rows}, abs=1e-9
    )
    assert {row["ref_domain"]: row["trust_seed"] for row in rows} == {
        row["ref_domain"]: int(row["ref_domain"] == seed) for row in rows
    }
