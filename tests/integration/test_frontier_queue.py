"""Frontier queue semantics on the embedded Valkey: leases, politeness, budgets, the seen set."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis

from crawler.errors import FrontierError, FrontierUnavailable
from crawler.frontier import Frontier, Lease, current_crawl
from crawler.frontier.queue import prefix
from crawler.run.embedded import EmbeddedRedis

Make = Callable[..., Frontier]


@pytest.fixture
def client(valkey: EmbeddedRedis) -> redis.Redis:
    return redis.Redis.from_url(valkey.url)


@pytest.fixture
def make(valkey: EmbeddedRedis) -> Make:
    crawl_id = f"t{uuid.uuid4().hex[:10]}"

    def make(**options: Any) -> Frontier:
        frontier = Frontier(redis.Redis.from_url(valkey.url), crawl_id, **options)
        frontier.create({"scope": "test"})
        return frontier

    return make


def entry(url: str, depth: int = 1) -> dict[str, Any]:
    return {"url": url, "depth": depth, "hops": 0}


def urls(leases: list[Lease]) -> list[str]:
    return [lease.url for lease in leases]


def test_seed_lease_ack(make: Make) -> None:
    frontier = make()
    assert frontier.seed(["http://a.test/", "HTTP://A.test:80/", "http://b.test/"]) == 2
    leases = frontier.lease("w1", 10)
    assert sorted(urls(leases)) == ["http://a.test/", "http://b.test/"]
    lease = leases[0]
    assert lease.entry["depth"] == 0 and lease.host == lease.url.split("/")[2]
    assert lease.deadline > time.time() + 50
    kids = [entry("http://a.test/x"), entry("http://c.test/"), entry("http://a.test/x")]
    assert frontier.ack(lease, kids) == 2
    assert frontier.ack(leases[1], [entry("http://a.test/x"), entry("http://b.test/")]) == 0
    counts = frontier.counts()
    assert counts["done"] == 2 and counts["queued"] == 2 and counts["seen"] == 4
    assert counts["leased"] == 0
    assert not frontier.done()
    rest = frontier.lease("w1", 10)
    assert sorted(urls(rest)) == ["http://a.test/x", "http://c.test/"]
    for lease in rest:
        frontier.ack(lease, [])
    assert frontier.done()


def test_meta_current_crawl_counters_workers(make: Make, client: redis.Redis) -> None:
    frontier = make()
    assert frontier.meta()["scope"] == "test"
    assert current_crawl(client) == frontier.crawl_id
    frontier.incr("pages", 3)
    frontier.incr("links", 40)
    assert frontier.counts()["pages"] == 3 and frontier.counts()["links"] == 40
    frontier.heartbeat("w1", {"rate": 5})
    assert [(w["worker"], w["rate"]) for w in frontier.workers()] == [("w1", 5)]
    keys = {k.decode() for k in client.scan_iter(prefix(frontier.crawl_id) + "*")}
    assert keys and all(k.startswith(f"lg:{{{frontier.crawl_id}}}:") for k in keys)


def test_fetched_frees_the_host_slot(make: Make) -> None:
    frontier = make(host_concurrency=1)
    frontier.seed(["http://a.test/1", "http://a.test/2"])
    [first] = frontier.lease("w1", 5)
    assert frontier.lease("w1", 5) == []
    frontier.fetched(first)
    frontier.fetched(first)  # twice is harmless
    [second] = frontier.lease("w1", 5)
    assert second.url != first.url
    assert frontier.lease("w1", 5) == []
    frontier.ack(first, [])  # ack after fetched does not free a second slot
    assert frontier.lease("w1", 5) == []


def test_release_returns_leases_without_clearing_state(make: Make) -> None:
    frontier = make(host_concurrency=4)
    frontier.seed([f"http://a.test/{i}" for i in range(3)])
    leases = frontier.lease("w1", 3)
    assert frontier.release(leases) == 3
    counts = frontier.counts()
    assert counts["queued"] == 3 and counts["leased"] == 0 and counts["released"] == 3
    assert counts["seen"] == 3 and frontier.meta()["scope"] == "test"
    assert sorted(urls(frontier.lease("w2", 3))) == sorted(urls(leases))


def test_unacked_lease_returns_after_timeout(make: Make) -> None:
    frontier = make(lease_timeout=0.3)
    frontier.seed(["http://a.test/"])
    [lease] = frontier.lease("dead-worker", 1)
    assert frontier.requeue_expired() == 0
    time.sleep(0.4)
    assert frontier.requeue_expired() == 1
    [again] = frontier.lease("w2", 1)
    assert again.url == lease.url and again.token != lease.token
    # The dead worker's late ack is harmless: its children are queued, nothing else changes.
    assert frontier.ack(lease, [entry("http://a.test/late")]) == 1
    assert frontier.counts()["stale_acks"] == 1
    assert frontier.counts()["leased"] == 1
    frontier.ack(again, [])
    assert frontier.counts()["done"] == 1


def test_tampered_entries_are_refused_and_counted(make: Make, client: redis.Redis) -> None:
    frontier = make(host_concurrency=8)
    frontier.seed(["http://a.test/"])
    queue = frontier.key("q:a.test")
    client.zadd(queue, {b"\x80\x04\x95pickle": 0, b"{not json": 0, b'{"url": 5}': 0})
    client.zadd(queue, {b'{"url":"http://evil.test/","depth":1,"hops":0}': 1})
    leased = frontier.lease("w1", 10)
    assert urls(leased) == ["http://a.test/"]
    assert frontier.counts()["bad_entries"] == 4
    assert frontier.counts()["leased"] == 1


def test_url_cap_at_enqueue(make: Make) -> None:
    frontier = make()
    long_url = "http://a.test/" + "x" * 2100
    assert frontier.enqueue([entry(long_url), entry("http://a.test/ok")]) == 1
    assert frontier.counts()["too_long"] == 1


def test_round_robin_across_hosts(make: Make) -> None:
    frontier = make(host_concurrency=10)
    frontier.enqueue([entry(f"http://{h}.test/{i}") for h in "abc" for i in range(4)])
    leased = frontier.lease("w1", 9)
    hosts = [lease.host for lease in leased]
    assert (
        sorted(hosts[:3])
        == sorted(hosts[3:6])
        == sorted(hosts[6:9])
        == ["a.test", "b.test", "c.test"]
    )


def test_slow_host_does_not_starve_others(make: Make) -> None:
    frontier = make(host_concurrency=1)
    frontier.enqueue([entry(f"http://slow.test/{i}") for i in range(5)])
    frontier.enqueue([entry(f"http://fast.test/{i}") for i in range(5)])
    [slow, fast] = sorted(frontier.lease("w1", 10), key=lambda lease: lease.host)[::-1]
    assert slow.host == "slow.test" and fast.host == "fast.test"
    for _ in range(4):  # slow.test's one slot stays busy; fast.test goes on
        frontier.fetched(fast)
        frontier.ack(fast, [])
        [fast] = frontier.lease("w1", 10)
        assert fast.host == "fast.test"


def test_seeds_before_depth(make: Make) -> None:
    frontier = make(host_concurrency=10)
    frontier.enqueue([entry("http://a.test/d2", 2), entry("http://b.test/d1", 1)])
    frontier.seed(["http://c.test/"])
    frontier.enqueue([entry("http://a.test/d1", 1)])
    assert [lease.depth for lease in frontier.lease("w1", 4)] == [0, 1, 1, 2]


def test_budgets(make: Make) -> None:
    frontier = make(host_concurrency=10, max_pages=3)
    frontier.enqueue([entry(f"http://{h}.test/{i}") for h in "ab" for i in range(3)])
    leases = frontier.lease("w1", 10)
    assert len(leases) == 3
    assert frontier.lease("w1", 10) == []
    assert not frontier.done()
    for lease in leases:
        frontier.ack(lease, [entry("http://c.test/later")])
    assert frontier.done()
    assert frontier.counts()["over_budget"] == 1


def test_per_host_budget(make: Make) -> None:
    frontier = make(host_concurrency=10, max_pages_per_host=2)
    frontier.enqueue([entry(f"http://a.test/{i}") for i in range(5)] + [entry("http://b.test/")])
    leases = frontier.lease("w1", 10)
    assert sorted(lease.host for lease in leases) == ["a.test", "a.test", "b.test"]
    assert frontier.lease("w1", 10) == []
    for lease in leases:
        frontier.ack(lease, [entry("http://a.test/more")])
    assert frontier.done()
    assert frontier.counts()["over_budget"] == 3 + 1


def _worker(
    frontier: Frontier, name: str, log: list[tuple[str, float, float]], stop: float
) -> None:
    """A fake worker: lease, wait for the gate, 'download' 30 ms, free the slot, ack."""
    while time.monotonic() < stop and not frontier.done():
        leases = frontier.lease(name, 2)
        if not leases:
            time.sleep(0.005)
            continue
        for lease in leases:
            while (wait := frontier.start_wait(lease.host)) > 0:
                time.sleep(wait)
            started = time.monotonic()
            time.sleep(0.03)
            log.append((lease.host, started, time.monotonic()))
            frontier.fetched(lease)
            frontier.ack(lease, [])


def _run_two_workers(make: Make, **options: Any) -> list[tuple[str, float, float]]:
    frontiers = [make(**options), make(**options)]
    frontiers[0].enqueue([entry(f"http://{h}.test/{i}") for h in "ab" for i in range(6)])
    log: list[tuple[str, float, float]] = []
    stop = time.monotonic() + 20
    threads = [
        threading.Thread(target=_worker, args=(f, f"w{i}", log, stop))
        for i, f in enumerate(frontiers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert frontiers[0].done() and len(log) == 12
    return log


def test_host_delay_holds_across_two_workers(make: Make) -> None:
    log = _run_two_workers(make, host_delay=0.15, host_concurrency=4)
    for host in ("a.test", "b.test"):
        starts = sorted(start for h, start, _ in log if h == host)
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        assert min(gaps) >= 0.15 - 0.002, gaps


def test_host_concurrency_holds_across_two_workers(make: Make) -> None:
    log = _run_two_workers(make, host_concurrency=2)
    for host in ("a.test", "b.test"):
        events = sorted(
            [(start, 1) for h, start, _ in log if h == host]
            + [(end, -1) for h, _, end in log if h == host]
        )
        level = peak = 0
        for _, step in events:
            level += step
            peak = max(peak, level)
        assert peak == 2


def test_seen_set_bytes_per_url(make: Make, client: redis.Redis) -> None:
    frontier = make()
    total = 100_000
    for start in range(0, total, 2000):
        batch = [entry(f"http://h{i % 500}.test/p/{i}") for i in range(start, start + 2000)]
        assert frontier.enqueue(batch) == 2000
    assert frontier.enqueue([entry("http://h7.test/p/7"), entry("http://h8.test/p/100000")]) == 1
    keys = [*list(client.scan_iter(frontier.key("s:*"), count=1000)), frontier.key("sc")]
    used = sum(client.memory_usage(key, samples=0) or 0 for key in keys)
    assert frontier.counts()["seen"] == total + 1
    assert used / total <= 16, used / total


@pytest.mark.parametrize(
    "error",
    [
        redis.exceptions.ClusterDownError("The cluster is down"),
        redis.exceptions.TryAgainError("Multiple keys request during rehashing of slot"),
        redis.ConnectionError("Error 111 connecting to 127.0.0.1:7001. Connection refused."),
    ],
)
def test_a_cluster_failing_over_is_an_outage_retried_not_an_error(
    make: Make, error: redis.RedisError
) -> None:
    """A Redis Cluster answers CLUSTERDOWN while it promotes a replica, TRYAGAIN while a slot
    moves: the frontier backs off and retries as for a refused connection, where it used to
    stop the crawl (tests/e2e/test_cluster_faults.py saw `HGETALL ...:stats of pipeline caused
    error: The cluster is down`). A reply error that is no outage still stops it."""
    frontier = make()

    def failing_over() -> None:
        raise error

    with pytest.raises(FrontierUnavailable, match="unreachable"):
        frontier.call(failing_over)
    assert frontier.counts()["queued"] == 0  # the next call goes through
    with pytest.raises(FrontierError, match="failed: ERR bad") as raised:
        frontier.call(lambda: (_ for _ in ()).throw(redis.ResponseError("ERR bad")))
    assert not isinstance(raised.value, FrontierUnavailable)
