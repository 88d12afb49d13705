"""The frontier across Redis restarts and crashes (AOF, everysec): resume, or fail loudly."""

from __future__ import annotations

import json
import random
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from crawler.errors import FrontierLost, FrontierUnavailable
from crawler.frontier import Frontier, Lease
from crawler.run.embedded import EmbeddedRedis
from tests.helpers.servers import have_redis_server, redis_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    if not have_redis_server():
        pytest.skip("Debian's redis-server is not installed (make test installs it)")
    server = redis_server(tmp_path / "redis").start()
    yield server
    server.stop()


def frontier_on(server: EmbeddedRedis) -> Frontier:
    return Frontier(redis.Redis.from_url(server.url), "durable", lease_timeout=30)


@pytest.mark.server
def test_restart_with_aof_resumes(server: EmbeddedRedis) -> None:
    frontier = frontier_on(server)
    frontier.create({"scope": "x"})
    frontier.seed([f"http://h{i}.test/" for i in range(3)])
    [first] = frontier.lease("w1", 1)
    server.stop()
    with pytest.raises(FrontierUnavailable, match=str(server.port)):
        frontier.lease("w1", 1)
    server.start()  # same port, same directory: the AOF is replayed
    assert frontier.meta()["scope"] == "x"
    assert frontier.counts()["leased"] == 1
    child: dict[str, Any] = {"url": f"http://{first.host}/x", "depth": 1, "hops": 0}
    assert frontier.ack(first, [child]) == 1
    assert frontier.ack(first, [child]) == 0
    rest = frontier.lease("w1", 10)
    seeds = {f"http://h{i}.test/" for i in range(3)} - {first.url}
    assert sorted(lease.url for lease in rest) == sorted({child["url"], *seeds})


@pytest.mark.server
def test_crash_keeps_acknowledged_state(server: EmbeddedRedis) -> None:
    frontier = frontier_on(server)
    frontier.create({})
    frontier.seed(["http://a.test/"])
    [lease] = frontier.lease("w1", 1)
    frontier.ack(lease, [{"url": "http://a.test/b", "depth": 1, "hops": 0}])
    server.kill()  # appendfsync always: every reply was on disk
    server.start()
    assert frontier.counts()["done"] == 1
    assert [lease.url for lease in frontier.lease("w1", 5)] == ["http://a.test/b"]


@pytest.mark.server
def test_restart_empty_is_frontier_lost(server: EmbeddedRedis) -> None:
    frontier = frontier_on(server)
    frontier.create({})
    frontier.seed(["http://a.test/"])
    server.stop()
    shutil.rmtree(server.data_dir)
    server.start()
    with pytest.raises(FrontierLost, match="durable"):
        frontier.meta()
    with pytest.raises(FrontierLost):
        frontier.done()


@pytest.mark.server
def test_flushall_is_frontier_lost(server: EmbeddedRedis) -> None:
    frontier = frontier_on(server)
    frontier.create({})
    frontier.client.flushall()
    with pytest.raises(FrontierLost):
        frontier.meta()
    with pytest.raises(FrontierLost):
        frontier.done()


# -- crashes with appendfsync everysec: the AOF is a prefix of whole scripts -----------------------

PAGES = 1500


def _url(i: int) -> str:
    return f"http://h{i % 12}.test/p{i}"


