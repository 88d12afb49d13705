"""End to end on a Redis Cluster: `--redis` names one node of a 3-master cluster of Debian's
redis-server, the crawl finds the cluster, and two workers store exactly the simulated web's truth.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from crawler.testweb import WebServer, build_web, truth
from tests.helpers.e2e import diff, linkgraph, seeds_file, stored, truth_links, truth_pages
from tests.helpers.servers import ClickHouseServer, RedisClusterServers, have_redis_server

pytestmark = [pytest.mark.server, pytest.mark.cluster]

SITES, PAGES_PER_SITE, SEED = 12, 40, 11


@pytest.fixture
def redis_cluster(tmp_path: Path) -> Iterator[RedisClusterServers]:
    """Three masters, no replicas, on loopback; stopped by PID."""
    if not have_redis_server():
        pytest.skip("Debian's redis-server is not installed (make test installs it)")
    with RedisClusterServers(tmp_path / "cluster", masters=3) as cluster:
        yield cluster


def test_crawl_on_a_redis_cluster_stores_exactly_the_truth(
    tmp_path: Path, redis_cluster: RedisClusterServers, clickhouse: ClickHouseServer
) -> None:
    web = build_web(SITES, PAGES_PER_SITE, SEED)
    records: list[dict[str, Any]] = list(truth(web))
    ch_url = clickhouse.url_for("e2e_redis_cluster")
    cluster_args = ["--redis", redis_cluster.url, "--data", str(tmp_path / "data")]
    with WebServer(web) as server:
        proc = linkgraph(
            ["crawl", "--seeds-file", str(seeds_file(web, tmp_path)), *cluster_args,
             "--clickhouse", ch_url, "--workers", "2", "--proxy", server.proxy]
        )  # fmt: skip
    assert "crawl finished" in proc.stdout + proc.stderr
    pages, links = stored(ch_url)
    expected_pages = truth_pages(records)
    assert pages == expected_pages, diff(Counter(expected_pages.items()), Counter(pages.items()))
    expected_links = truth_links(records)
    assert links == expected_links, diff(expected_links, links)
    # `status` reads the crawl back through any node: the cluster client follows its slot.
    other = f"redis://127.0.0.1:{redis_cluster.nodes[2].port}/0"
    lines = linkgraph(["status", "--redis", other]).stdout.splitlines()
    assert lines[0].endswith(": done"), lines
    assert {"  queued: 0", "  leased: 0"} <= set(lines), lines
    # The untagged lg:current lives in its own slot, apart from the crawl's keys.
    client = redis.RedisCluster(host="127.0.0.1", port=redis_cluster.nodes[1].port)
    assert client.get("lg:current") is not None
