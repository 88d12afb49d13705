"""A frontier in 4 shards on the embedded Valkey: each host's keys in its own shard, leases from
every shard in turn, budgets exact across shards, and the operator's figures summed over shards."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from typing import Any

import pytest
import redis

from crawler.config import CrawlConfig
from crawler.errors import ConfigError, FrontierLost
from crawler.frontier import Frontier, Lease
from crawler.frontier.shards import ShardMap
from crawler.run.crawl import join_frontier
from crawler.run.embedded import EmbeddedRedis
from crawler.run.status import status

SHARDS = 4
HOSTS = [f"h{i}.test" for i in range(24)]


def entry(url: str, depth: int = 1) -> dict[str, Any]:
    return {"url": url, "depth": depth, "hops": 0}


@pytest.fixture
def crawl_id() -> str:
    return f"s{uuid.uuid4().hex[:10]}"


@pytest.fixture
def client(valkey: EmbeddedRedis) -> redis.Redis:
    return redis.Redis.from_url(valkey.url)


def make(client: redis.Redis, crawl_id: str, **options: Any) -> Frontier:
    frontier = Frontier(client, crawl_id, shards=SHARDS, **options)
    frontier.create({"scope": "test", **options})
    return frontier


def drain(frontier: Frontier, worker: str = "w1") -> list[Lease]:
    """Lease until nothing is left, acking each batch with no children."""
    leased: list[Lease] = []
    while batch := frontier.lease(worker, 16):
        leased += batch
        frontier.ack_many([(lease, [], "done") for lease in batch])
    return leased


def keys_of(client: redis.Redis, crawl_id: str) -> set[str]:
    return {k.decode() for k in client.scan_iter(f"lg:{{{crawl_id}*", count=1000)}


def test_each_host_lives_in_its_own_shard(client: redis.Redis, crawl_id: str) -> None:
    frontier = make(client, crawl_id)
    shards = ShardMap(crawl_id, SHARDS)
    urls = [f"http://{host}/{n}" for host in HOSTS for n in range(5)]
    assert frontier.enqueue(entry(url) for url in urls) == len(urls)
    # Every host's queue is in the shard the map names; every shard holds some hosts.
    queues = {k for k in keys_of(client, crawl_id) if ":q:" in k}
    assert queues == {f"{shards.prefix(shards.shard_of(h))}q:{h}" for h in HOSTS}
    assert len({shards.shard_of(h) for h in HOSTS}) == SHARDS
    # The seen set is split the same way: each shard's buckets hold its hosts' URLs.
    per_shard = Counter(shards.shard_of(h) for h in HOSTS)
    for shard in range(SHARDS):
        members = sum(
            client.scard(k) for k in client.scan_iter(shards.prefix(shard) + "s:*", count=1000)
        )
        assert members == 5 * per_shard[shard]
    counts = frontier.counts()
    assert counts["queued"] == counts["seen"] == len(urls)
    stats = [client.hgetall(shards.prefix(s) + "stats") for s in range(SHARDS)]
    assert sum(int(s.get(b"queued", 0)) for s in stats) == len(urls)
    # A crawl's keys: its meta, and each shard's; nothing else outside the shards' tags.
    tags = {f"lg:{{{shards.tag(s)}}}:" for s in range(SHARDS)}
    assert {k for k in keys_of(client, crawl_id) if not k.startswith(tuple(tags))} == {
        f"lg:{{{crawl_id}}}:meta",
        f"lg:{{{crawl_id}}}:stats",
    }


def test_leases_come_from_every_shard_in_turn(client: redis.Redis, crawl_id: str) -> None:
    frontier = make(client, crawl_id)
    frontier.enqueue(entry(f"http://{host}/{n}") for host in HOSTS for n in range(3))
    firsts = [frontier.lease("w1", 1)[0] for _ in range(2 * SHARDS)]
    # One entry a call, the start shard rotating: each shard served twice in 8 calls.
    assert Counter(lease.shard for lease in firsts) == dict.fromkeys(range(SHARDS), 2)
    assert all(lease.shard == frontier.shard_of(lease.host) for lease in firsts)
    # A lease call fills from the next shards when the first runs dry (a host whose two
    # slots the first leases hold waits for their acks).
    rest = drain(frontier)
    frontier.ack_many([(lease, [], "done") for lease in firsts])
    rest += drain(frontier)
    assert sorted(lease.url for lease in [*firsts, *rest]) == sorted(
        f"http://{host}/{n}" for host in HOSTS for n in range(3)
    )
    assert frontier.done()
    counts = frontier.counts()
    assert counts["done"] == 3 * len(HOSTS) and counts["queued"] == counts["leased"] == 0


def test_an_ack_queues_children_in_their_shards(client: redis.Redis, crawl_id: str) -> None:
    frontier = make(client, crawl_id)
    frontier.seed([f"http://{HOSTS[0]}/"])
    [lease] = frontier.lease("w1", 4)
    kids = [entry(f"http://{host}/kid") for host in HOSTS]
    assert frontier.ack(lease, [*kids, kids[3]]) == len(HOSTS)
    shards = ShardMap(crawl_id, SHARDS)
    for host in HOSTS:
        queue = f"{shards.prefix(shards.shard_of(host))}q:{host}"
        assert [e for e in client.zrange(queue, 0, -1)] == [
            b'{"url":"http://%s/kid","depth":1,"hops":0}' % host.encode()
        ]
    # Offered again (a refetch after a crash between the shards' calls): nothing new.
    assert frontier.enqueue(kids) == 0
    counts = frontier.counts()
    assert counts["done"] == 1 and counts["queued"] == len(HOSTS)
    assert counts["seen"] == len(HOSTS) + 1
    # Leases of different shards may share a token: the ident tells them apart.
    leases = drain(frontier)
    assert len({lease.ident for lease in leases}) == len(HOSTS)


def test_max_pages_is_exact_across_shards(client: redis.Redis, crawl_id: str) -> None:
    frontier = make(client, crawl_id, max_pages=7)
    other = Frontier(redis.Redis(connection_pool=client.connection_pool), crawl_id)
    other.adopt(other.meta())  # a second worker, as it joins: shards and budget from the meta
    assert other.shards.count == SHARDS and other.max_pages == 7
    frontier.enqueue(entry(f"http://{host}/{n}") for host in HOSTS for n in range(3))
    first = frontier.lease("w1", 5)
    second = other.lease("w2", 5)
    assert len(first) == 5 and len(second) == 2 and not frontier.lease("w1", 16)
    assert not frontier.done()  # leases are out
    # Handed back, a lease's page is in the budget again; a finished one is spent.
    assert other.release(second[:1]) == 1
    again = frontier.lease("w1", 16)
    assert len(again) == 1 and not other.lease("w2", 16)
    frontier.ack_many([(lease, [], "done") for lease in [*first, *again]])
    other.ack_many([(lease, [], "done") for lease in second[1:]])
    assert frontier.done() and other.done()
    counts = frontier.counts()
    assert counts["done"] == counts["admitted"] == 7
    assert counts["queued"] == 3 * len(HOSTS) - 7


def test_max_pages_per_host_is_exact_in_each_shard(client: redis.Redis, crawl_id: str) -> None:
    frontier = make(client, crawl_id, max_pages_per_host=2)
    frontier.enqueue(entry(f"http://{host}/{n}") for host in HOSTS for n in range(5))
    leased = drain(frontier)
    assert Counter(lease.host for lease in leased) == dict.fromkeys(HOSTS, 2)
    counts = frontier.counts()
    assert counts["over_budget"] == 3 * len(HOSTS) and counts["queued"] == 0
    assert frontier.done()


def test_expired_leases_return_in_every_shard(client: redis.Redis, crawl_id: str) -> None:
    frontier = make(client, crawl_id, max_pages=10, lease_timeout=0.05)
    frontier.enqueue(entry(f"http://{host}/") for host in HOSTS)
    dead = frontier.lease("dead", 10)
    assert len({lease.shard for lease in dead}) > 1
    assert frontier.lease("w1", 10) == []  # the budget is out with the dead worker
    time.sleep(0.1)
    assert frontier.requeue_expired() == 10
    assert len(frontier.lease("w1", 16)) == 10
    assert frontier.counts()["expired"] == 10


def test_status_and_progress_read_every_shard(client: redis.Redis, crawl_id: str) -> None:
    frontier = make(client, crawl_id)
    frontier.enqueue(entry(f"http://{host}/{n}") for host in HOSTS for n in range(2))
    leases = frontier.lease("w1", 10)
    frontier.ack_many(
        [(lease, [], "done") for lease in leases[:6]], counters={"pages": 6, "links": 60}
    )
    shards = ShardMap(crawl_id, SHARDS)
    stats = [client.hgetall(shards.prefix(s) + "stats") for s in range(SHARDS)]
    leased = sum(client.zcard(shards.prefix(s) + "leases") for s in range(SHARDS))
    report = status(frontier)
    counts = report["counts"]
    for name in ("queued", "done", "seen", "pages", "links", "admitted"):
        assert counts[name] == sum(int(s.get(name.encode(), 0)) for s in stats), name
    assert (counts["queued"], counts["done"], counts["pages"]) == (2 * len(HOSTS) - 10, 6, 6)
    assert counts["leased"] == leased == 4 and report["state"] == "stopped"
    assert counts["created"] > 0
    busiest = dict(report["busiest"])
    assert sum(busiest.values()) <= counts["queued"] and set(busiest.values()) <= {1, 2}


def test_join_refuses_another_shard_count(client: redis.Redis, crawl_id: str) -> None:
    make(client, crawl_id)
    frontier, meta = join_frontier(client, CrawlConfig(crawl_id=crawl_id))
    assert frontier.shards.count == meta["shards"] == SHARDS
    join_frontier(client, CrawlConfig(crawl_id=crawl_id, frontier_shards=SHARDS))
    with pytest.raises(ConfigError, match="created with --frontier-shards 4"):
        join_frontier(client, CrawlConfig(crawl_id=crawl_id, frontier_shards=2))


def test_a_shard_that_lost_its_data_stops_the_crawl(client: redis.Redis, crawl_id: str) -> None:
    frontier = make(client, crawl_id)
    frontier.enqueue([entry("http://a.test/")])
    shards = ShardMap(crawl_id, SHARDS)
    lost = (frontier.shard_of("a.test") + 1) % SHARDS
    for key in client.scan_iter(shards.prefix(lost) + "*"):
        client.delete(key)
    with pytest.raises(FrontierLost, match=f"shard {lost} of crawl"):
        frontier.done()
    with pytest.raises(FrontierLost, match=f"shard {lost} of crawl"):
        # An ack that finishes a lease of the lost shard.
        frontier.ack_many([(Lease("1-1", {}, "", "x", 0, 0.0, shard=lost), [], "done")])
