"""`linkgraph bench store` on both engines: its JSON line, and the store it leaves behind, whose
materialized domain graph (referring_domains, domain_graph) must equal the synthetic links."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.bench_store import BATCH_LINKS, REFERRING_DOMAINS, batches
from pipelines.store import open_store
from tests.helpers.e2e import domain_truth, linkgraph

LINKS = 2 * BATCH_LINKS + 10_000  # three insert blocks, so domain pairs span blocks and merges
KEYS = {"ingest_rows_per_s", "backlinks_p50_ms", "refdomains_p50_ms", "gap_p50_ms", "rows",
        "bytes_on_disk", "referring_domains_p50_ms", "referring_domains_top_ms"}  # fmt: skip


@pytest.mark.parametrize("engine", ["chdb", pytest.param("server", marks=pytest.mark.server)])
def test_bench_store_json_and_domain_graph(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    target = str(tmp_path / "store") if engine == "chdb" else request.getfixturevalue("ch_url")
    where = ["--data", target] if engine == "chdb" else ["--clickhouse", target]
    proc = linkgraph(["bench", "store", "--links", str(LINKS), "--json", *where])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result.keys() >= KEYS and result["rows"] == LINKS
    assert all(result[key] > 0 for key in KEYS)
    want = domain_truth(link for _, links in batches(LINKS) for link in links)[0]
    assert len(want) > 10_000 and max(row[2] for row in want) > 1  # many pairs, some with several
    with open_store(target) as store:
        got = store.query(
            "SELECT dst_domain, src_domain, links, dofollow_links, first_seen, last_seen "
            "FROM referring_domains ORDER BY dst_domain, src_domain"
        ).rows
        assert got == want
        edges = store.query(
            "SELECT dst_domain, src_domain, links, dofollow_links, first_seen, last_seen "
            "FROM domain_graph ORDER BY dst_domain, src_domain"
        ).rows
        assert edges == want
        for domain in ("target0.com", "target7.com"):  # the bench's query: the view, narrowed
            rows = sorted((r[1:] for r in want if r[0] == domain), key=lambda r: (-r[1], r[0]))
            assert store.query(REFERRING_DOMAINS, {"domain": domain}).rows == rows != []


def test_bench_store_runs_outside_the_repo(tmp_path: Path) -> None:
    """From any directory (`bench` is installed with the package), and with few links: fewer
    target domains than query samples."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    proc = linkgraph(
        ["bench", "store", "--links", "2000", "--json", "--data", str(tmp_path / "store")],
        cwd=outside,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["rows"] == 2000 and result["backlinks_p50_ms"] > 0
