"""schema/cluster/DEPLOY.md, run: every fenced `sh` block of the runbook, in its order, on
loopback (ZooKeeper, four clickhouse-server 18.16 as cluster `lg`, a Redis Cluster of three
masters and three replicas), a crawl of the simulated web and a worker joining it; the store
then holds exactly the truth, split over both shards and copied to each shard's replica, and
the runbook's status and query commands answer what the truth says."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from crawler.testweb import WebServer, build_web, truth
from tests.helpers.e2e import diff, seeds_file, stored, truth_links, truth_pages, wait_for
from tests.helpers.runbook import (
    CH_NODES,
    LoopbackDeploy,
    declared_names,
    runbook_blocks,
    template_files,
    used_names,
)
from tests.helpers.servers import have_clickhouse_server, have_redis_server, have_zookeeper

pytestmark = [pytest.mark.server, pytest.mark.cluster]

SITES, PAGES_PER_SITE, SEED = 8, 25, 13
# The order an operator follows; the test runs the blocks in it (crawl and worker overlap).
ROLES = [
    "variables", "zookeeper", "clickhouse-node", "clickhouse-check", "redis-node",
    "redis-cluster", "crawl", "worker", "status", "query",
]  # fmt: skip


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackDeploy]:
    """The runbook's servers, started by its own blocks; stopped by PID."""
    if not (have_clickhouse_server() and have_zookeeper() and have_redis_server()):
        pytest.skip("Debian's clickhouse-server, zookeeper or redis-server is missing")
    deploy = LoopbackDeploy(tmp_path_factory.mktemp("runbook"))
    try:
        deploy.start_zookeeper()
        deploy.start_clickhouse()
        deploy.start_redis()
        yield deploy
    finally:
        deploy.stop()


def test_the_runbook_names_every_variable_it_uses() -> None:
    blocks = runbook_blocks()
    assert list(blocks) == ROLES
    declared = declared_names(blocks["variables"])
    used = set().union(*(used_names(code) for role, code in blocks.items() if role != "variables"))
    for template in template_files():
        used |= used_names(template.read_text())
    assert used - declared == set(), "used by the runbook or deploy/cluster, never set"
    # The loopback run sets every one of them: nothing falls through to the machine's own.
    assert declared - set(LoopbackDeploy(Path("/nonexistent-unused")).env()) == set()


def test_the_runbook_deploys_a_cluster_that_crawls_exactly_the_truth(
    deployed: LoopbackDeploy,
) -> None:
    check = deployed.run("clickhouse-check", deployed.env()).splitlines()
    # shard_num, replica_num, host, port: two shards of two replicas, in CH_NODES' order
    numbers = [(1, 1), (1, 2), (2, 1), (2, 2)]
    ports = [deployed.ch_ports[replica] for _, replica in CH_NODES]
    expected = [f"{s}\t{r}\t127.0.0.1\t{p}" for (s, r), p in zip(numbers, ports, strict=True)]
    assert check == [*expected, "1"]

    web = build_web(SITES, PAGES_PER_SITE, SEED)
    records: list[dict[str, Any]] = list(truth(web))
    seeds_file(web, deployed.base)
    with WebServer(web) as server:
        fetch = f"--proxy {server.proxy}"
        env = deployed.env(CRAWL_OPTIONS=fetch, WORKER_OPTIONS=fetch)
        crawl = deployed.start("crawl", env, deployed.base / "crawl.log")
        client = redis.RedisCluster(
            host="127.0.0.1", port=deployed.redis_ports[3], password=deployed.redis_password
        )
        wait_for("the crawl in the frontier", lambda: client.get("lg:current") is not None)
        worker = deployed.start("worker", env, deployed.base / "worker.log")
        assert crawl.wait(300) == 0, (deployed.base / "crawl.log").read_text()[-4000:]
        assert worker.wait(120) == 0, (deployed.base / "worker.log").read_text()[-4000:]

    pages, links = stored(deployed.ch_url)
    expected_pages = truth_pages(records)
    assert pages == expected_pages, diff(Counter(expected_pages.items()), Counter(pages.items()))
    expected_links = truth_links(records)
    assert links == expected_links, diff(expected_links, links)
    _spread_and_replicated(deployed, sum(expected_links.values()))

    status = deployed.run("status", deployed.env()).splitlines()
    assert status[0].endswith(": done"), status
    assert {"  queued: 0", "  leased: 0"} <= set(status), status

    domain = Counter(r["dst_domain"] for r in records if r["type"] == "link"
                     and r["src_domain"] != r["dst_domain"]).most_common(1)[0][0]  # fmt: skip
    into = [r for r in records if r["type"] == "link" and r["dst_domain"] == domain
            and r["src_domain"] != domain]  # fmt: skip
    lines = deployed.run("query", deployed.env(DOMAIN=domain)).splitlines()
    table = list(csv.DictReader(io.StringIO("\n".join(lines[:-1]))))
    assert {row["ref_domain"] for row in table} == {r["src_domain"] for r in into}
    assert sum(int(row["links"]) for row in table) == len(into)
    assert lines[-1] == str(len(into))


def _spread_and_replicated(deployed: LoopbackDeploy, links: int) -> None:
    """Both shards hold link rows, together every one; each shard's replicas hold the same."""
    counts = {}
    for _, replica in CH_NODES:
        client = deployed.ch_client(replica)
        client.execute("SYSTEM SYNC REPLICA linkgraph.link_fetches_local")
        counts[replica] = client.execute("SELECT count() FROM linkgraph.link_fetches_local")[0][0]
    assert counts["s1-r1"] == counts["s1-r2"] > 0, counts
    assert counts["s2-r1"] == counts["s2-r2"] > 0, counts
    assert counts["s1-r1"] + counts["s2-r1"] >= links, counts
