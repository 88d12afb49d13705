"""A Redis Cluster of 3 masters + 3 replicas on loopback, and the moves of a failover test: find
a shard's master and its replica, hold the replica back (SIGSTOP: the master's writes wait in
its buffer), kill the master, promote the replica (CLUSTER FAILOVER TAKEOVER)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.helpers.servers import RedisClusterServers, have_redis_server


@contextmanager
def redis_cluster(base: Path, replicas: int = 0) -> Iterator[RedisClusterServers]:
    """3 masters (each with `replicas` replicas, linked up) of Debian's redis-server on
    loopback, stopped by PID; skips the test when redis-server is not installed."""
    if not have_redis_server():
        pytest.skip("Debian's redis-server is not installed (make test installs it)")
    with RedisClusterServers(base, masters=3, replicas=replicas) as cluster:
        if replicas:
            wait_replicas(cluster)
        yield cluster


@dataclass
class Pair:
    """A master and its replica, as their cluster nodes' indexes and ports."""

    master: int
    replica: int
    master_port: int
    replica_port: int


def pairs(cluster: RedisClusterServers) -> list[Pair]:
    """Each master with its replica (redis-cli chose who replicates whom)."""
    by_port = {node.port: i for i, node in enumerate(cluster.nodes)}
    found = []
    for i, node in enumerate(cluster.nodes):
        info = redis.Redis(port=node.port).info("replication")
        if info["role"] == "slave":
            master = by_port[int(info["master_port"])]
            found.append(Pair(master, i, cluster.nodes[master].port, node.port))
    return sorted(found, key=lambda pair: pair.master)


def wait_replicas(cluster: RedisClusterServers, timeout: float = 30.0) -> None:
    """Until every replica's link to its master is up (cluster_state ok comes before that)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        infos = [redis.Redis(port=node.port).info("replication") for node in cluster.nodes]
        links = [info.get("master_link_status") for info in infos if info["role"] == "slave"]
        if len(links) == cluster.replicas * len(cluster.nodes) // (1 + cluster.replicas) and all(
            link == "up" for link in links
        ):
            return
        time.sleep(0.1)
    raise AssertionError("the replicas did not all sync with their masters")


def pair_of_key(cluster: RedisClusterServers, key: str) -> Pair:
    """The master that serves `key`'s slot, with its replica."""
    client = redis.RedisCluster(host="127.0.0.1", port=cluster.nodes[0].port)
    port = int(client.get_node_from_key(key).port)
    client.close()
    return next(pair for pair in pairs(cluster) if pair.master_port == port)


def hold(cluster: RedisClusterServers, pair: Pair, fill_mb: int = 80) -> None:
    """Hold back `pair`'s replication: freeze the replica (SIGSTOP), then fill the link with
    `fill_mb` MB of writes, more than loopback's TCP buffers hold (tcp_rmem + tcp_wmem max,
    36 MB here): what the master writes next waits in its own memory, where a SIGKILL loses it
    (anything in the replica's socket buffer it would still read once thawed)."""
    process = cluster.nodes[pair.replica].process
    assert process is not None
    os.kill(process.pid, signal.SIGSTOP)
    client = redis.RedisCluster(host="127.0.0.1", port=cluster.nodes[0].port)
    key = next(
        f"fill{i}"
        for i in range(100_000)
        if int(client.get_node_from_key(f"fill{i}").port) == pair.master_port
    )
    client.close()
    master = redis.Redis(port=pair.master_port)
    block = b"x" * (1 << 20)
    for _ in range(fill_mb):
        master.set(key, block)
    master.delete(key)


def release(cluster: RedisClusterServers, pair: Pair) -> None:
    process = cluster.nodes[pair.replica].process
    assert process is not None
    os.kill(process.pid, signal.SIGCONT)


def fail_over(cluster: RedisClusterServers, pair: Pair, timeout: float = 30.0) -> None:
    """SIGKILL the master, thaw its replica (if `hold` froze it: only after the kill, so what
    the master still held never reaches it), promote it, wait for every live node to agree."""
    cluster.nodes[pair.master].kill()
    release(cluster, pair)
    replica = redis.Redis(port=pair.replica_port)
    deadline = time.monotonic() + timeout
    while True:  # the replica may still be catching up on what it was sent
        try:
            replica.execute_command("CLUSTER FAILOVER TAKEOVER")
            break
        except redis.ResponseError:
            assert time.monotonic() < deadline, "the replica refused the takeover"
            time.sleep(0.1)
    while time.monotonic() < deadline:
        roles = [replica.info("replication")["role"]]
        views = [
            redis.Redis(port=node.port, socket_timeout=1).execute_command("CLUSTER NODES")
            for i, node in enumerate(cluster.nodes)
            if i != pair.master
        ]
        promoted = all(_is_master(view, pair.replica_port) for view in views)
        if roles == ["master"] and promoted:
            return
        time.sleep(0.1)
    raise AssertionError(f"node :{pair.replica_port} was not promoted everywhere")


def _is_master(nodes: Any, port: int) -> bool:
    """Whether a node's CLUSTER NODES (redis-py parses it into a dict) calls :port a master."""
    for address, row in nodes.items():
        if address.endswith(f":{port}"):
            return "master" in row["flags"]
    return False
