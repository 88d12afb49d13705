"""The link store: one interface over a ClickHouse server (clickhouse-driver) and chDB (embedded).

This module holds what both backends share: the `Store` interface and its behaviour built on a
backend's `execute` and `insert_columns` (record inserts, parameters, named queries, migrations)
and `open_store`, which picks the backend: ``clickhouse://[user[:password]@]host[:port]/db`` is a
server (`pipelines.server_store`; the database is created if missing), anything else is a chDB
data directory (`pipelines.embedded_store`), opened once per process and shared by every
in-process worker (a lock file refuses a second process).

    >>> store = open_store("linkgraph-data/graph")                       # doctest: +SKIP
    >>> store.migrate()                                                    # doctest: +SKIP
    ['001_baseline', '002_history', '003_domain_stats']
    >>> store.insert(pages, links)                                         # doctest: +SKIP
    >>> store.named("backlinks", {"domain": "example.com"}).rows[0]       # doctest: +SKIP
    ('http://blog.net/a', 'blog.net', 'http://example.com/', 'Example', [], 'main', 'a', 0, ...)

Errors: StoreUnavailable when the server cannot be reached (names the URL), StoreLocked when
another process holds the data directory, StoreError with the server's code otherwise, and
QueryError for a bad named query or parameter.
"""

from __future__ import annotations

from pathlib import Path

from crawler.errors import StoreError
from pipelines.embedded_store import open_embedded
from pipelines.server_store import ServerStore
from pipelines.store_base import Migration, Result, Store, migrations

__all__ = ["Migration", "Result", "Store", "migrations", "open_store"]


def open_store(target: str, *, connections: int = 1) -> Store:
    """A store for `target`: a clickhouse:// URL or a chDB data directory (see module docstring);
    a server store keeps up to `connections` connections (chDB has one handle, whatever asked)."""
    if not target:
        raise StoreError("no store given: set LINKGRAPH_STORE to clickhouse://... or a directory")
    if target.startswith("clickhouse://"):
        return ServerStore(target, connections=connections)
    return open_embedded(Path(target).expanduser().resolve())
