"""A master of a 3 + 3 Redis Cluster killed and its replica promoted, with the frontier's writes
held back from the replica (SIGSTOP) so asynchronous replication's loss is certain, not a race:
without WAIT the children an ack had already sent to that master are gone after the failover;
with it (the default when masters have replicas) the ack fails instead, its retry after the
failover queues them, and nothing is lost."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from crawler.errors import FrontierError
from crawler.frontier import Frontier
from crawler.frontier.replication import Replication
from tests.helpers.failover import fail_over, hold, pair_of_key, redis_cluster
from tests.helpers.servers import RedisClusterServers

pytestmark = [pytest.mark.server, pytest.mark.cluster]

SHARDS = 12
HOSTS = [f"h{i}.test" for i in range(60)]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[RedisClusterServers]:
    with redis_cluster(tmp_path / "cluster", replicas=1) as servers:
        yield servers


def entry(url: str) -> dict[str, Any]:
    return {"url": url, "depth": 1, "hops": 0}


def frontier_on(
    cluster: RedisClusterServers, crawl_id: str, create: bool = False, port: int = 0
) -> Frontier:
    """A worker's frontier; `port`: a node still alive to start from (after a failover)."""
    port = port or cluster.nodes[0].port
    client = redis.RedisCluster(host="127.0.0.1", port=port, socket_timeout=5)
    frontier = Frontier(client, crawl_id, shards=SHARDS)
    if create:
        frontier.create({})
    else:
        frontier.adopt(frontier.meta())
    return frontier


def until_done(call: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Retry `call` as the scheduler retries a failed ack, until it goes through."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except FrontierError:
            assert time.monotonic() < deadline, "the call never went through"
            time.sleep(0.2)


def setup(cluster: RedisClusterServers, crawl_id: str) -> tuple[Frontier, Any, list[str], Any]:
    """A crawl, a page leased from a shard on one master, and children bound for another."""
    frontier = frontier_on(cluster, crawl_id, create=True)
    parent_host = HOSTS[0]
    parent_pair = pair_of_key(cluster, frontier.prefix_of(parent_host) + "meta")
    frontier.seed([f"http://{parent_host}/"])
    [lease] = frontier.lease("w1", 1)
    other = [
        h for h in HOSTS if pair_of_key(cluster, frontier.prefix_of(h) + "meta") != parent_pair
    ]
    victim = pair_of_key(cluster, frontier.prefix_of(other[0]) + "meta")
    kids = [
        f"http://{h}/kid"
        for h in HOSTS
        if pair_of_key(cluster, frontier.prefix_of(h) + "meta") == victim
    ]
    assert kids
    return frontier, lease, kids, victim


def queued_after_failover(cluster: RedisClusterServers, crawl_id: str, port: int) -> set[str]:
    """What a new worker, joining after the failover, finds to lease."""
    frontier = frontier_on(cluster, crawl_id, port=port)
    urls = set()
    while leases := until_done(lambda: frontier.lease("w2", 64)):
        urls |= {lease.url for lease in leases}
        until_done(lambda: frontier.ack_many([(lease, [], "done") for lease in leases]))
    return urls


def test_without_wait_a_failover_loses_acked_children(cluster: RedisClusterServers) -> None:
    frontier, lease, kids, victim = setup(cluster, "nowait")
    frontier.replication = Replication(frontier.client, timeout_ms=0)  # asynchronous only
    hold(cluster, victim)
    try:
        assert frontier.ack(lease, [entry(url) for url in kids]) == len(kids)
    finally:
        fail_over(cluster, victim)
    # The measure of what asynchronous replication loses: every child the ack had sent, while
    # the ack itself (another master) stands, so nothing will fetch the page again.
    lost = set(kids) - queued_after_failover(cluster, "nowait", victim.replica_port)
    print(f"without WAIT: {len(lost)} of {len(kids)} children lost in the failover")
    assert lost, "the held-back replica had them after all: the test shows nothing"


def test_with_wait_a_failover_loses_nothing(cluster: RedisClusterServers) -> None:
    frontier, lease, kids, victim = setup(cluster, "wait")
    assert frontier.replication.enabled
    hold(cluster, victim)
    try:
        # The children's master cannot get a replica to confirm them: the ack fails, whole
        # (its lease is not finished), as when the master dies before replicating.
        with pytest.raises(FrontierError, match="no replica"):
            frontier.ack(lease, [entry(url) for url in kids])
    finally:
        fail_over(cluster, victim)
    # The scheduler retries the ack: it reaches the promoted replica and queues the children.
    assert until_done(lambda: frontier.ack(lease, [entry(url) for url in kids])) >= 0
    assert frontier.counts()["done"] == 1
    assert queued_after_failover(cluster, "wait", victim.replica_port) == set(kids)


def test_wait_latency_per_durable_call(cluster: RedisClusterServers) -> None:
    """The cost of the wait, measured: enqueue calls with and without WAIT 1, same cluster."""
    frontier = frontier_on(cluster, "cost", create=True)
    timings = {}
    for name, wait_ms in (("async", 0), ("wait", 1000), ("async", 0), ("wait", 1000)):
        frontier.replication = Replication(frontier.client, timeout_ms=wait_ms)
        started = time.perf_counter()
        for i in range(200):
            frontier.enqueue([entry(f"http://{HOSTS[i % len(HOSTS)]}/{name}{wait_ms}/{i}")])
        timings[name] = (time.perf_counter() - started) / 200 * 1e6
    print(
        f"enqueue of one URL: {timings['async']:.0f} us async, {timings['wait']:.0f} us with WAIT"
    )
    assert frontier.counts()["queued"] == 400  # each call went through, with or without WAIT
