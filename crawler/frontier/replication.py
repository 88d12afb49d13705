"""Writes a replica must hold before the frontier goes on: a page's children sent to other
shards before its lease is finished (issue 13, point 3).

Redis replicates asynchronously: a master that dies right after a call may take the call's
writes with it, and its promoted replica never saw them. For most frontier calls that is a
refetch (a lost lease or ack: the entry is leased again, the store's keys make the second fetch
harmless). Children are different: an ack sends them to their shards first, then finishes the
page's lease in another shard; if the master of the children's shard dies before replicating
them while the ack stands, they are gone for good. So those calls, when the node has replicas,
run with ``WAIT 1 <timeout>`` on the same connection (WAIT covers that connection's writes):
the call returns once a replica holds its writes, or raises, so the ack is retried later and
nothing later relies on a write a failover could undo.

    >>> replication = Replication(client, timeout_ms=1000)     # doctest: +SKIP
    >>> replication.run(script, "lg:{c1:3.7}:meta", args)      # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from typing import Any

import redis
from redis.cluster import RedisCluster
from redis.commands.core import Script
from redis.exceptions import NoScriptError

from crawler.errors import FrontierError
from crawler.frontier.connection import FrontierClient

log = logging.getLogger(__name__)


RECHECK = 30.0  # seconds between looks at whether the masters have replicas (one may attach)


def has_replicas(client: FrontierClient) -> bool:
    """True when a master of the frontier has a replica attached (a cluster's, or one server's)."""
    if isinstance(client, RedisCluster):
        infos = client.info("replication", target_nodes=RedisCluster.PRIMARIES)
        rows = infos.values() if "role" not in infos else [infos]
        return any(int(row.get("connected_slaves", 0)) > 0 for row in rows)
    return int(client.info("replication").get("connected_slaves", 0)) > 0


class Replication:
    """Runs a script on the master that owns its key and waits for one replica to hold it."""

    def __init__(self, client: FrontierClient, timeout_ms: int) -> None:
        self.client = client
        self.timeout_ms = timeout_ms
        self._enabled = False
        self._checked = -RECHECK  # asked on first use: a worker may start before Redis
        # Masters found with no replica attached (a promoted replica whose master died), until
        # when: WAIT would hold each call its whole timeout for a replica that is not there.
        self._bare: dict[int, float] = {}

    @property
    def enabled(self) -> bool:
        now = time.monotonic()
        # A timeout of 0 turns the wait off (what it costs: tests/integration/
        # test_frontier_failover.py measures both).
        if self.timeout_ms > 0 and now - self._checked >= RECHECK:
            self._checked = now
            try:
                enabled = has_replicas(self.client)
            except redis.RedisError as exc:  # Redis away: the call itself will say so
                log.debug("could not ask the frontier's masters for replicas: %s", exc)
                return self._enabled
            if enabled != self._enabled:
                log.info("frontier writes wait for a replica: %s", enabled)
            self._enabled = enabled
        return self._enabled

    def _master(self, key: str) -> redis.Redis:
        if isinstance(self.client, RedisCluster):
            node = self.client.get_node_from_key(key)
            return self.client.get_redis_connection(node)
        return self.client

    def run(self, script: Script, key: str, args: list[Any]) -> Any:
        """`script(keys=[key], args=args)` on `key`'s master, then WAIT for a replica."""
        try:
            return self._run(script, key, args)
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError) as exc:
            # A master down or moved (a failover): learn the new slot owners, then let the
            # caller's retry reach them.
            if isinstance(self.client, RedisCluster) and not isinstance(exc, NoScriptError):
                self.client.nodes_manager.initialize()
            raise

    def _run(self, script: Script, key: str, args: list[Any]) -> Any:
        master = self._master(key)
        bare = self._bare.get(id(master), 0.0) > time.monotonic()
        for attempt in (1, 2):
            pipe = master.pipeline(transaction=False)
            pipe.evalsha(script.sha, 1, key, *args)
            pipe.execute_command("WAIT", 0 if bare else 1, 0 if bare else self.timeout_ms)
            try:
                result, acked = pipe.execute()
            except NoScriptError:
                if attempt == 2:
                    raise
                # A promoted replica, or a new master: its script cache is its own.
                master.script_load(script.script)
                continue
            if bare or int(acked) >= 1:
                return result
            if _connected_replicas(master) == 0:
                self._bare[id(master)] = time.monotonic() + RECHECK
                log.warning("frontier master for %s has no replica: not waiting", key)
                return result
            raise FrontierError(
                f"no replica of the frontier's master for {key} confirmed a write within "
                f"{self.timeout_ms} ms; the call is retried"
            )
        raise AssertionError("not reached")


def _connected_replicas(master: redis.Redis) -> int:
    """Replicas attached to `master` now: none (all down) means nothing to wait for."""
    return int(master.info("replication").get("connected_slaves", 0))
