"""The frontier's client: plain Redis, or redis-py's `RedisCluster` when the URL names any node
of a Redis Cluster (detected with ``INFO cluster``, so operators pass one URL either way).

    >>> client = connect("redis://10.0.0.5:6379/0")    # doctest: +SKIP
    >>> is_cluster(client)                              # doctest: +SKIP
    True
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from redis.cluster import RedisCluster

from crawler.errors import FrontierUnavailable
from crawler.terminal import redacted

log = logging.getLogger(__name__)

FrontierClient = redis.Redis | RedisCluster


def connect(url: str, *, strict: bool = True, **options: Any) -> FrontierClient:
    """A client for `url`, pinged: FrontierUnavailable (naming the URL) when it cannot answer.

    With `strict` False an unreachable server gives the plain client unpinged (Scrapy builds
    its scheduler before it opens it: the scheduler's own ping at open says what is wrong).
    """
    plain = redis.Redis.from_url(url, **options)
    try:
        enabled = plain.info("cluster").get("cluster_enabled") == 1
    except redis.RedisError as exc:
        if not strict:
            return plain
        raise FrontierUnavailable(f"cannot reach Redis at {redacted(url)}: {exc}") from exc
    if not enabled:
        return plain
    plain.close()
    try:
        # db 0 is the only database of a cluster node; the path of the URL says nothing more.
        cluster = RedisCluster.from_url(_without_db(url), **options)
        cluster.ping()
    except redis.RedisError as exc:
        raise FrontierUnavailable(
            f"cannot reach the Redis Cluster at {redacted(url)}: {exc}"
        ) from exc
    log.info(
        "frontier Redis at %s is a cluster of %d masters",
        redacted(url),
        len(cluster.get_primaries()),
    )
    return cluster


def is_cluster(client: Any) -> bool:
    return isinstance(client, RedisCluster)


def server_url(client: Any) -> str:
    """The URL that names `client`'s server (a cluster: the node it was given) in messages."""
    if isinstance(client, RedisCluster):
        node = client.get_default_node()
        return f"redis://{node.host}:{node.port}/0 (cluster)"
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}"
    host, port = kwargs.get("host", "localhost"), kwargs.get("port", 6379)
    return f"redis://{host}:{port}/{kwargs.get('db', 0)}"


def _without_db(url: str) -> str:
    head, sep, tail = url.partition("://")
    if not sep or "/" not in tail:
        return url
    address, _, rest = tail.partition("/")
    query = rest.partition("?")[2]
    return f"{head}://{address}" + (f"?{query}" if query else "")
