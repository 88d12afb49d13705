"""What a frontier tells the operator: the crawl's meta (or that it is lost), its counters
summed over shards, whether the crawl is done, the busiest hosts, and the workers' heartbeats.
Mixed into `Frontier` (crawler.frontier.queue), whose Redis plumbing it reads through.

    >>> frontier.counts()["queued"]     # doctest: +SKIP
    1204
"""

from __future__ import annotations

import json
import time
from typing import Any

from crawler.errors import FrontierLost
from crawler.frontier.connection import FrontierClient
from crawler.frontier.shards import ShardMap
from crawler.terminal import redacted

WORKER_TTL = 30.0  # seconds without a heartbeat before a worker is no longer listed


class Census:
    """Read-only views of a sharded frontier (and the workers' heartbeats it keeps)."""

    client: FrontierClient
    crawl_id: str
    url: str
    shards: ShardMap
    prefixes: list[str]
    max_pages: int
    _meta_key: str
    _stat_prefixes: list[str]

    def key(self, name: str) -> str:
        raise NotImplementedError

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def meta(self) -> dict[str, Any]:
        """The crawl's config; FrontierLost when its keys are gone (Redis restarted empty)."""
        raw = self.call(self.client.get, self._meta_key)
        if raw is None:
            raise FrontierLost(
                f"crawl {self.crawl_id!r} has no frontier on {redacted(self.url)}: the Redis "
                "server lost its data (restarted without its append-only file?) or the crawl "
                "was never created"
            )
        meta: dict[str, Any] = json.loads(raw)
        return meta

    def _lost(self, shard: int | None = None) -> None:
        self.meta()  # raises FrontierLost when the whole crawl is gone
        if shard is not None:
            raise FrontierLost(
                f"shard {shard} of crawl {self.crawl_id!r} has no frontier on "
                f"{redacted(self.url)}: the Redis node that holds it lost its data (restarted "
                "without its append-only file?)"
            )

    @property
    def _budgeted(self) -> bool:
        raise NotImplementedError

    def counts(self) -> dict[str, int]:
        """The crawl's counters, summed over its shards (plus the leased and ready figures)."""
        pipe = self.client.pipeline(transaction=False)
        for p in self._stat_prefixes:
            pipe.hgetall(p + "stats")
        for p in self.prefixes:
            pipe.zcard(p + "leases")
            pipe.zcard(p + "ready")
            pipe.zcard(p + "wait")
        replies = self.call(pipe.execute)
        counts: dict[str, int] = {}
        for stats in replies[: len(self._stat_prefixes)]:
            for k, v in stats.items():
                name = k.decode()
                # "created" is a time, not a count: the crawl's own, never a sum.
                counts[name] = int(v) if name == "created" else counts.get(name, 0) + int(v)
        for name in ("queued", "done", "seen", "bad_entries", "errors", "pages", "links"):
            counts.setdefault(name, 0)
        zcards = replies[len(self._stat_prefixes) :]
        counts.update(leased=sum(zcards[0::3]), hosts_ready=sum(zcards[1::3]))
        counts["hosts_waiting"] = sum(zcards[2::3])
        return counts

    def done(self) -> bool:
        """Nothing queued (or the page budget spent) and nothing leased, in every shard;
        FrontierLost if the crawl, or one of its shards, is gone."""
        pipe = self.client.pipeline(transaction=False)
        pipe.exists(self._meta_key)
        pipe.get(self.key("budget"))
        for p in self.prefixes:
            pipe.exists(p + "meta")
            pipe.hmget(p + "stats", "queued", "admitted")
            pipe.zcard(p + "leases")
        exists, budget, *shards = self.call(pipe.execute)
        if not exists:
            self.meta()
        queued = admitted = 0
        for shard in range(self.shards.count):
            there, (q, a), leased = shards[3 * shard : 3 * shard + 3]
            if not there:
                self._lost(shard)
            if leased:
                return False
            queued += int(q or 0)
            admitted += int(a or 0)
        if self._budgeted:
            admitted = int(budget or 0)  # reservations of dead workers count as spent
        spent = self.max_pages > 0 and admitted >= self.max_pages
        return queued <= 0 or spent

    def busiest_hosts(self, n: int) -> list[tuple[str, int]]:
        """The `n` hosts with the most queued entries, as (host, queued), most first.

        Scans every host queue of every shard (a ZCARD each, pipelined): an operator's
        command, not the crawl's hot path.
        """
        hosts: list[tuple[str, int]] = []
        for p in self.prefixes:
            keys = list(self.call(lambda p=p: list(self.client.scan_iter(p + "q:*", count=1000))))
            if not keys:
                continue
            pipe = self.client.pipeline(transaction=False)
            for key in keys:
                pipe.zcard(key)
            sizes = self.call(pipe.execute)
            hosts += [
                (key.decode()[len(p) + 2 :], int(size))
                for key, size in zip(keys, sizes, strict=True)
                if size
            ]
        return sorted(hosts, key=lambda item: (-item[1], item[0]))[:n]

    def heartbeat(self, worker: str, info: dict[str, Any]) -> None:
        now = time.time()
        pipe = self.client.pipeline(transaction=False)
        pipe.hset(self.key("workers"), worker, json.dumps({**info, "worker": worker, "ts": now}))
        pipe.zadd(self.key("alive"), {worker: now})
        pipe.zremrangebyscore(self.key("alive"), "-inf", now - 24 * 3600)
        self.call(pipe.execute)

    def workers(self) -> list[dict[str, Any]]:
        """Workers that sent a heartbeat in the last WORKER_TTL seconds, with their info."""
        names = self.call(
            self.client.zrangebyscore, self.key("alive"), time.time() - WORKER_TTL, "+inf"
        )
        if not names:
            return []
        infos = self.call(self.client.hmget, self.key("workers"), names)
        return [json.loads(info) for info in infos if info]
