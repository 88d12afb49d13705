"""The server backend of the link store: a ClickHouse server through clickhouse-driver.

The native protocol, one client per store behind one lock; the database named in the URL is
created when missing. `pipelines.store.open_store` builds it for a ``clickhouse://`` target:

    >>> store = ServerStore("clickhouse://127.0.0.1:9000/linkgraph")      # doctest: +SKIP
    >>> store.version                                                      # doctest: +SKIP
    '18.16.1'
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

from crawler.errors import StoreError, StoreUnavailable
from pipelines.columns import Column
from pipelines.store_base import Result, Store


class ServerStore(Store):
    """A ClickHouse server through clickhouse-driver (native protocol); one client, one lock."""

    def __init__(self, target: str, *, connect_timeout: float = 5.0) -> None:
        from clickhouse_driver import Client

        parts = urlsplit(target)
        self.target = target
        self.database = parts.path.strip("/") or "default"
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.database):
            raise StoreError(f"bad database name {self.database!r} in {target}")
        options = {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 9000,
            "user": unquote(parts.username or "default"),
            "password": unquote(parts.password or ""),
            "connect_timeout": connect_timeout,
        }
        self._lock = threading.Lock()
        bootstrap = Client(**options)
        try:
            self.version = str(self._run(bootstrap, "SELECT version()", None).rows[0][0])
            self._run(bootstrap, f"CREATE DATABASE IF NOT EXISTS {self.database}", None)
        finally:
            bootstrap.disconnect()
        self._client = Client(database=self.database, **options)

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
        except (errors.NetworkError, errors.SocketTimeoutError, EOFError, OSError) as exc:
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


def _first_line(exc: BaseException) -> str:
    text = re.sub(r"^Code:\s*\d+\.\s*", "", str(exc).strip())
    return text.splitlines()[0] if text else type(exc).__name__
