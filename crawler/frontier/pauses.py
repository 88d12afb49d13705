"""Paused hosts: why each waits, when a crawl has nothing left but them, and their retry.

A pause (crawler.frontier.politeness PAUSE_LUA) records its reason beside it, in the shard of
the host: ``why`` in the host's hash, and the host in the shard's ``paused`` zset (scored by the
epoch ms it may start again), so `pauses` can say what a crawl waits on:

    robots.txt 502           the host's robots.txt answered 5xx or 429 (RFC 9309: disallow all)
    robots.txt unreachable   no answer from the host for its robots.txt
    proxy refused            the --proxy port refused the connection
    Retry-After 503          a page answered 429 or 503 with Retry-After

A crawl whose only work left is on hosts paused past LINKGRAPH_PAUSE_LIMIT seconds from now
(nothing leased, nothing ready, no host waiting less) is over for now: `deferred` counts its
queued URLs per reason, the ending worker records them (``B deferred``, a JSON object) and a
resume (`retry_paused`) lifts every pause, forgets the failed robots.txt answers and fetches
them again.

    >>> frontier.pauses(time.time())                     # doctest: +SKIP
    [('robots.txt 502', 1, 1733542867.25)]
    >>> frontier.deferred(60.0)                          # doctest: +SKIP
    {'robots.txt 502': 3}
"""

from __future__ import annotations

import json
from typing import Any

from crawler.frontier.census import Census

DEFAULT_REASON = "paused"
MAX_LISTED = 10_000  # paused hosts read per shard for `pauses`: an operator's view, bounded

# Deferred URLs of a shard whose only work left is on hosts paused past ARGV[6] ms from now:
# {1, reason, queued, ...}; {0} when the shard has work to do sooner (or a host waits for its
# politeness delay, not a pause). Read only: the shard's state is left as it is.
DEFERRED_LUA = r"""
local edge = NOW + tonumber(ARGV[6])
if redis.call('ZCARD', LEASES) > 0 or redis.call('ZCARD', READY) > 0 then return {0} end
if #redis.call('ZRANGEBYSCORE', WAIT, '-inf', edge, 'LIMIT', 0, 1) > 0 then return {0} end
local out = {1}
for _, h in ipairs(redis.call('ZRANGEBYSCORE', WAIT, '(' .. edge, '+inf')) do
  local st = redis.call('HMGET', P .. 'h:' .. h, 'pause', 'why')
  if (tonumber(st[1]) or 0) <= edge then return {0} end
  out[#out + 1] = st[2] or 'paused'
  out[#out + 1] = redis.call('ZCARD', P .. 'q:' .. h)
end
return out
"""

# Lift every pause of the shard and forget the failed robots.txt answers that caused them, so
# a resumed crawl fetches the hosts again at once. Returns how many hosts were paused.
UNPAUSE_LUA = r"""
local hosts = redis.call('ZRANGE', P .. 'paused', 0, -1)
for _, h in ipairs(hosts) do
  local hk = P .. 'h:' .. h
  local rk = redis.call('HGET', hk, 'rkey')
  if rk then
    local v = redis.call('GET', rk)
    if v and string.sub(v, 1, 1) == 'D' then redis.call('DEL', rk) end
  end
  redis.call('HDEL', hk, 'pause', 'why', 'rkey')
  wake(h, false)
end
redis.call('DEL', P .. 'paused')
return #hosts
"""


class Pauses(Census):
    """What the paused hosts of a sharded frontier hold back: `Frontier` is one."""

    def _run(self, shard: int, name: str, *args: Any, durable: bool = False) -> Any:
        raise NotImplementedError

    def pauses(self, now: float) -> list[tuple[str, int, float]]:
        """Hosts paused past `now` (epoch seconds), per reason: (reason, hosts, latest end),
        the most hosts first."""
        pipe = self.client.pipeline(transaction=False)
        for p in self.prefixes:
            pipe.zrangebyscore(
                p + "paused", f"({round(now * 1000)}", "+inf", 0, MAX_LISTED, withscores=True
            )
        replies = self.call(pipe.execute)
        paused = [
            (p, host, until)
            for p, rows in zip(self.prefixes, replies, strict=True)
            for host, until in rows
        ]
        if not paused:
            return []
        pipe = self.client.pipeline(transaction=False)
        for p, host, _ in paused:
            pipe.hget(p + "h:" + host.decode(), "why")
        groups: dict[str, tuple[int, float]] = {}
        for (_, _, until), why in zip(paused, self.call(pipe.execute), strict=True):
            reason = why.decode() if why else DEFAULT_REASON
            hosts, latest = groups.get(reason, (0, 0.0))
            groups[reason] = (hosts + 1, max(latest, until / 1000))
        return sorted(((r, n, t) for r, (n, t) in groups.items()), key=lambda g: (-g[1], g[0]))

    def deferred(self, limit: float) -> dict[str, int] | None:
        """URLs queued per pause reason when the crawl's only work left is on hosts paused
        past `limit` seconds from now; None while anything can start sooner."""
        counts: dict[str, int] = {}
        for shard in range(len(self.prefixes)):
            reply = self._run(shard, "deferred", round(limit * 1000))
            if int(reply[0]) == 0:
                return None
            for at in range(1, len(reply), 2):
                reason = reply[at].decode() if isinstance(reply[at], bytes) else str(reply[at])
                counts[reason] = counts.get(reason, 0) + int(reply[at + 1])
        return counts or None

    def record_deferred(self, counts: dict[str, int]) -> None:
        """Record what an ending crawl left deferred (for `status` and the summary)."""
        self.call(self.client.set, self.key("deferred"), json.dumps(counts, sort_keys=True))

    def recorded_deferred(self) -> dict[str, int]:
        """The URLs the crawl left deferred per reason when it last ended ({} if none)."""
        raw = self.call(self.client.get, self.key("deferred"))
        return {str(k): int(v) for k, v in json.loads(raw).items()} if raw else {}

    def retry_paused(self) -> int:
        """Lift every pause (a resume retries the deferred URLs now); returns the hosts."""
        hosts = sum(int(self._run(s, "unpause")) for s in range(len(self.prefixes)))
        self.call(self.client.delete, self.key("deferred"))
        return hosts
