"""The server backend of the link store: a ClickHouse server through clickhouse-driver.

The native protocol through a pool of `connections` clients (1 by default: a crawl's sink
inserts in order; `linkgraph serve` opens LINKGRAPH_SERVE_CONNECTIONS so requests run side by
side); the database named in the URL is created when missing. `pipelines.store.open_store`
builds it for a ``clickhouse://`` target:

    >>> store = ServerStore("clickhouse://127.0.0.1:9000/linkgraph")      # doctest: +SKIP
    >>> store.version                                                      # doctest: +SKIP
    '18.16.1'

``?cluster=NAME`` in the URL opens the link graph on a ClickHouse cluster (schema/README.md, "The
link graph on a cluster"): the database and, on first `migrate`, the Replicated local tables,
Distributed tables, views and materialized views are created ON CLUSTER for the server's
version; inserts go through the Distributed tables and return once every shard has its rows
(insert_distributed_sync); every query runs with distributed_product_mode=global, so an IN or
JOIN on a Distributed table reads all shards whatever the sharding key.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from crawler import settings as defaults
from crawler.errors import StoreError, StoreUnavailable
from crawler.terminal import redacted
from pipelines.columns import Column
from pipelines.store_base import (
    MIGRATION_SETTINGS,
    MIGRATION_TIMEOUT,
    STREAM_BLOCK_ROWS,
    Result,
    Store,
)
from schema.cluster_ddl import cluster_statements, upgrade_steps

# A cluster's session: inserts wait for every shard (a crawl's ack then means stored, as on one
# server), and an IN/JOIN subquery on a Distributed table is read once, from all shards, and
# sent to each (the "global" mode: correct for any sharding key; the co-sharded views read
# their shard's local table themselves and need no setting).
CLUSTER_SETTINGS = {"insert_distributed_sync": 1, "distributed_product_mode": "global"}
log = logging.getLogger(__name__)
# Server errors meaning "another node is unreachable" (a Distributed insert or read whose
# shard is down, a replica without ZooKeeper): 209 SOCKET_TIMEOUT, 210 NETWORK_ERROR, 225
# NO_ZOOKEEPER, 242 TABLE_IS_READ_ONLY, 279 ALL_CONNECTION_TRIES_FAILED, 999 KEEPER_EXCEPTION.
UNREACHABLE_CODES = frozenset({209, 210, 225, 242, 279, 999})
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ServerStore(Store):
    """A ClickHouse server through clickhouse-driver (native protocol); a pool of at most
    `connections` clients, each running one statement at a time (a client is one socket)."""

    def __init__(
        self,
        target: str,
        *,
        connect_timeout: float = defaults.LINKGRAPH_CLICKHOUSE_CONNECT_TIMEOUT,
        receive_timeout: float = defaults.LINKGRAPH_CLICKHOUSE_RECEIVE_TIMEOUT,
        connections: int = 1,
    ) -> None:
        from clickhouse_driver import Client

        parts = urlsplit(target)
        self.target = target
        self.database = parts.path.strip("/") or "default"
        if not _NAME.fullmatch(self.database):
            raise StoreError(f"bad database name {self.database!r} in {redacted(target)}")
        self.cluster = parse_qs(parts.query).get("cluster", [""])[-1]
        if self.cluster and not _NAME.fullmatch(self.cluster):
            raise StoreError(f"bad cluster name {self.cluster!r} in {redacted(target)}")
        options: dict[str, Any] = {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 9000,
            "user": unquote(parts.username or "default"),
            "password": unquote(parts.password or ""),
            "connect_timeout": connect_timeout,
        }
        self._options = options
        self.connections = max(1, connections)
        self._slots = threading.BoundedSemaphore(self.connections)
        self._lock = threading.Lock()  # guards the idle list
        self._idle: list[Any] = []
        self._clients: list[Any] = []
        # The first exchange waits no longer than the connection: a silent port fails in seconds.
        bootstrap = Client(send_receive_timeout=connect_timeout, **options)
        try:
            self.version = str(self._run(bootstrap, "SELECT version()", None).rows[0][0])
            # Only when missing: ON CLUSTER DDL waits for every node, so with one replica down
            # each worker opening the store would hang distributed_ddl_task_timeout (180 s).
            exists = f"SELECT count() FROM system.databases WHERE name = '{self.database}'"
            if not self._run(bootstrap, exists, None).rows[0][0]:
                on_cluster = f" ON CLUSTER '{self.cluster}'" if self.cluster else ""
                create = f"CREATE DATABASE IF NOT EXISTS {self.database}{on_cluster}"
                self._run(bootstrap, create, None)
        finally:
            bootstrap.disconnect()
        self._receive_timeout = receive_timeout
        self._settings: dict[str, Any] = dict(CLUSTER_SETTINGS) if self.cluster else {}

    def _new_client(self) -> Any:
        """A pooled client on the store's own node, waiting the store's receive timeout."""
        host, port = self._options["host"], self._options["port"]
        client = self._node_client(host, port, self._receive_timeout)
        self._clients.append(client)
        return client

    @contextmanager
    def _leased(self) -> Iterator[Any]:
        """An idle client of the pool (a new one while fewer than `connections` exist), given
        back afterwards; waits while every one is busy."""
        with self._slots:
            with self._lock:
                client = self._idle.pop() if self._idle else self._new_client()
            try:
                yield client
            finally:
                with self._lock:
                    self._idle.append(client)

    def migrate(self) -> list[str]:
        """On a cluster: the whole cluster schema at once on first use (schema/README.md)."""
        if not self.cluster:
            return super().migrate()
        exists = self.execute(
            f"SELECT count() FROM system.tables WHERE database = '{self.database}' "
            "AND name = 'schema_migrations'"
        ).rows[0][0]
        if exists:
            return self._upgrade()
        statements = cluster_statements(self.database, self.cluster, self.version_info)
        for statement in statements:
            self.execute(statement)
        return [m[1] for m in re.findall(r"SELECT (\d+), '(\w+)', now\(\)", "\n".join(statements))]

    def _upgrade(self) -> list[str]:
        """The migrations a cluster made by an older linkgraph lacks, ON CLUSTER (never the
        single-server DDL on one node); a backfill runs on one replica of each shard."""
        applied = {row[0] for row in self.execute("SELECT version FROM schema_migrations").rows}
        steps = upgrade_steps(self.database, self.cluster, self.version_info, applied)
        for step in steps:
            for statement in step.cluster:
                self.execute_migration(statement, MIGRATION_SETTINGS)
            for statement in step.per_shard:
                for client in self._shard_clients(timeout=MIGRATION_TIMEOUT):
                    try:
                        self._run(client, statement, MIGRATION_SETTINGS)
                    finally:
                        client.disconnect()
            self.execute(step.record)
            log.info("migration %s applied on cluster %s", step.migration.name, self.cluster)
        return [step.migration.name for step in steps]

    def nodes(self) -> list[tuple[int, str, int]]:
        """(shard number, host, port) of every node of the cluster, shard by shard."""
        return [
            (int(shard), str(host), int(port))
            for shard, host, port in self.execute(
                "SELECT shard_num, host_address, port FROM system.clusters "
                f"WHERE cluster = '{self.cluster}' ORDER BY shard_num, replica_num"
            ).rows
        ]

    def settle(self) -> None:
        """On a cluster, the replicas caught up (`sync_replicas`), so a query right after a
        crawl, which may read any replica, sees every row. A replica that cannot is logged
        and left: it catches up from ZooKeeper's log when it is back."""
        if not self.cluster:
            return
        try:
            self.sync_replicas()
        except StoreError as exc:
            log.warning("not every replica has caught up yet: %s", exc)

    def sync_replicas(self) -> None:
        """Wait until every replica holds what its shard was sent (SYSTEM SYNC REPLICA): a
        Distributed insert returns once one replica of each shard has the rows."""
        tables = [row[0] for row in self.execute(
            "SELECT name FROM system.tables WHERE database = currentDatabase() "
            "AND engine LIKE 'Replicated%'"
        ).rows]  # fmt: skip
        for _, host, port in self.nodes():
            client = self._node_client(host, port)
            try:
                for table in tables:
                    self._run(client, f"SYSTEM SYNC REPLICA {self.database}.{table}", None)
            finally:
                client.disconnect()

    def _shard_clients(self, timeout: float | None = None) -> list[Any]:
        """A client on the first answering replica of each shard (waiting `timeout` seconds
        for a packet, else clickhouse-driver's default)."""
        shards: dict[int, list[tuple[str, int]]] = {}
        for shard, host, port in self.nodes():
            shards.setdefault(shard, []).append((host, port))
        clients = []
        for shard, replicas in shards.items():
            for host, port in replicas:
                client = self._node_client(host, port, timeout)
                try:
                    self._run(client, "SELECT 1", None)
                except StoreUnavailable:
                    continue
                clients.append(client)
                break
            else:
                raise StoreUnavailable(f"no replica of shard {shard} of {self.cluster} answers")
        return clients

    def _node_client(self, host: str, port: int, timeout: float | None = None) -> Any:
        """A client on node host:port with the store's settings (the cluster's, and readonly
        once `read_only`: a stream of a read-only store reads only too), waiting `timeout`
        seconds for a packet (clickhouse-driver's default when None)."""
        from clickhouse_driver import Client

        options = {**self._options, "host": host, "port": port}
        if timeout is not None:
            options["send_receive_timeout"] = timeout
        return Client(database=self.database, settings=dict(self._settings), **options)

    def execute_migration(self, sql: str, settings: Mapping[str, Any] | None = None) -> Result:
        client = self._node_client(self._options["host"], self._options["port"], MIGRATION_TIMEOUT)
        try:
            return self._run(client, sql, settings)
        finally:
            client.disconnect()

    def execute(self, sql: str, settings: Mapping[str, Any] | None = None) -> Result:
        with self._leased() as client:
            return self._run(client, sql, settings)

    def stream(
        self, sql: str, block_rows: int = STREAM_BLOCK_ROWS
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Blocks of rows as the server sends them, on a connection of their own (the store's
        client stays free; nothing is held but the current block)."""
        client = self._node_client(self._options["host"], self._options["port"])
        try:
            settings = {"max_block_size": block_rows}
            rows = client.execute_iter(sql, settings=settings, chunk_size=block_rows)
            while block := self._call(_next_block, rows):
                yield [tuple(row) for row in block]
        finally:
            client.disconnect()

    def insert_columns(self, table: str, columns: Sequence[Column], data: list[list[Any]]) -> None:
        names = ", ".join(name for name, _, _ in columns)
        with self._leased() as client:
            self._call(
                client.execute,
                f"INSERT INTO {table} ({names}) VALUES",
                data,
                columnar=True,
                types_check=False,
            )

    def read_only(self) -> None:
        # Sent with every query of each client; the server refuses to lower it again.
        with self._lock:
            self._settings["readonly"] = 1
            for client in self._clients:
                client.settings = {**client.settings, "readonly": 1}

    def close(self) -> None:
        with self._lock:
            for client in self._clients:
                client.disconnect()

    def _run(self, client: Any, sql: str, settings: Mapping[str, Any] | None) -> Result:
        rows, types = self._call(client.execute, sql, settings=settings, with_column_types=True)
        return Result([name for name, _ in types], [tuple(row) for row in rows])

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        from clickhouse_driver import errors

        try:
            return method(*args, **kwargs)
        except errors.ServerException as exc:
            first = str(exc.message).strip().splitlines()[0] if exc.message else str(exc)
            if exc.code in UNREACHABLE_CODES:
                # The server answered, but a shard or replica behind it did not: as unreachable
                # as the server itself to the sink, which spools the batch and replays it.
                raise StoreUnavailable(f"ClickHouse at {redacted(self.target)}: {first}") from exc
            raise StoreError(
                f"ClickHouse at {redacted(self.target)}: {first}", code=exc.code
            ) from exc
        except errors.SocketTimeoutError as exc:
            self._disconnect(method)
            waited = _receive_timeout(method)
            raise StoreUnavailable(
                f"ClickHouse at {redacted(self.target)} did not answer within {waited:g} s "
                "(a hung server, or not ClickHouse's native port?)"
            ) from exc
        except (errors.NetworkError, EOFError, OSError) as exc:
            self._disconnect(method)
            reason = _first_line(exc)
            raise StoreUnavailable(
                f"cannot reach ClickHouse at {redacted(self.target)}: {reason}"
            ) from exc
        except errors.Error as exc:
            self._disconnect(method)
            raise StoreError(
                f"ClickHouse at {redacted(self.target)}: {exc}", code=exc.code
            ) from exc

    @staticmethod
    def _disconnect(method: Any) -> None:
        client = getattr(method, "__self__", None)
        if client is not None:
            client.disconnect()


def _next_block(rows: Iterator[list[Any]]) -> list[Any]:
    return next(rows, [])


def cluster_url(url: str, cluster: str) -> str:
    """`url` naming `cluster` (``?cluster=NAME``): what ``--clickhouse-cluster NAME`` means.

    >>> cluster_url("clickhouse://h:9000/lg", "lg")
    'clickhouse://h:9000/lg?cluster=lg'
    """
    if not cluster:
        return url
    if not _NAME.fullmatch(cluster):
        raise StoreError(f"bad cluster name {cluster!r}: letters, digits and _")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    named = query.get("cluster", [""])[-1]
    if named and named != cluster:
        raise StoreError(f"{url} names cluster {named!r}, --clickhouse-cluster {cluster!r}")
    query["cluster"] = [cluster]
    return parts._replace(query=urlencode(query, doseq=True)).geturl()


def _receive_timeout(method: Any) -> float:
    client = getattr(method, "__self__", None)
    return float(getattr(getattr(client, "connection", None), "send_receive_timeout", 0) or 0)


def _first_line(exc: BaseException) -> str:
    text = re.sub(r"^Code:\s*\d+\.\s*", "", str(exc).strip())
    return text.splitlines()[0] if text else type(exc).__name__
