"""Acks are idempotent per lease (issue 14, point 3): an ack retried after a timeout whose first
try did land counts its pages and links once and queues its children once."""

from __future__ import annotations

import uuid
from typing import Any
from unittest import mock

import pytest
import redis

from crawler.errors import FrontierError
from crawler.frontier import Frontier
from crawler.run.embedded import EmbeddedRedis


@pytest.fixture
def frontier(valkey: EmbeddedRedis) -> Frontier:
    made = Frontier(redis.Redis.from_url(valkey.url), f"t{uuid.uuid4().hex[:10]}")
    made.create({"scope": "test"})
    return made


def kids(n: int) -> list[dict[str, Any]]:
    return [{"url": f"http://k{i % 3}.test/p{i}", "depth": 1, "hops": 0} for i in range(n)]


def page(n: int) -> dict[str, int]:
    return {"done": 1, "pages": 1, "links": n}


def test_ack_twice_counts_once(frontier: Frontier) -> None:
    frontier.seed(["http://a.test/", "http://b.test/"])
    first, second = frontier.lease("w1", 2)
    for _ in range(2):
        frontier.ack_many([(first, kids(5), page(5)), (second, kids(7), page(7))])
    counts = frontier.counts()
    assert (counts["pages"], counts["links"], counts["done"]) == (2, 12, 2)
    assert (counts["queued"], counts["seen"], counts["offered"]) == (7, 9, 14)  # offered: the 2 seeds too
    assert counts["stale_acks"] == 2


def test_ack_whose_reply_is_lost_counts_once(frontier: Frontier) -> None:
    frontier.seed(["http://a.test/"])
    (lease,) = frontier.lease("w1", 1)
    real = frontier.call

    def reply_lost(fn: Any, *args: Any, **kwargs: Any) -> Any:
        real(fn, *args, **kwargs)  # the script runs in Redis; its reply never arrives
        raise frontier.outage.failed(redis.TimeoutError("Timeout reading from socket"))

    with mock.patch.object(frontier, "call", reply_lost), pytest.raises(FrontierError):
        frontier.ack_many([(lease, kids(4), page(4))])
    frontier.outage.ok()
    frontier.ack_many([(lease, kids(4), page(4))])
    counts = frontier.counts()
    assert (counts["pages"], counts["links"], counts["done"]) == (1, 4, 1)
    assert (counts["queued"], counts["seen"], counts["offered"]) == (4, 5, 5)
    assert counts["leased"] == 0
