"""The crawl's shared queue in Redis: lease/ack with expiry, per-host politeness, a seen set.

A crawl's frontier is split into shards (crawler.frontier.shards), each under its own Redis
Cluster hash tag, so one Lua script may touch all of a shard's keys; a host (its queue,
politeness state, robots.txt and seen URLs) lives in one shard, so politeness and the per-host
budget stay exact and atomic. With one shard every key starts with ``lg:{<crawl_id>}:``, the
layout of crawls from before shards. Entries travel as JSON objects, never pickle::

    {"url": "http://a.com/x", "depth": 1, "hops": 0, ...}

Keys of the crawl (prefix B = ``lg:{crawl}:``) and of each shard (prefix P = ``lg:{tag}:``,
B itself when there is one shard):

    B meta          string  the crawl's config (JSON); its absence means the frontier was lost
    B budget        string  pages leased or reserved against --max-pages (more than one shard)
    B deferred      string  URLs left on paused hosts per reason, when the crawl last ended
    B workers, alive        heartbeats
    P meta          string  a copy of B meta: a shard's scripts refuse to run when it is gone
    P stats         hash    counters: queued, admitted, done, seen, bad_entries, errors, ...
    P q:<host>      zset    the host's queued entries (raw JSON), by depth << 32 | sequence
    P ready, wait   zset    hosts that may start now / at a time (crawler.frontier.politeness)
    P h:<host>      hash    the host's politeness state (inflight, next, last, delay, pause,
                            why: crawler.frontier.pauses)
    P paused        zset    paused hosts -> epoch ms the pause ends (crawler.frontier.pauses)
    P leases        zset    lease token -> deadline (epoch ms)
    P ldata         hash    lease token -> "host TAB score TAB worker TAB entry"
    P inflight      set     lease tokens whose download has not ended (hold a host slot)
    P s:<n>, sc     set     seen-set buckets (int64 fingerprints) and their shape
                            (crawler.frontier.seen)
    P r:<origin>    string  cached robots.txt (crawler.frontier.robots)
    lg:current      string  the id of the crawl last created on this Redis

Each call that changes state is one Lua script (crawler.frontier.scripts), so an AOF cut
anywhere leaves a consistent frontier.

    >>> frontier = Frontier(redis.Redis(), "c1", host_delay=1.0)      # doctest: +SKIP
    >>> frontier.seed([{"url": "http://a.com/", "depth": 0, "hops": 0}])  # doctest: +SKIP
    1
    >>> [lease] = frontier.lease("w1", 8)                              # doctest: +SKIP
    >>> frontier.ack(lease, [{"url": "http://a.com/b", "depth": 1, "hops": 0}])  # doctest: +SKIP
    1
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any

import redis

from crawler import settings as defaults
from crawler.errors import FrontierError, FrontierUnavailable
from crawler.frontier.acks import plan
from crawler.frontier.connection import FrontierClient, server_url
from crawler.frontier.entries import (
    CURRENT_KEY,
    Ack,
    Lease,
    by_shard,
    current_crawl,
    ended_args,
    prefix,
    refusal,
    valid_entry,
)
from crawler.frontier.outage import Outage
from crawler.frontier.pauses import DEFAULT_REASON, DEFERRED_LUA, UNPAUSE_LUA, Pauses
from crawler.frontier.politeness import (
    CRAWL_DELAY_CAP,
    DELAY_LUA,
    GATE_LUA,
    GATE_MARGIN_MS,
    PAUSE_LUA,
    PRELUDE_LUA,
    RETRY_AFTER_CAP,
)
from crawler.frontier.replication import Replication
from crawler.frontier.scripts import (
    ACK_LUA,
    EXPIRE_LUA,
    FETCHED_LUA,
    LEASE_LUA,
    RECRAWL_LUA,
    RELEASE_LUA,
    RENEW_LUA,
    REQUEUE_LUA,
)
from crawler.frontier.seen import SEEN_LUA, seen_member
from crawler.frontier.shards import ShardMap
from crawler.terminal import redacted
from crawler.urls.canonical import MAX_URL_LENGTH, canonicalize, host_of

__all__ = ["Frontier", "Lease", "current_crawl", "prefix"]

# Errors Redis recovers from by itself: no connection, no answer in time, and a Redis Cluster
# failing over (CLUSTERDOWN until a replica is promoted; TRYAGAIN while a slot moves), which
# the cluster specification tells clients to retry. Each is an outage (backoff, retried).
TRANSIENT_ERRORS = (
    redis.ConnectionError,
    redis.TimeoutError,
    redis.exceptions.ClusterDownError,
    redis.exceptions.TryAgainError,
)

log = logging.getLogger(__name__)

LOST_REPLY = "LG_FRONTIER_LOST"  # a script's error when the crawl's meta key is gone


class Frontier(Pauses):
    """One crawl's frontier, in `shards` shards on one Redis or over a Redis Cluster; many
    workers share it."""

    def __init__(
        self,
        client: FrontierClient,
        crawl_id: str,
        *,
        host_delay: float = 0.0,
        host_concurrency: int = defaults.LINKGRAPH_HOST_CONCURRENCY,
        lease_timeout: float = defaults.LINKGRAPH_LEASE_TIMEOUT,
        max_pages: int = 0,
        max_pages_per_host: int = 0,
        seen: str = "exact",
        shards: int = 1,
    ) -> None:
        if not crawl_id or any(c in crawl_id for c in "{}\t\n "):
            raise FrontierError(f"invalid crawl id {crawl_id!r}")
        if seen != "exact":
            # A Bloom filter at 1e-4 false positives needs 19.2 bits per URL (2.4 bytes), over
            # the 2-byte budget; the exact set already costs under 16.
            raise FrontierError(f"seen={seen!r} is not supported (only 'exact')")
        if host_concurrency < 1:
            raise FrontierError(f"host_concurrency must be >= 1, got {host_concurrency}")
        self.client = client
        self.crawl_id = crawl_id
        self.prefix = prefix(crawl_id)
        self.host_delay = max(0.0, host_delay)
        self.host_concurrency = host_concurrency
        self.lease_timeout = lease_timeout
        self.max_pages = max_pages
        self.max_pages_per_host = max_pages_per_host
        self.url = server_url(client)
        self.outage = Outage(self.url)
        self._meta_key = self.prefix + "meta"
        self._turn = 0  # the shard the next lease call starts at (rotates: fair to shards)
        self.replication = Replication(client, round(defaults.LINKGRAPH_REPLICA_WAIT * 1000))
        self.use_shards(ShardMap(crawl_id, shards))
        self._scripts = {
            name: client.register_script(PRELUDE_LUA + body)
            for name, body in {
                "lease": LEASE_LUA,
                "ack": SEEN_LUA + ACK_LUA,
                "fetched": FETCHED_LUA,
                "recrawl": SEEN_LUA + RECRAWL_LUA,
                "release": REQUEUE_LUA + RELEASE_LUA,
                "expire": REQUEUE_LUA + EXPIRE_LUA,
                "renew": RENEW_LUA,
                "gate": GATE_LUA,
                "pause": PAUSE_LUA,
                "delay": DELAY_LUA,
                "deferred": DEFERRED_LUA,
                "unpause": UNPAUSE_LUA,
            }.items()
        }

    def use_shards(self, shards: ShardMap) -> None:
        """Work on `shards` (the map the crawl's meta records: `adopt`)."""
        self.shards = shards
        self.prefixes = shards.prefixes()
        # Counters live in every shard; with more than one, the crawl's own prefix holds
        # "created" and the counters bumped outside any shard.
        self._stat_prefixes = list(dict.fromkeys([self.prefix, *self.prefixes]))

    def adopt(self, meta: dict[str, Any]) -> None:
        """Take the crawl-wide budgets and shard map from the crawl's meta (a joining worker)."""
        self.max_pages = int(meta.get("max_pages", self.max_pages) or 0)
        self.max_pages_per_host = int(meta.get("max_pages_per_host", self.max_pages_per_host) or 0)
        self.use_shards(ShardMap.from_meta(self.crawl_id, meta))

    # -- plumbing ---------------------------------------------------------------------------------

    def key(self, name: str) -> str:
        return self.prefix + name

    def shard_of(self, host: str) -> int:
        return self.shards.shard_of(host)

    def prefix_of(self, host: str) -> str:
        """The key prefix of the shard that holds `host`."""
        return self.prefixes[self.shards.shard_of(host)]

    @property
    def _budgeted(self) -> bool:
        """--max-pages kept by the crawl-wide `budget` key (more than one shard), not by the
        lease script (one shard: its `admitted` counter is the crawl's)."""
        return self.max_pages > 0 and self.shards.count > 1

    def _base(self, p: str) -> list[Any]:
        """The arguments every script takes first (PRELUDE_LUA): a shard's prefix, the budgets."""
        maxp = 0 if self.shards.count > 1 else self.max_pages
        delay = round(self.host_delay * 1000)
        return [p, delay, self.host_concurrency, maxp, self.max_pages_per_host]

    def _run(self, shard: int, name: str, *args: Any, durable: bool = False) -> Any:
        """Script `name` on `shard`; `durable`: held by a replica too before it returns (when
        the master has replicas: crawler.frontier.replication)."""
        p = self.prefixes[shard]
        script, key, base = self._scripts[name], p + "meta", self._base(p)
        try:
            if durable and self.replication.enabled:
                return self.call(self.replication.run, script, key, [*base, *args])
            return self.call(script, keys=[key], args=[*base, *args])
        except FrontierUnavailable:
            raise
        except FrontierError as exc:
            if LOST_REPLY in str(exc):
                self._lost(shard)
            if exc.__cause__ is None:
                raise
            raise FrontierError(
                f"frontier script {name} failed on {redacted(self.url)}: {exc.__cause__}"
            ) from exc.__cause__

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """`fn(*args, **kwargs)` against this frontier's Redis, its errors ours, with backoff
        while Redis is unreachable (crawler.frontier.outage)."""
        self.outage.check()
        try:
            result = fn(*args, **kwargs)
        except TRANSIENT_ERRORS as exc:
            raise self.outage.failed(exc) from exc
        except redis.RedisError as exc:
            self.outage.ok()
            raise FrontierError(f"frontier Redis at {redacted(self.url)} failed: {exc}") from exc
        self.outage.ok()
        return result

    # -- the crawl --------------------------------------------------------------------------------

    def ping(self) -> None:
        """Raise FrontierUnavailable (naming the server) when Redis cannot be reached."""
        self.call(self.client.ping)

    def create(self, meta: dict[str, Any]) -> None:
        """Record the crawl's config (and shard map) and make it this Redis's current crawl."""
        full = {**meta, **self.shards.meta(), "crawl_id": self.crawl_id}
        body = json.dumps(full, separators=(",", ":"))
        for p in self.prefixes:  # the shards' copies first: the crawl's meta says it is whole
            if p != self.prefix:
                self.call(self.client.set, p + "meta", body)
        pipe = self.client.pipeline()
        pipe.set(self._meta_key, body)
        pipe.hsetnx(self.key("stats"), "created", int(time.time()))
        self.call(pipe.execute)
        # Apart from the MULTI: lg:current has no hash tag, so on a cluster it lives in another
        # slot. Written after the meta, it never names a crawl that does not exist yet.
        self.call(self.client.set, CURRENT_KEY, self.crawl_id)

    # -- queue ------------------------------------------------------------------------------------

    def seed(self, entries: Iterable[str | dict[str, Any]]) -> int:
        """Queue seeds (URLs or entries) ahead of everything deeper; returns how many were new."""
        batch: list[dict[str, Any]] = []
        for item in entries:
            entry: dict[str, Any] = {"url": item} if isinstance(item, str) else dict(item)
            entry.setdefault("hops", 0)
            entry["depth"] = 0
            entry["seed"] = True
            try:
                entry["url"] = canonicalize(entry["url"])
            except (ValueError, KeyError, AttributeError):
                self.incr("bad_entries")
                log.debug("refused seed %r", item)
                continue
            batch.append(entry)
        return sum(self.ack_many([], batch[i : i + 1000]) for i in range(0, len(batch), 1000))

    def enqueue(self, entries: Iterable[dict[str, Any]]) -> int:
        """Queue entries outside any lease (a spider's own requests); returns how many were new."""
        batch = list(entries)
        return sum(self.ack_many([], batch[i : i + 1000]) for i in range(0, len(batch), 1000))

    def recrawl(self, entries: Sequence[dict[str, Any]], fresh: Sequence[str] = ()) -> int:
        """Queue `entries` again though seen (pages due for a recrawl) and record the `fresh`
        URLs as seen (fetched lately: links to them are not followed again); returns how many
        were queued."""
        due: dict[int, list[Any]] = {}
        kept: dict[int, list[str]] = {}
        for entry in entries:
            why, host = refusal(entry)
            if not why:
                raw = json.dumps(entry, separators=(",", ":"))
                member = seen_member(entry["url"])
                due.setdefault(self.shard_of(host), []).append((host, member, entry["depth"], raw))
        for url in fresh:
            kept.setdefault(self.shard_of(host_of(url)), []).append(seen_member(url))
        queued = 0
        for shard in sorted(due.keys() | kept.keys()):
            rows, members = due.get(shard, []), kept.get(shard, [])
            for i in range(0, max(len(rows), len(members)), 1000):
                args: list[Any] = [len(rows[i : i + 1000])]
                for row in rows[i : i + 1000]:
                    args += row
                new = self._run(shard, "recrawl", *args, *members[i : i + 1000], durable=True)
                queued += int(new)
        return queued

    def lease(self, worker: str, n: int, ended: Sequence[Lease] = ()) -> list[Lease]:
        """Up to `n` entries whose host may start now, each leased to `worker`; first, the
        downloads of `ended` leases ended (as `fetched`, in the same round trip).

        Shards are asked in turn from a start that rotates with each call, so every shard's
        hosts get leased though the first ones asked could fill `n` alone.
        """
        worker = worker.replace("\t", " ")
        pending = by_shard(ended)
        want = self._reserve(n)
        start, count = self._turn, self.shards.count
        self._turn = (start + 1) % count
        leases: list[Lease] = []
        try:
            for shard in [(start + k) % count for k in range(count)]:
                mine = pending.pop(shard, [])
                if len(leases) >= want:
                    if mine:
                        self._run(shard, "fetched", 1, *ended_args(mine))
                    continue
                timeout = round(self.lease_timeout * 1000)
                rows = self._run(
                    shard, "lease", worker, want - len(leases), timeout, *ended_args(mine)
                )
                leases += self._leases(rows, shard)
        finally:
            self._unreserve(want - len(leases))
        return leases

    def _leases(self, rows: list[Any], shard: int) -> list[Lease]:
        leases = []
        for token, raw, host, deadline, gated in rows:
            lease = self._lease(token.decode(), raw, host.decode(), int(deadline) / 1000, shard)
            if lease is not None:
                lease.gated = bool(gated)
                leases.append(lease)
        return leases

    def _lease(
        self, token: str, raw: bytes, host: str, deadline: float, shard: int
    ) -> Lease | None:
        try:
            entry = json.loads(raw)
        except ValueError:
            entry = None
        if (
            not valid_entry(entry)
            or len(entry["url"]) > MAX_URL_LENGTH
            or host_of(entry["url"]) != host
        ):
            log.debug("bad frontier entry %r for host %s", raw[:200], host)
            bad = Lease(token, {}, "", host, 0, deadline, shard=shard)
            self.ack(bad, [], outcome="bad_entries")
            return None
        return Lease(token, entry, entry["url"], host, entry["depth"], deadline, shard=shard)

    def _reserve(self, n: int) -> int:
        """How many of `n` pages the crawl's --max-pages still allows, reserved (more than one
        shard: no script sees every shard's counter, so the budget is one key of its own)."""
        if not self._budgeted:
            return n
        taken = int(self.call(self.client.incrby, self.key("budget"), n))
        allowed = max(0, min(n, self.max_pages - (taken - n)))
        self._unreserve(n - allowed)
        return allowed

    def _unreserve(self, n: int) -> None:
        """Give back `n` pages of budget (reserved and not leased, or leases requeued)."""
        if n > 0 and self._budgeted:
            self.call(self.client.decrby, self.key("budget"), n)

    def fetched(self, lease: Lease | Sequence[Lease], free: bool = True) -> None:
        """Downloads of leases ended (response or failure): each host's delay runs from now;
        free their host slots unless `free` is False (robots.txt, under the page's slot)."""
        leases = [lease] if isinstance(lease, Lease) else lease
        for shard, mine in by_shard(leases).items():
            self._run(shard, "fetched", 1 if free else 0, *ended_args(mine))

    def ack(
        self,
        lease: Lease | None,
        children: Sequence[dict[str, Any]],
        outcome: str | dict[str, int] = "done",
    ) -> int:
        """Finish `lease` (counted under `outcome`) and queue its unseen children, in one call.

        Returns how many children were newly queued. Acking an expired or unknown lease still
        adds the children and is otherwise harmless (counted as ``stale_acks``).
        """
        if lease is None:
            return self.ack_many([], children)
        return self.ack_many([(lease, children, outcome)])

    def ack_many(
        self,
        acks: Sequence[Ack],
        children: Sequence[dict[str, Any]] | None = None,
        counters: dict[str, int] | None = None,
    ) -> int:
        """Finish many leases, queue their children and bump `counters`: one atomic call per
        shard touched and CHILDREN_PER_CALL children (crawler.frontier.acks).

        `acks` holds (lease, its children, outcome); `children` (when given) replaces the union
        of the leases' children: entries queued outside any lease. Returns how many were queued.
        Children go to their shards before any lease is finished (a crash in between means a
        refetch, whose children the seen set then drops, never a lost page); the counters go
        with the last call, so a failed call retried later never counts them twice; a lease's
        own counters (its outcome's, its children offered) count only while it is held.
        """
        calls = plan(acks, children, counters or {}, self.shard_of)
        # Children outlive a failover before anything relies on them; a lost call that
        # finishes leases is a refetch (crawler.frontier.replication).
        first = self._run_all("ack", calls.early, durable=True)
        return first + self._run_all("ack", calls.late, durable=False)

    def _run_all(self, name: str, calls: list[tuple[int, list[Any]]], durable: bool) -> int:
        """Script `name` on each (shard, args), in one pipelined round trip when no replica
        must confirm them; a call that failed there runs again alone, to report its error."""
        if len(calls) <= 1 or (durable and self.replication.enabled):
            return sum(int(self._run(s, name, *args, durable=durable)) for s, args in calls)
        pipe = self.client.pipeline(transaction=False)
        for shard, args in calls:
            p = self.prefixes[shard]
            # As a plain command: redis-py's cluster pipeline refuses its evalsha() helper.
            sha = self._scripts[name].sha
            pipe.execute_command("EVALSHA", sha, 1, p + "meta", *self._base(p), *args)
        replies = self.call(pipe.execute, raise_on_error=False)
        return sum(
            int(self._run(s, name, *args, durable=durable) if isinstance(r, Exception) else r)
            for (s, args), r in zip(calls, replies, strict=True)
        )

    def release(self, leases: Iterable[Lease]) -> int:
        """Hand leases back to the queue (a clean stop); returns how many were still held."""
        released = 0
        for shard, mine in by_shard(leases).items():
            tokens = [lease.token for lease in mine]
            released += int(self._run(shard, "release", "released", *tokens))
        self._unreserve(released)
        return released

    def renew(self, leases: Iterable[Lease]) -> int:
        """Give leases still held a full lease timeout from now (downloads in flight outlive
        no lease); returns how many were still held."""
        timeout = round(self.lease_timeout * 1000)
        renewed = 0
        for shard, mine in by_shard(leases).items():
            tokens = [lease.token for lease in mine]
            renewed += int(self._run(shard, "renew", timeout, *tokens))
        return renewed

    def requeue_expired(self, limit: int = 1000) -> int:
        """Return leases past their deadline to the queue; any worker may call this."""
        returned = sum(int(self._run(s, "expire", limit)) for s in range(self.shards.count))
        self._unreserve(returned)
        return returned

    # -- politeness -------------------------------------------------------------------------------

    def start_wait(self, host: str) -> float:
        """Seconds to wait before a request to `host` may start; 0 means go (start recorded)."""
        return int(self._run(self.shard_of(host), "gate", host, GATE_MARGIN_MS)) / 1000

    def pause(
        self, host: str, seconds: float, why: str = DEFAULT_REASON, robots_key: str = ""
    ) -> None:
        """No request to `host` starts for `seconds` (capped), across all workers; `why` says
        what the crawl waits on (crawler.frontier.pauses)."""
        ms = round(min(seconds, RETRY_AFTER_CAP) * 1000)
        self._run(self.shard_of(host), "pause", host, ms, why, robots_key)

    def set_delay(self, host: str, seconds: float) -> None:
        """Raise `host`'s delay between starts (robots.txt Crawl-delay, capped at 30 s)."""
        ms = round(min(seconds, CRAWL_DELAY_CAP) * 1000)
        self._run(self.shard_of(host), "delay", host, ms)

    def incr(self, name: str, n: int = 1) -> None:
        self.call(self.client.hincrby, self.key("stats"), name, n)
