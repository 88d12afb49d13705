"""The test servers themselves start, answer and stop (a broken fixture fails here first)."""

from __future__ import annotations

import pytest
import redis
from clickhouse_driver import Client

from crawler.run.embedded import EmbeddedRedis
from tests.helpers.servers import ClickHouseCluster, ClickHouseServer


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


@pytest.mark.server
@pytest.mark.cluster
def test_cluster_replicates_and_shards(ch_cluster: ClickHouseCluster) -> None:
    """ON CLUSTER DDL reaches every node; a synchronous Distributed insert lands each row on
    exactly one shard, and s1's second replica holds what its first got."""
    clients = [Client("127.0.0.1", port=node.port) for node in ch_cluster.nodes]
    assert [c.execute("SELECT version()")[0][0][:5] for c in clients] == ["18.16"] * 3
    db = "t_fixture"
    clients[0].execute(f"CREATE DATABASE IF NOT EXISTS {db} ON CLUSTER lg")
    clients[0].execute(
        f"CREATE TABLE {db}.l_local ON CLUSTER lg (u String) ENGINE = "
        f"ReplicatedMergeTree('/clickhouse/tables/{{shard}}/{db}/l_local', '{{replica}}') "
        "ORDER BY u"
    )
    clients[0].execute(
        f"CREATE TABLE {db}.l ON CLUSTER lg AS {db}.l_local "
        f"ENGINE = Distributed(lg, {db}, l_local, cityHash64(u))"
    )
    rows = [(f"u{i}",) for i in range(1000)]
    clients[0].execute(f"INSERT INTO {db}.l VALUES", rows, settings={"insert_distributed_sync": 1})
    # The synchronous insert wrote one replica of s1; the other catches up asynchronously, and
    # a Distributed read may pick either: wait for it before counting through any node.
    clients[1].execute(f"SYSTEM SYNC REPLICA {db}.l_local")
    assert clients[2].execute(f"SELECT count() FROM {db}.l")[0][0] == 1000
    local = [c.execute(f"SELECT count() FROM {db}.l_local")[0][0] for c in clients]
    assert local[0] == local[1] and 0 < local[2] < 1000 and local[0] + local[2] == 1000
    clients[0].execute(f"DROP DATABASE {db} ON CLUSTER lg")
