"""Toxicity of a crawled simulated web: a disavow file written by the CLI, read back and checked
line by line, and the same scores from a crawl into chDB and into clickhouse-server 18.16."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.analysis.disavow import MAX_BYTES, MAX_LINES, read_disavow
from crawler.analysis.toxicity import score_domain
from pipelines.store import open_store
from tests.helpers.e2e import CrawledWeb, crawled_web, linkgraph
from tests.helpers.servers import ClickHouseServer


def test_disavow_file_of_the_simulated_web(analysis_web: CrawledWeb, tmp_path: Path) -> None:
    web, records, args, _ = analysis_web
    counts: dict[str, int] = {}
    for r in records:
        if r["type"] == "link" and r["src_domain"] != r["dst_domain"]:
            counts[r["dst_domain"]] = counts.get(r["dst_domain"], 0) + 1
    target = max((d for d in counts if d in web.domains), key=lambda d: (counts[d], d))
    referring = {r["src_domain"] for r in records if r["type"] == "link"
                 and r["dst_domain"] == target and r["src_domain"] != target}  # fmt: skip
    scores = _jsonl(["toxicity", target, *args])
    assert {row["ref_domain"] for row in scores} == referring
    link_scores = _jsonl(["toxicity", target, "--links", *args])
    min_score = sorted({row["score"] for row in scores if row["score"] > 0})[-2]
    out = tmp_path / "disavow.txt"
    linkgraph(["disavow", target, "--min-score", str(min_score), "--out", str(out), *args])
    raw = out.read_bytes()
    text = raw.decode("utf-8")
    lines = text.splitlines()
    assert len(lines) <= MAX_LINES and len(raw) <= MAX_BYTES and text.endswith("\n")
    want_domains = [r for r in scores if r["score"] >= min_score]
    listed = {r["ref_domain"] for r in want_domains}
    worst: dict[str, dict] = {}
    for r in link_scores:
        if r["score"] < min_score or r["src_domain"] in listed:
            continue
        if r["src_url"] not in worst or r["score"] > worst[r["src_url"]]["score"]:
            worst[r["src_url"]] = r
    assert want_domains, "the simulated web should have domains scoring that much"
    body = [line for line in lines if not line.startswith("# Disavow file for")]
    assert lines[0].startswith(f"# Disavow file for {target}, written by linkgraph on ")
    assert lines[1] == "# Each entry's comment gives its score and reasons (linkgraph toxicity)."
    expected = []
    for r in want_domains:
        expected += [f"# score {r['score']:g}: {r['reasons']}", f"domain:{r['ref_domain']}"]
    for url, r in sorted(worst.items()):
        expected += [f"# score {r['score']:g}: {r['reasons']}", url]
    assert body[1:] == expected
    back = read_disavow(out)
    assert back.domains == frozenset(listed)
    assert back.urls == frozenset(worst)
    assert listed <= referring


@pytest.mark.server
def test_scores_are_the_same_on_clickhouse_18(
    tmp_path_factory: pytest.TempPathFactory, clickhouse: ClickHouseServer
) -> None:
    """Every domain's and link's score and reasons, from a crawl into clickhouse-server 18.16,
    are those from the same crawl into chDB."""
    crawls = [crawled_web(tmp_path_factory), crawled_web(tmp_path_factory, clickhouse)]
    targets = sorted({r["dst_domain"] for r in crawls[0].records if r["type"] == "link"})
    positive = []  # targets with a referring domain scoring above 0: the equality says something
    for target in targets:
        got = []
        for crawled in crawls:
            store = open_store(crawled.target)
            try:
                got.append(score_domain(store, target))
            finally:
                store.close()
        assert got[0] == got[1], target
        if any(d.score > 0 for d in got[0][0]):
            positive.append(target)
    assert len(positive) >= len(targets) // 2, positive


def _jsonl(args: list[str]) -> list[dict]:
    proc = linkgraph([*args, "--format", "jsonl"])
    return [json.loads(line) for line in proc.stdout.splitlines()]
