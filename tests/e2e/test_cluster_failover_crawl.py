"""A crawl on a 3-master Redis Cluster with a replica each: one master SIGKILLed mid-crawl, its
replica promoted, and the crawl still stores exactly the simulated web's truth (0 pages lost,
0 doubled)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from crawler.frontier import Frontier
from crawler.testweb import WebServer, build_web, truth
from tests.helpers.e2e import assert_truth, seeds_file, start_linkgraph, wait_for
from tests.helpers.failover import fail_over, pairs, redis_cluster
from tests.helpers.servers import ClickHouseServer, RedisClusterServers

pytestmark = [pytest.mark.server, pytest.mark.cluster]

SITES, PAGES_PER_SITE, SEED = 24, 20, 5


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[RedisClusterServers]:
    with redis_cluster(tmp_path / "cluster", replicas=1) as servers:
        yield servers


def _pages(port: int) -> int:
    try:
        client = redis.RedisCluster(host="127.0.0.1", port=port, socket_timeout=2)
        frontier = Frontier(client, "failover")
        frontier.adopt(frontier.meta())
        pages = frontier.counts()["pages"]
        client.close()
    except Exception:  # not created yet, or the cluster between two states
        return 0
    return int(pages)


def test_a_master_failover_mid_crawl_loses_and_doubles_nothing(
    tmp_path: Path, cluster: RedisClusterServers, clickhouse: ClickHouseServer
) -> None:
    web = build_web(SITES, PAGES_PER_SITE, SEED)
    records: list[dict[str, Any]] = list(truth(web))
    ch_url = clickhouse.url_for("e2e_cluster_failover")
    # Not the master the crawl was given: the URL must keep naming a live node for the test.
    victim = next(pair for pair in pairs(cluster) if pair.master != 0)
    alive = cluster.nodes[0].port
    log = tmp_path / "crawl.log"
    with WebServer(web, latency_ms=20) as server:
        proc = start_linkgraph(
            ["crawl", "--seeds-file", str(seeds_file(web, tmp_path)), "--redis",
             cluster.url, "--data", str(tmp_path / "data"), "--clickhouse", ch_url,
             "--workers", "2", "--lease-timeout", "5", "--crawl-id", "failover",
             "--proxy", server.proxy],
            log,
        )  # fmt: skip
        try:
            wait_for("100 stored pages", lambda: _pages(alive) >= 100, timeout=120)
            fail_over(cluster, victim)
            proc.wait(240)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    output = log.read_text()
    client = redis.RedisCluster(host="127.0.0.1", port=alive)
    frontier = Frontier(client, "failover")
    frontier.adopt(frontier.meta())
    counts = frontier.counts()
    print({k: counts.get(k) for k in ("pages", "done", "admitted", "expired", "stale_acks")})
    assert proc.returncode == 0, output[-6000:]
    assert "crawl finished" in output
    assert_truth(ch_url, records)  # no page lost, none shown twice
