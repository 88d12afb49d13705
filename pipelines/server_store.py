"""The server backend of the link store: a ClickHouse server through clickhouse-driver.

The native protocol, one client per store behind one lock; the database named in the URL is
created when missing. `pipelines.store.open_store` builds it for a ``clickhouse://`` target:

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

import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from crawler import settings as defaults
from crawler.errors import StoreError, StoreUnavailable
from crawler.terminal import redacted
from pipelines.columns import Column
from pipelines.store_base import Result, Store
from schema.cluster_ddl import cluster_statements

# A cluster's session: inserts wait for every shard (a crawl's ack then means stored, as on one
# server), and an IN/JOIN subquery on a Distributed table is read once, from all shards, and
# sent to each (the "global" mode: correct for any sharding key; the co-sharded views read
# their shard's local table themselves and need no setting).
CLUSTER_SETTINGS = {"insert_distributed_sync": 1, "distributed_product_mode": "global"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ServerStore(Store):
    """A ClickHouse server through clickhouse-driver (native protocol); one client, one lock."""

    def __init__(
        self,
        target: str,
        *,
        connect_timeout: float = defaults.LINKGRAPH_CLICKHOUSE_CONNECT_TIMEOUT,
        receive_timeout: float = defaults.LINKGRAPH_CLICKHOUSE_RECEIVE_TIMEOUT,
    ) -> None:
        from clickhouse_driver import Client

        parts = urlsplit(target)
        self.target = target
        self.database = parts.path.strip("/") or "default"
        if not _NAME.fullmatch(self.database):
            raise StoreError(f"bad database name {self.database!r} in {target}")
        self.cluster = parse_qs(parts.query).get("cluster", [""])[-1]
        if self.cluster and not _NAME.fullmatch(self.cluster):
            raise StoreError(f"bad cluster name {self.cluster!r} in {target}")
        options = {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 9000,
            "user": unquote(parts.username or "default"),
            "password": unquote(parts.password or ""),
            "connect_timeout": connect_timeout,
        }
        self._lock = threading.Lock()
        # The first exchange waits no longer than the connection: a silent port fails in seconds.
        bootstrap = Client(send_receive_timeout=connect_timeout, **options)
        try:
            self.version = str(self._run(bootstrap, "SELECT version()", None).rows[0][0])
            on_cluster = f" ON CLUSTER '{self.cluster}'" if self.cluster else ""
            create = f"CREATE DATABASE IF NOT EXISTS {self.database}{on_cluster}"
            self._run(bootstrap, create, None)
        finally:
            bootstrap.disconnect()
        settings = CLUSTER_SETTINGS if self.cluster else {}
        self._client = Client(
            database=self.database,
            settings=settings,
            send_receive_timeout=receive_timeout,
            **options,
        )

    def migrate(self) -> list[str]:
        """On a cluster: the whole cluster schema at once on first use (schema/README.md)."""
        if not self.cluster:
            return super().migrate()
        exists = self.execute(
            f"SELECT count() FROM system.tables WHERE database = '{self.database}' "
            "AND name = 'schema_migrations'"
        ).rows[0][0]
        if exists:
            return []  # later migrations on a cluster: regenerate and apply (DEPLOY.md)
        statements = cluster_statements(self.database, self.cluster, self.version_info)
        for statement in statements:
            self.execute(statement)
        return [m[1] for m in re.findall(r"SELECT (\d+), '(\w+)', now\(\)", "\n".join(statements))]

    def execute(self, sql: str, settings: Mapping[str, Any] | None = None) -> Result:
        with self._lock:
            return self._run(self._client, sql, settings)

    def insert_columns(self, table: str, columns: Sequence[Column], data: list[list[Any]]) -> None:
        names = ", ".join(name for name, _, _ in columns)
        with self._lock:
            self._call(
                self._client.execute,
                f"INSERT INTO {table} ({names}) VALUES",
                data,
                columnar=True,
                types_check=False,
            )

    def read_only(self) -> None:
        # Sent with every query of this client; the server refuses to lower it again.
        self._client.settings = {**self._client.settings, "readonly": 1}

    def close(self) -> None:
        self._client.disconnect()

    def _run(self, client: Any, sql: str, settings: Mapping[str, Any] | None) -> Result:
        rows, types = self._call(client.execute, sql, settings=settings, with_column_types=True)
        return Result([name for name, _ in types], [tuple(row) for row in rows])

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        from clickhouse_driver import errors

        try:
            return method(*args, **kwargs)
        except errors.ServerException as exc:
            first = str(exc.message).strip().splitlines()[0] if exc.message else str(exc)
            raise StoreError(f"ClickHouse at {self.target}: {first}", code=exc.code) from exc
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
            raise StoreUnavailable(f"cannot reach ClickHouse at {self.target}: {reason}") from exc
        except errors.Error as exc:
            self._disconnect(method)
            raise StoreError(f"ClickHouse at {self.target}: {exc}", code=exc.code) from exc

    @staticmethod
    def _disconnect(method: Any) -> None:
        client = getattr(method, "__self__", None)
        if client is not None:
            client.disconnect()


def _receive_timeout(method: Any) -> float:
    client = getattr(method, "__self__", None)
    return float(getattr(getattr(client, "connection", None), "send_receive_timeout", 0) or 0)


def _first_line(exc: BaseException) -> str:
    text = re.sub(r"^Code:\s*\d+\.\s*", "", str(exc).strip())
    return text.splitlines()[0] if text else type(exc).__name__