def _children(lease: Lease) -> list[dict[str, Any]]:
    i = int(lease.url.rsplit("/p", 1)[1])
    kids = [k for k in (2 * i + 1, 2 * i + 2, i // 3) if k < PAGES]  # i // 3: seen before
    return [{"url": _url(k), "depth": lease.depth + 1, "hops": 0} for k in kids]


def _drive(frontier: Frontier, rounds: int = 10**9) -> None:
    """A fake worker: lease, free the slot, ack with children; a batch per round, until done."""
    for _ in range(rounds):
        leases = frontier.lease("w1", 8)
        if not leases:
            if frontier.done():
                return
            frontier.requeue_expired()
            time.sleep(0.05)
            continue
        for lease in leases:
            frontier.fetched(lease)
        acks = [(lease, _children(lease), "done") for lease in leases]
        frontier.ack_many(acks, counters={"pages": len(leases)})


def _check_consistent(frontier: Frontier) -> None:
    """Every URL ever seen is exactly once queued, leased or done; host slots add up."""
    client: Any = frontier.client
    key = frontier.key
    counts = frontier.counts()
    queued: list[str] = []
    for q in client.scan_iter(key("q:*")):
        queued += [json.loads(raw)["url"] for raw in client.zrange(q, 0, -1)]
    ldata = client.hgetall(key("ldata"))
    leased = [raw.split(b"\t", 3)[3] for raw in ldata.values()]
    assert counts["queued"] == len(queued) and counts["leased"] == len(ldata)
    assert {t for t in client.zrange(key("leases"), 0, -1)} == set(ldata)
    assert counts["seen"] == len(queued) + len(leased) + counts["done"]
    assert len(set(queued) | {json.loads(raw)["url"] for raw in leased}) == len(queued) + len(
        leased
    )
    inflight = client.smembers(key("inflight"))
    assert inflight <= set(ldata)
    for hk in client.scan_iter(key("h:*")):
        host = hk.decode().rsplit(":", 1)[1].encode()
        mine = sum(1 for t in inflight if ldata[t].split(b"\t", 1)[0] == host)
        assert int(client.hget(hk, "inflight") or 0) == mine


def _finish(server: EmbeddedRedis) -> dict[str, int]:
    frontier = Frontier(redis.Redis.from_url(server.url), "crash", lease_timeout=0.5)
    _check_consistent(frontier)
    _drive(frontier)
    counts = frontier.counts()
    assert counts["done"] == counts["seen"] == PAGES, counts  # each page done once, none lost
    assert counts["queued"] == counts["leased"] == 0
    return counts


@pytest.fixture(params=["valkey", pytest.param("redis", marks=pytest.mark.server)])
def everysec(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EmbeddedRedis]:
    if request.param == "redis" and not have_redis_server():
        pytest.skip("Debian's redis-server is not installed (make test installs it)")
    base = tmp_path / "frontier"
    made = redis_server(base) if request.param == "redis" else EmbeddedRedis(base)
    assert "everysec" in made.command()
    yield made.start()
    made.stop()


def _new_crawl(server: EmbeddedRedis) -> Frontier:
    frontier = Frontier(redis.Redis.from_url(server.url), "crash", lease_timeout=0.5)
    frontier.create({})
    frontier.seed([_url(0)])
    return frontier


def test_sigkill_mid_crawl_loses_nothing(everysec: EmbeddedRedis) -> None:
    frontier = _new_crawl(everysec)
    _drive(frontier, rounds=40)
    killer = threading.Timer(0.05, everysec.kill)
    killer.start()
    with pytest.raises(FrontierUnavailable):
        _drive(frontier)
    killer.join()
    everysec.start()
    _finish(everysec)


def test_any_cut_of_the_aof_tail_is_a_consistent_frontier(
    everysec: EmbeddedRedis, tmp_path: Path
) -> None:
    """A machine crash loses the unsynced tail of the AOF: cut it anywhere, restart, finish."""
    _drive(_new_crawl(everysec), rounds=60)
    everysec.kill()
    [tail] = sorted(everysec.data_dir.glob("appendonlydir/*.incr.aof"))
    size = tail.stat().st_size
    rng = random.Random(5)
    cuts = sorted({size, *(rng.randrange(size // 4, size) for _ in range(6))})
    for cut in cuts:
        copy = tmp_path / f"cut{cut}"
        shutil.copytree(everysec.data_dir, copy)
        with open(copy / "appendonlydir" / tail.name, "r+b") as f:
            f.truncate(cut)
        server = EmbeddedRedis(copy, binary=everysec.binary).start()
        try:
            _finish(server)
        finally:
            server.stop()
