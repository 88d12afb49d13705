"""Paused hosts in the frontier (issue 14 point 2): each pause keeps its reason in its shard,
`pauses` groups them, `deferred` sees a crawl whose only work left is on hosts paused past a
bound and counts their URLs per reason, `retry_paused` lifts every pause and forgets the failed
robots.txt answers. On one Valkey (1 and 4 shards) and on a Redis Cluster."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from crawler.frontier import Frontier
from crawler.frontier.connection import FrontierClient
from crawler.run.embedded import EmbeddedRedis
from tests.helpers.failover import redis_cluster


def entry(url: str) -> dict[str, Any]:
    return {"url": url, "depth": 1, "hops": 0}


def _scenario(client: FrontierClient, shards: int) -> None:
    frontier = Frontier(client, f"p{uuid.uuid4().hex[:10]}", host_concurrency=1, shards=shards)
    frontier.create({})
    frontier.seed(["http://a.test/", "http://b.test/", "http://c.test/"])
    frontier.enqueue([entry("http://b.test/x"), entry("http://b.test/y")])
    leases = {lease.host: lease for lease in frontier.lease("w1", 16)}
    assert sorted(leases) == ["a.test", "b.test", "c.test"]
    assert frontier.deferred(60) is None  # leases held: work in flight
    frontier.ack(leases["a.test"], [])
    b_key = frontier.prefix_of("b.test") + "r:http://b.test"
    kept_key = frontier.prefix_of("c.test") + "r:http://c.test"
    frontier.call(client.set, b_key, b"Drobots.txt 502")
    frontier.call(client.set, kept_key, b"A")
    started = time.time()
    frontier.pause("b.test", 300, "robots.txt 502", b_key)
    frontier.pause("b.test", 10, "Retry-After 503")  # shorter: neither time nor reason change
    frontier.pause("c.test", 120, "proxy refused", kept_key)
    assert frontier.release([leases["b.test"], leases["c.test"]]) == 2

    assert frontier.deferred(60) == {"robots.txt 502": 3, "proxy refused": 1}
    assert frontier.deferred(200) is None  # c.test comes back sooner than that
    paused = frontier.pauses(time.time())
    assert [(why, hosts) for why, hosts, _ in paused] == [
        ("proxy refused", 1),
        ("robots.txt 502", 1),
    ]
    for (_, _, until), seconds in zip(paused, (120, 300), strict=True):
        assert started + seconds - 1 < until < time.time() + seconds + 1
    assert frontier.pauses(started + 200) == [("robots.txt 502", 1, paused[1][2])]

    frontier.enqueue([entry("http://a.test/more")])  # a host that may start now
    assert frontier.deferred(60) is None
    [more] = frontier.lease("w1", 16)
    frontier.ack(more, [])
    assert frontier.deferred(60) == {"robots.txt 502": 3, "proxy refused": 1}
    frontier.record_deferred({"robots.txt 502": 3, "proxy refused": 1})
    assert frontier.recorded_deferred() == {"robots.txt 502": 3, "proxy refused": 1}

    assert frontier.retry_paused() == 2
    assert frontier.recorded_deferred() == {} and frontier.pauses(time.time()) == []
    assert frontier.call(client.get, b_key) is None  # the failed answer: fetched again
    assert frontier.call(client.get, kept_key) == b"A"
    assert sorted(lease.url for lease in frontier.lease("w1", 16)) == [
        "http://b.test/",
        "http://c.test/",
    ]
    assert frontier.deferred(60) is None


@pytest.mark.parametrize("shards", [1, 4])
def test_pauses_on_one_redis(valkey: EmbeddedRedis, shards: int) -> None:
    _scenario(redis.Redis.from_url(valkey.url), shards)


@pytest.fixture
def cluster_client(tmp_path: Path) -> Iterator[FrontierClient]:
    with redis_cluster(tmp_path / "cluster") as servers:
        yield redis.RedisCluster(host="127.0.0.1", port=servers.nodes[0].port, socket_timeout=5)


@pytest.mark.server
@pytest.mark.cluster
def test_pauses_on_a_redis_cluster(cluster_client: FrontierClient) -> None:
    _scenario(cluster_client, 6)
