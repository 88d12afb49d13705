"""The test servers themselves start, answer and stop (a broken fixture fails here first)."""

from __future__ import annotations

import pytest
import redis
from clickhouse_driver import Client

from crawler.run.embedded import EmbeddedRedis
from tests.helpers.servers import ClickHouseServer


def test_valkey_answers(valkey: EmbeddedRedis) -> None:
    client = redis.Redis.from_url(valkey.url)
    client.set("lg:test:ping", "pong")
    assert client.get("lg:test:ping") == b"pong"
    client.delete("lg:test:ping")


@pytest.mark.server
def test_redis_debian_answers(redis_debian: EmbeddedRedis) -> None:
    assert redis.Redis.from_url(redis_debian.url).ping()


@pytest.mark.server
def test_clickhouse_is_18_16(clickhouse: ClickHouseServer) -> None:
    client = Client("127.0.0.1", port=clickhouse.port)
    assert client.execute("SELECT version()")[0][0].startswith("18.16")
