"""One crawl spread over a 3-master Redis Cluster: with the default shard count (4 per master)
the crawl stores exactly the simulated web's truth and each master serves a third of the
frontier's commands (INFO commandstats of every master, before and after), within 10 points."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from crawler.testweb import WebServer, build_web, truth
from tests.helpers.e2e import assert_truth, linkgraph, seeds_file
from tests.helpers.failover import redis_cluster
from tests.helpers.servers import ClickHouseServer, RedisClusterServers

pytestmark = [pytest.mark.server, pytest.mark.cluster]

# 48 hosts: the share of a master follows the hosts its 4 shards drew (binomial: 48 hosts keep
# its spread near 7 points; 12 would be 14).
SITES, PAGES_PER_SITE, SEED = 48, 10, 11
# Connection and monitoring commands, not the frontier's work.
NOT_FRONTIER = {"info", "cluster", "ping", "command", "config", "client", "hello", "readonly"}


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[RedisClusterServers]:
    with redis_cluster(tmp_path / "cluster") as servers:
        yield servers


def frontier_calls(port: int) -> int:
    """Commands the node ran (scripts and the commands inside them), monitoring left out."""
    stats: dict[str, Any] = redis.Redis(port=port).info("commandstats")
    return sum(
        int(row["calls"])
        for name, row in stats.items()
        if name.removeprefix("cmdstat_").split("|")[0] not in NOT_FRONTIER
    )


def test_a_sharded_crawl_spreads_over_the_masters(
    tmp_path: Path, cluster: RedisClusterServers, clickhouse: ClickHouseServer
) -> None:
    web = build_web(SITES, PAGES_PER_SITE, SEED)
    records: list[dict[str, Any]] = list(truth(web))
    ch_url = clickhouse.url_for("e2e_cluster_shards")
    ports = [node.port for node in cluster.nodes]
    before = [frontier_calls(port) for port in ports]
    with WebServer(web) as server:
        proc = linkgraph(
            ["crawl", "--seeds-file", str(seeds_file(web, tmp_path)), "--redis", cluster.url,
             "--data", str(tmp_path / "data"), "--clickhouse", ch_url, "--workers", "2",
             "--crawl-id", "spread", "--proxy", server.proxy]
        )  # fmt: skip
    assert "crawl finished" in proc.stdout + proc.stderr
    calls = [frontier_calls(port) - b for port, b in zip(ports, before, strict=True)]
    assert_truth(ch_url, records)
    shares = [n / sum(calls) for n in calls]
    print(f"frontier commands per master: {calls}, shares {[round(s, 3) for s in shares]}")
    assert all(0.23 <= share <= 0.43 for share in shares), (calls, shares)
    # The crawl recorded its 12 shards (4 per master) for its workers and resumes.
    client = redis.RedisCluster(host="127.0.0.1", port=ports[1])
    assert b'"shards":12' in client.get("lg:{spread}:meta")
