"""The crawl's shared queue in Redis: lease/ack with expiry, per-host politeness, a seen set.

Every key of a crawl starts with ``lg:{<crawl_id>}:`` (a Redis Cluster hash tag: one slot per
crawl, so one Lua script may touch them all). Entries travel as JSON objects, never pickle::

    {"url": "http://a.com/x", "depth": 1, "hops": 0, ...}

Keys (prefix P = ``lg:{crawl}:``):

    P meta          string  the crawl's config (JSON); its absence means the frontier was lost
    P stats         hash    counters: queued, admitted, done, seen, bad_entries, errors, ...
    P q:<host>      zset    the host's queued entries (raw JSON), by depth << 32 | sequence
    P ready, wait   zset    hosts that may start now / at a time (crawler.frontier.politeness)
    P h:<host>      hash    the host's politeness state (inflight, next, last, delay, pause)
    P leases        zset    lease token -> deadline (epoch ms)
    P ldata         hash    lease token -> "host TAB score TAB worker TAB entry"
    P inflight      set     lease tokens whose download has not ended (hold a host slot)
    P s:<n>, sc     set     seen-set buckets (int64 fingerprints) and their shape
                            (crawler.frontier.seen)
    P r:<origin>    string  cached robots.txt (crawler.frontier.robots)
    P workers, alive        heartbeats
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
from dataclasses import dataclass
from typing import Any

import redis

from crawler import settings as defaults
from crawler.errors import FrontierError, FrontierLost, FrontierUnavailable
from crawler.frontier.connection import FrontierClient, server_url
from crawler.frontier.outage import Outage
from crawler.frontier.politeness import (
    CRAWL_DELAY_CAP,
    DELAY_LUA,
    GATE_LUA,
    GATE_MARGIN_MS,
    PAUSE_LUA,
    PRELUDE_LUA,
    RETRY_AFTER_CAP,
)
from crawler.frontier.scripts import (
    ACK_LUA,
    EXPIRE_LUA,
    FETCHED_LUA,
    LEASE_LUA,
    RECRAWL_LUA,
    RELEASE_LUA,
    REQUEUE_LUA,
)
from crawler.frontier.seen import SEEN_LUA, seen_member
from crawler.urls.canonical import MAX_URL_LENGTH, canonicalize, host_of

log = logging.getLogger(__name__)

CURRENT_KEY = "lg:current"
WORKER_TTL = 30.0  # seconds without a heartbeat before a worker is no longer listed
LOST_REPLY = "LG_FRONTIER_LOST"  # a script's error when the crawl's meta key is gone
_MAX_DEPTH = 1 << 20  # depth is the high part of a queue score (exact in a double)


@dataclass(slots=True)
class Lease:
    """One entry handed to one worker until `deadline` (epoch seconds, Redis's clock)."""

    token: str
    entry: dict[str, Any]
    url: str
    host: str
    depth: int
    deadline: float
    gated: bool = True  # the host has a delay: the download gate must see its start


def prefix(crawl_id: str) -> str:
    return f"lg:{{{crawl_id}}}:"


def current_crawl(client: FrontierClient) -> str | None:
    """The id of the crawl last created on this Redis, or None."""
    value = client.get(CURRENT_KEY)
    return value.decode() if isinstance(value, bytes) else value


def _ended(leases: Sequence[Lease]) -> list[Any]:
    args: list[Any] = [len(leases)]
    for lease in leases:
        args += (lease.token, lease.host)
    return args


def _refusal(child: Any) -> tuple[str, str]:
    """("", host) for an entry to queue, else the counter that refuses it."""
    if not _valid(child):
        return "bad_entries", ""
    if len(child["url"]) > MAX_URL_LENGTH:
        return "too_long", ""
    host = host_of(child["url"])
    return ("", host) if host else ("bad_entries", "")


def _valid(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("url"), str)
        and isinstance(entry.get("depth"), int)
        and isinstance(entry.get("hops"), int)
        and 0 <= entry["depth"] < _MAX_DEPTH
    )


