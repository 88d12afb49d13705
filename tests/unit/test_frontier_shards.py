"""The frontier's shard map: stable host -> shard, hash tags spread evenly over cluster slots."""

from __future__ import annotations

from collections import Counter

import pytest
from redis.crc import REDIS_CLUSTER_HASH_SLOTS, key_slot

from crawler.errors import FrontierError
from crawler.frontier.queue import prefix
from crawler.frontier.shards import ShardMap, host_hash


def test_one_shard_keeps_the_unsharded_keys() -> None:
    shards = ShardMap("c1", 1)
    assert shards.prefixes() == [prefix("c1")] == ["lg:{c1}:"]
    assert {shards.shard_of(f"h{i}.example") for i in range(100)} == {0}


def test_hosts_map_stably_pinned_values() -> None:
    # Pinned: a change of function would remap every running crawl's hosts.
    assert host_hash("a.example") == 0xCC8844B3C5D6320E
    shards = ShardMap("c1", 4)
    assert [shards.shard_of(h) for h in ("a.example", "b.example", "c.example")] == [
        host_hash(h) % 4 for h in ("a.example", "b.example", "c.example")
    ]
    assert shards.shard_of("a.example") == 2


def test_hosts_spread_evenly_over_shards() -> None:
    shards = ShardMap("c1", 12)
    counts = Counter(shards.shard_of(f"site{i}.example") for i in range(12_000))
    assert set(counts) == set(range(12))
    assert max(counts.values()) <= 1.1 * 1000 and min(counts.values()) >= 0.9 * 1000


@pytest.mark.parametrize(("count", "masters"), [(3, 3), (6, 3), (12, 3), (12, 4), (64, 8)])
def test_shard_tags_spread_evenly_over_masters(count: int, masters: int) -> None:
    """Each master of `redis-cli --cluster create` owns one contiguous slot range."""
    slots = [key_slot(f"{p}meta".encode()) for p in ShardMap("c1", count).prefixes()]
    assert [s * count // REDIS_CLUSTER_HASH_SLOTS for s in slots] == list(range(count))
    per_master = Counter(s * masters // REDIS_CLUSTER_HASH_SLOTS for s in slots)
    assert per_master == dict.fromkeys(range(masters), count // masters)


def test_every_key_of_a_shard_shares_its_slot() -> None:
    shards = ShardMap("c1", 4)
    for p in shards.prefixes():
        assert len({key_slot(f"{p}{name}".encode()) for name in ("meta", "q:a.com", "s:7")}) == 1


def test_meta_round_trip_and_refusals() -> None:
    shards = ShardMap("c1", 8)
    assert ShardMap.from_meta("c1", shards.meta()) == shards
    assert ShardMap.from_meta("c1", {}) == ShardMap("c1", 1)  # a crawl from before shards
    with pytest.raises(FrontierError, match="unknown here"):
        ShardMap.from_meta("c1", {"shards": 2, "shard_hash": "md5"})
    for bad in (0, 1025):
        with pytest.raises(FrontierError, match="frontier shards"):
            ShardMap("c1", bad)
