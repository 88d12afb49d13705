"""The frontier across Redis restarts (Debian's redis-server with AOF): resume, or fail loudly."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from crawler.embedded import EmbeddedRedis
from crawler.errors import FrontierLost, FrontierUnavailable
from crawler.frontier import Frontier
from tests.servers import have_redis_server, redis_server

pytestmark = pytest.mark.server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    if not have_redis_server():
        pytest.skip("Debian's redis-server is not installed (make test installs it)")
    server = redis_server(tmp_path / "redis").start()
    yield server
    server.stop()


def frontier_on(server: EmbeddedRedis) -> Frontier:
    return Frontier(redis.Redis.from_url(server.url), "durable", lease_timeout=30)


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


def test_flushall_is_frontier_lost(server: EmbeddedRedis) -> None:
    frontier = frontier_on(server)
    frontier.create({})
    frontier.client.flushall()
    with pytest.raises(FrontierLost):
        frontier.meta()
    with pytest.raises(FrontierLost):
        frontier.done()


def test_ping_names_the_server() -> None:
    from crawler.embedded import free_port

    port = free_port()
    frontier = Frontier(redis.Redis(port=port, socket_connect_timeout=1), "nobody")
    with pytest.raises(FrontierUnavailable, match=f"127.0.0.1:{port}|localhost:{port}"):
        frontier.ping()
