"""Acks on the embedded Valkey (issue 14, point 3): idempotent per lease (an ack retried after
a timeout whose first try did land counts its pages and links once and queues its children
once), and a page's children sent in calls of bounded size (no call holds Redis for long)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import redis

from crawler.errors import FrontierError
from crawler.frontier import Frontier
from crawler.frontier.acks import CHILDREN_PER_CALL
from crawler.run.embedded import EmbeddedRedis


def make(valkey: EmbeddedRedis, shards: int = 1) -> Frontier:
    made = Frontier(redis.Redis.from_url(valkey.url), f"t{uuid.uuid4().hex[:10]}", shards=shards)
    made.create({"scope": "test"})
    return made


@pytest.fixture
def frontier(valkey: EmbeddedRedis) -> Frontier:
    return make(valkey)


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
    assert (counts["queued"], counts["seen"], counts["offered"]) == (7, 9, 14)  # offered: seeds too
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


BIG = 100_000  # links on one page (the page had 527k)


@pytest.fixture
def slowlog(valkey: EmbeddedRedis) -> Iterator[redis.Redis]:
    """Valkey's SLOWLOG records every command over 1 ms (with its argument count) while the
    test runs: a script's own commands are logged too, and would crowd out the scripts."""
    client = redis.Redis.from_url(valkey.url)
    before = client.config_get("slowlog-*")
    client.config_set("slowlog-log-slower-than", 1000)
    client.config_set("slowlog-max-len", 100_000)
    client.slowlog_reset()
    yield client
    client.config_set("slowlog-log-slower-than", before["slowlog-log-slower-than"])
    client.config_set("slowlog-max-len", before["slowlog-max-len"])
    client.slowlog_reset()


def arg_count(command: bytes) -> int:
    """A command's arguments as SLOWLOG tells them: it keeps 31 (joined by spaces here; ours
    hold none) and then "... (N more arguments)"."""
    more = re.search(rb"\.\.\. \((\d+) more arguments\)$", command)
    return 31 + int(more[1]) if more else len(command.split(b" "))


@pytest.mark.parametrize("shards", [1, 4])
def test_a_page_of_100k_links_goes_in_chunks(
    valkey: EmbeddedRedis, slowlog: redis.Redis, shards: int
) -> None:
    frontier = make(valkey, shards)
    frontier.seed(["http://a.test/"])
    (lease,) = frontier.lease("w1", 1)
    children = [{"url": f"http://h{i % 37}.test/p{i}", "depth": 1, "hops": 0} for i in range(BIG)]
    children += children[:500]  # repeated links: offered, not queued twice
    slowlog.slowlog_reset()
    assert frontier.ack_many([(lease, children, page(BIG))]) == BIG
    log = slowlog.slowlog_get(100_000)
    calls = [arg_count(e["command"]) for e in log if e["command"].startswith(b"EVALSHA")]
    counts = frontier.counts()
    assert (counts["pages"], counts["links"], counts["done"]) == (1, BIG, 1)
    assert (counts["queued"], counts["seen"], counts["offered"]) == (BIG, BIG + 1, BIG + 501)
    assert counts["leased"] == 0
    # Each call: its children as 3 arguments each, a host's name and count per host it holds.
    assert max(calls) <= 3 * CHILDREN_PER_CALL + 2 * 37 + 64
    assert len(calls) >= BIG // CHILDREN_PER_CALL // 2  # the log saw them (most take > 1 ms)