class Frontier:
    """One crawl's frontier on one Redis (or Redis Cluster slot); many workers share it."""

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
        self._scripts = {
            name: client.register_script(PRELUDE_LUA + body)
            for name, body in {
                "lease": LEASE_LUA,
                "ack": SEEN_LUA + ACK_LUA,
                "fetched": FETCHED_LUA,
                "recrawl": SEEN_LUA + RECRAWL_LUA,
                "release": REQUEUE_LUA + RELEASE_LUA,
                "expire": REQUEUE_LUA + EXPIRE_LUA,
                "gate": GATE_LUA,
                "pause": PAUSE_LUA,
                "delay": DELAY_LUA,
            }.items()
        }

    # -- plumbing ---------------------------------------------------------------------------------

    def key(self, name: str) -> str:
        return self.prefix + name

    def _run(self, name: str, *args: Any) -> Any:
        base = (
            self.prefix,
            round(self.host_delay * 1000),
            self.host_concurrency,
            self.max_pages,
            self.max_pages_per_host,
        )
        try:
            return self.call(self._scripts[name], keys=[self._meta_key], args=[*base, *args])
        except FrontierUnavailable:
            raise
        except FrontierError as exc:
            if LOST_REPLY in str(exc):
                self.meta()  # raises FrontierLost, naming the crawl and the server
            raise FrontierError(
                f"frontier script {name} failed on {self.url}: {exc.__cause__}"
            ) from exc.__cause__

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """`fn(*args, **kwargs)` against this frontier's Redis, its errors ours, with backoff
        while Redis is unreachable (crawler.frontier.outage)."""
        self.outage.check()
        try:
            result = fn(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise self.outage.failed(exc) from exc
        except redis.RedisError as exc:
            self.outage.ok()
            raise FrontierError(f"frontier Redis at {self.url} failed: {exc}") from exc
        self.outage.ok()
        return result

    # -- the crawl --------------------------------------------------------------------------------

    def ping(self) -> None:
        """Raise FrontierUnavailable (naming the server) when Redis cannot be reached."""
        self.call(self.client.ping)

    def create(self, meta: dict[str, Any]) -> None:
        """Record the crawl's config and make it this Redis's current crawl."""
        body = json.dumps({**meta, "crawl_id": self.crawl_id}, separators=(",", ":"))
        pipe = self.client.pipeline()
        pipe.set(self._meta_key, body)
        pipe.hsetnx(self.key("stats"), "created", int(time.time()))
        self.call(pipe.execute)
        # Apart from the MULTI: lg:current has no hash tag, so on a cluster it lives in another
        # slot. Written after the meta, it never names a crawl that does not exist yet.
        self.call(self.client.set, CURRENT_KEY, self.crawl_id)

    def meta(self) -> dict[str, Any]:
        """The crawl's config; FrontierLost when its keys are gone (Redis restarted empty)."""
        raw = self.call(self.client.get, self._meta_key)
        if raw is None:
            raise FrontierLost(
                f"crawl {self.crawl_id!r} has no frontier on {self.url}: the Redis server lost "
                "its data (restarted without its append-only file?) or the crawl was never created"
            )
        meta: dict[str, Any] = json.loads(raw)
        return meta

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
        queued = 0
        for i in range(0, max(len(entries), len(fresh)), 1000):
            args: list[Any] = []
            for entry in entries[i : i + 1000]:
                why, host = _refusal(entry)
                if not why:
                    raw = json.dumps(entry, separators=(",", ":"))
                    args += (host, seen_member(entry["url"]), entry["depth"], raw)
            args = [len(args) // 4, *args, *(seen_member(url) for url in fresh[i : i + 1000])]
            queued += int(self._run("recrawl", *args))
        return queued

    def lease(self, worker: str, n: int, ended: Sequence[Lease] = ()) -> list[Lease]:
        """Up to `n` entries whose host may start now, each leased to `worker`; first, the
        downloads of `ended` leases ended (as `fetched`, in the same round trip)."""
        worker = worker.replace("\t", " ")
        rows = self._run("lease", worker, n, round(self.lease_timeout * 1000), *_ended(ended))
        leases = []
        for token, raw, host, deadline, gated in rows:
            lease = self._lease(token.decode(), raw, host.decode(), int(deadline) / 1000)
            if lease is not None:
                lease.gated = bool(gated)
            if lease is not None:
                leases.append(lease)
        return leases

    def _lease(self, token: str, raw: bytes, host: str, deadline: float) -> Lease | None:
        try:
            entry = json.loads(raw)
        except ValueError:
            entry = None
        if not _valid(entry) or len(entry["url"]) > MAX_URL_LENGTH or host_of(entry["url"]) != host:
            log.debug("bad frontier entry %r for host %s", raw[:200], host)
            bad = Lease(token, {}, "", host, 0, deadline)
            self.ack(bad, [], outcome="bad_entries")
            return None
        return Lease(token, entry, entry["url"], host, entry["depth"], deadline)

    def fetched(self, lease: Lease | Sequence[Lease], free: bool = True) -> None:
        """Downloads of leases ended (response or failure): each host's delay runs from now;
        free their host slots unless `free` is False (robots.txt, under the page's slot)."""
        leases = [lease] if isinstance(lease, Lease) else lease
        self._run("fetched", 1 if free else 0, *_ended(leases))

    def ack(
        self, lease: Lease | None, children: Sequence[dict[str, Any]], outcome: str = "done"
    ) -> int:
        """Finish `lease` (counted under `outcome`) and queue its unseen children, in one call.

        Returns how many children were newly queued. Acking an expired or unknown lease still
        adds the children and is otherwise harmless (counted as ``stale_acks``).
        """
        return self.ack_many([(lease, children, outcome)] if lease else [], children)

    def ack_many(
        self,
        acks: Sequence[tuple[Lease, Sequence[dict[str, Any]], str]],
        children: Sequence[dict[str, Any]] | None = None,
        counters: dict[str, int] | None = None,
    ) -> int:
        """Finish many leases, queue their children and bump `counters`, in one atomic call.

        `acks` holds (lease, its children, outcome); `children` (when given) replaces the union
        of the leases' children: entries queued outside any lease. Returns how many were queued.
        """
        counts = {name: n for name, n in (counters or {}).items() if n}
        kids: list[dict[str, Any]] = [] if children is None else list(children)
        if children is None:
            for _, own, _ in acks:
                kids += own
        by_host: dict[str, list[Any]] = {}
        count = 0
        for child in kids:
            why, host = _refusal(child)
            if why:
                counts[why] = counts.get(why, 0) + 1
                continue
            url = child["url"]
            raw = json.dumps(child, separators=(",", ":"))
            by_host.setdefault(host, []).extend((seen_member(url), child["depth"], raw))
            count += 1
        if counts.get("bad_entries"):
            log.debug("refused %d bad frontier entries", counts["bad_entries"])
        if not acks and not count and not counts:
            return 0
        args: list[Any] = [len(acks)]
        for lease, _, outcome in acks:
            args += (lease.token, lease.host, outcome)
        args.append(len(counts))
        for name, n in counts.items():
            args += (name, n)
        args.append(count)
        for host, fields in by_host.items():
            args += (host, len(fields) // 3, *fields)
        return int(self._run("ack", *args))

    def release(self, leases: Iterable[Lease]) -> int:
        """Hand leases back to the queue (a clean stop); returns how many were still held."""
        tokens = [lease.token for lease in leases]
        if not tokens:
            return 0
        return int(self._run("release", "released", *tokens))

    def requeue_expired(self, limit: int = 1000) -> int:
        """Return leases past their deadline to the queue; any worker may call this."""
        return int(self._run("expire", limit))

    # -- politeness -------------------------------------------------------------------------------

    def start_wait(self, host: str) -> float:
        """Seconds to wait before a request to `host` may start; 0 means go (start recorded)."""
        return int(self._run("gate", host, GATE_MARGIN_MS)) / 1000

    def pause(self, host: str, seconds: float) -> None:
        """No request to `host` starts for `seconds` (capped), across all workers."""
        self._run("pause", host, round(min(seconds, RETRY_AFTER_CAP) * 1000))

    def set_delay(self, host: str, seconds: float) -> None:
        """Raise `host`'s delay between starts (robots.txt Crawl-delay, capped at 30 s)."""
        self._run("delay", host, round(min(seconds, CRAWL_DELAY_CAP) * 1000))

    # -- counters and workers ---------------------------------------------------------------------

    def incr(self, name: str, n: int = 1) -> None:
        self.call(self.client.hincrby, self.key("stats"), name, n)

    def counts(self) -> dict[str, int]:
        pipe = self.client.pipeline(transaction=False)
        pipe.hgetall(self.key("stats"))
        pipe.zcard(self.key("leases"))
        pipe.zcard(self.key("ready"))
        pipe.zcard(self.key("wait"))
        stats, leased, ready, waiting = self.call(pipe.execute)
        counts = {k.decode(): int(v) for k, v in stats.items()}
        for name in ("queued", "done", "seen", "bad_entries", "errors", "pages", "links"):
            counts.setdefault(name, 0)
        counts.update(leased=leased, hosts_ready=ready, hosts_waiting=waiting)
        return counts

    def done(self) -> bool:
        """Nothing queued (or the page budget spent) and nothing leased; FrontierLost if gone."""
        pipe = self.client.pipeline(transaction=False)
        pipe.exists(self._meta_key)
        pipe.hmget(self.key("stats"), "queued", "admitted")
        pipe.zcard(self.key("leases"))
        exists, (queued, admitted), leased = self.call(pipe.execute)
        if not exists:
            self.meta()
        if leased:
            return False
        spent = self.max_pages > 0 and int(admitted or 0) >= self.max_pages
        return int(queued or 0) <= 0 or spent

    def busiest_hosts(self, n: int) -> list[tuple[str, int]]:
        """The `n` hosts with the most queued entries, as (host, queued), most first.

        Scans every host queue (a ZCARD each, pipelined): an operator's command, not the
        crawl's hot path.
        """
        keys = list(self.call(lambda: list(self.client.scan_iter(self.key("q:*"), count=1000))))
        if not keys:
            return []
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.zcard(key)
        sizes = self.call(pipe.execute)
        skip = len(self.key("q:"))
        hosts = [
            (key.decode()[skip:], int(size)) for key, size in zip(keys, sizes, strict=True) if size
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
