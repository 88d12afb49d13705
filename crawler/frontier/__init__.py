"""The Redis frontier, in two halves.

Storage, shared by every worker: queue (`Frontier`: lease/ack, the key layout), entries (leases
and the checks an entry passes), census (counters summed over shards, done, workers), scripts
(its Lua, one atomic call each), seen (the seen set), politeness (per-host slots and delays),
pauses (why hosts are paused, the URLs a crawl defers on them), robots (the robots.txt cache),
shards (which shard holds a host), replication (WAIT for a replica where a failover must not
lose a write), connection (plain Redis or a cluster), outage (backoff while Redis is down).

The Scrapy adapter, one per worker: scheduler (`FrontierScheduler`: leases into Requests, acks
on durable records), sitefiles (robots.txt and sitemaps fetched under a page's lease),
middleware (the download gate, the slot freed when a download ends, Retry-After pauses).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.frontier.queue import Frontier, Lease, current_crawl

__all__ = ["Frontier", "Lease", "current_crawl"]


def __getattr__(name: str) -> Any:
    # Loaded on first use (PEP 562), not with the package: `crawler.frontier.shards` and the
    # other light submodules are imported by every `linkgraph` command, and queue brings redis.
    if name in __all__:
        return getattr(importlib.import_module("crawler.frontier.queue"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
