"""The shard map of one crawl's frontier: which hash tag holds which host (issue 13, step 3).

A crawl's frontier may be split into `count` shards, each under its own Redis Cluster hash tag,
so one crawl spreads over many masters while a host's queue, politeness state, robots cache and
seen URLs stay in one slot (one Lua script keeps them exact). Hosts map to shards by a stable
hash (8 bytes of BLAKE2b, the same in every process and Python version, unlike `hash()`),
named in the crawl's meta so every worker agrees.

Shard i's tag is ``<crawl>:<i>.<salt>`` with the smallest salt that puts the tag's slot in the
i-th of `count` equal slot ranges: plain ``c1:0``..``c1:11`` land 8 of 12 on one master of three
(CRC16 of near-equal strings clusters), while `redis-cli --cluster create` gives each master one
contiguous range, so ranged tags spread `count` shards evenly over any number of masters that
divides it::

    >>> shards = ShardMap("c1", 4)
    >>> shards.prefix(shards.shard_of("a.example"))
    'lg:{c1:2.2}:'
    >>> ShardMap("c1", 1).prefix(0)     # one shard: the keys of an unsharded crawl
    'lg:{c1}:'

`Frontier` (crawler.frontier.queue) routes each host's calls to its shard with this map.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from crawler import settings as defaults
from crawler.errors import FrontierError

HASH = "blake2b64"  # recorded in the crawl's meta: a new function would be a new name
TAGS = "slot-ranged"  # likewise for the way shard tags are chosen
MAX_SHARDS = 1024


def default_count(masters: int) -> int:
    """Shards for a new crawl that does not say: one on one Redis (`masters` 0), else
    LINKGRAPH_FRONTIER_SHARDS_PER_MASTER per master of the cluster."""
    if masters <= 0:
        return 1
    return min(MAX_SHARDS, masters * defaults.LINKGRAPH_FRONTIER_SHARDS_PER_MASTER)


def host_hash(host: str) -> int:
    return int.from_bytes(hashlib.blake2b(host.encode(), digest_size=8).digest(), "big")


@dataclass(frozen=True, slots=True)
class ShardMap:
    """`count` shards of crawl `crawl_id`; shard i's keys start with `prefix(i)`."""

    crawl_id: str
    count: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SHARDS:
            raise FrontierError(f"frontier shards must be 1..{MAX_SHARDS}, got {self.count}")

    def shard_of(self, host: str) -> int:
        return 0 if self.count == 1 else host_hash(host) % self.count

    def prefix(self, shard: int) -> str:
        # One shard keeps the unsharded layout, so existing crawls resume unchanged.
        return f"lg:{{{self.tag(shard)}}}:"

    def tag(self, shard: int) -> str:
        if self.count == 1:
            return self.crawl_id
        # imported here: the CLI's start-up (crawler.config reads MAX_SHARDS; redis is heavy)
        from redis.crc import REDIS_CLUSTER_HASH_SLOTS, key_slot

        for salt in range(1 << 20):
            tag = f"{self.crawl_id}:{shard}.{salt}"
            if key_slot(tag.encode()) * self.count // REDIS_CLUSTER_HASH_SLOTS == shard:
                return tag
        raise FrontierError(f"no hash tag for shard {shard} of {self.count}")  # not reached

    def prefixes(self) -> list[str]:
        return [self.prefix(i) for i in range(self.count)]

    def meta(self) -> dict[str, Any]:
        """What the crawl's meta records so every worker maps hosts the same way."""
        return {"shards": self.count, "shard_hash": HASH, "shard_tags": TAGS}

    @classmethod
    def from_meta(cls, crawl_id: str, meta: dict[str, Any]) -> ShardMap:
        """The map a crawl was created with (a crawl from before shards: one shard)."""
        scheme = (meta.get("shard_hash", HASH), meta.get("shard_tags", TAGS))
        if scheme != (HASH, TAGS):
            raise FrontierError(f"crawl {crawl_id!r} maps hosts with {scheme!r}, unknown here")
        return cls(crawl_id, int(meta.get("shards", 1)))
