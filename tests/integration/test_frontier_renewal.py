"""Lease renewal on the embedded Valkey: a renewed lease outlives its first deadline, a lease
no longer renewed expires, and a finished lease is not brought back."""

from __future__ import annotations

import time
import uuid

import redis

from crawler.frontier import Frontier
from crawler.run.embedded import EmbeddedRedis


def test_renewed_leases_do_not_expire(valkey: EmbeddedRedis) -> None:
    frontier = Frontier(
        redis.Redis.from_url(valkey.url), f"t{uuid.uuid4().hex[:10]}", lease_timeout=1.0
    )
    frontier.create({"scope": "test"})
    frontier.seed(["http://a.test/", "http://b.test/", "http://c.test/"])
    slow, idle, done = sorted(frontier.lease("w1", 3), key=lambda lease: lease.url)
    frontier.ack(done, [])
    for _ in range(3):  # 1.8 s in all: past the first deadline, renewed every 0.6 s
        time.sleep(0.6)
        assert frontier.renew([slow, done]) == 1
    assert frontier.requeue_expired() == 1  # `idle`, never renewed
    counts = frontier.counts()
    assert (counts["leased"], counts["queued"], counts["expired"]) == (1, 1, 1)
    (again,) = frontier.lease("w2", 3)
    assert again.url == idle.url
    frontier.ack(again, [])
    time.sleep(1.1)
    assert frontier.requeue_expired() == 1  # `slow`, no longer renewed
