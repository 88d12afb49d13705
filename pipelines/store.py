"""The link store: one interface over a ClickHouse server (clickhouse-driver) and chDB (embedded).

`open_store(target)` picks the backend: ``clickhouse://[user[:password]@]host[:port]/db`` is a
server (the database is created if missing), anything else is a chDB data directory, opened once
per process and shared by every in-process worker (a lock file refuses a second process).

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

import fcntl
import json
import logging
import os
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from crawler.errors import QueryError, StoreError, StoreLocked, StoreUnavailable
from crawler.records import OutLink, Page
from pipelines.columns import (
    LINK_COLUMNS,
    PAGE_COLUMNS,
    Column,
    arrow_array,
    arrow_arrays,
    columnar,
)
from pipelines.sqlparams import render

log = logging.getLogger(__name__)

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schema"
MIGRATIONS_DIR = SCHEMA_DIR / "migrations"
QUERIES_DIR = SCHEMA_DIR / "queries"
EMBEDDED_DATABASE = "linkgraph"
LOCK_FILE = ".linkgraph.lock"

_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
_REQUIRES = re.compile(r"^--\s*requires:\s*(\d+(?:\.\d+)*)\s*$", re.MULTILINE)
# LowCardinality is experimental before 19.x: CREATE needs this setting there, and 26.x rejects it.
_LOW_CARDINALITY_SETTING = {"allow_experimental_low_cardinality_type": 1}


@dataclass
class Result:
    """Rows of a query, as Python values (DateTime columns as UTC-aware datetimes)."""

    columns: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    requires: tuple[int, ...]
    statements: list[str]

    @classmethod
    def load(cls, path: Path) -> Migration:
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise StoreError(f"migration file name must be NNN_name.sql: {path}")
        text = path.read_text()
        requires = _REQUIRES.search(text)
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
        statements = [s.strip() for s in re.split(r";\s*(?:\n|$)", code) if s.strip()]
        return cls(
            version=int(match.group(1)),
            name=path.stem,
            requires=parse_version(requires.group(1)) if requires else (),
            statements=statements,
        )


def parse_version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    return [Migration.load(path) for path in sorted(directory.glob("*.sql"))]


class Store(ABC):
    """What the sink, the CLI and the analysts' tools use; see the module docstring."""

    target: str
    version: str

    @property
    def version_info(self) -> tuple[int, ...]:
        return parse_version(self.version)

    # -- what a backend provides ------------------------------------------------------------
    @abstractmethod
    def execute(self, sql: str, settings: Mapping[str, Any] | None = None) -> Result:
        """Run one statement as written (no parameters)."""

    @abstractmethod
    def insert_columns(self, table: str, columns: Sequence[Column], data: list[list[Any]]) -> None:
        """Insert one columnar block: `data` holds one list per column of `columns`."""

    @abstractmethod
    def close(self) -> None: ...

    # -- shared behaviour ---------------------------------------------------------------------
    def insert(self, pages: Sequence[Page], links: Sequence[OutLink]) -> None:
        """Write the records of some fetches; durable when it returns.

        Links go first: if the pages insert then fails, the fetch is not yet the latest of its
        URL, so readers keep showing the previous link set until the retry lands.
        """
        if links:
            self.insert_records("link_fetches", LINK_COLUMNS, links)
        if pages:
            self.insert_records("page_fetches", PAGE_COLUMNS, pages)

    def insert_records(self, table: str, columns: Sequence[Column], records: Sequence[Any]) -> None:
        """Insert `records` (their attributes named by `columns`) as one block."""
        self.insert_columns(table, columns, columnar(records, list(columns)))

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> Result:
        """Run `sql`, its ``{name:Type}`` placeholders filled from `params`."""
        return self.execute(render(sql, params))

    def named(self, name: str, params: Mapping[str, Any] | None = None) -> Result:
        """Run ``schema/queries/<name>.sql`` with `params`."""
        path = QUERIES_DIR / f"{name}.sql"
        if not re.fullmatch(r"[a-z0-9_]+", name) or not path.is_file():
            known = ", ".join(sorted(p.stem for p in QUERIES_DIR.glob("*.sql")))
            raise QueryError(f"unknown query {name!r} (known: {known})")
        return self.execute(render(path.read_text(), params, query=f"query {name!r}"))

    def migrate(self) -> list[str]:
        """Apply the migrations not applied yet (and allowed by the server version)."""
        self.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version UInt32, name String, applied_at DateTime('UTC')) "
            "ENGINE = ReplacingMergeTree ORDER BY version"
        )
        applied = {row[0] for row in self.execute("SELECT version FROM schema_migrations").rows}
        settings = _LOW_CARDINALITY_SETTING if self.version_info < (20,) else None
        done = []
        for migration in migrations():
            if migration.version in applied:
                continue
            if migration.requires > self.version_info:
                log.info("migration %s needs ClickHouse %s; skipped", migration.name,
                         ".".join(map(str, migration.requires)))  # fmt: skip
                continue
            for statement in migration.statements:
                self.execute(statement, settings)
            self.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) "
                f"SELECT {migration.version}, '{migration.name}', now()"
            )
            done.append(migration.name)
        return done

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- server backend ------------------------------------------------------------------------------


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


# -- embedded backend ----------------------------------------------------------------------------


class EmbeddedStore(Store):
    """chDB on a data directory; one per process (see `open_store`), serialized by a lock."""

    def __init__(self, path: Path) -> None:
        import pyarrow  # noqa: F401  (imported now, so the first flush is not the slow one)
        from chdb import session

        self.path = path
        self.target = str(path)
        path.mkdir(parents=True, exist_ok=True)
        self._lock_fd = _lock_directory(path)
        self._lock = threading.Lock()
        self._users = 0
        try:
            self._session = session.Session(str(path))
            self._session.query(f"CREATE DATABASE IF NOT EXISTS {EMBEDDED_DATABASE}")
            self._session.query(f"USE {EMBEDDED_DATABASE}")
            self.version = str(self.execute("SELECT version()").rows[0][0])
        except BaseException:
            os.close(self._lock_fd)
            raise

    def execute(self, sql: str, settings: Mapping[str, Any] | None = None) -> Result:
        with self._lock:
            out = self._call(sql, "JSONCompact")
        text = out.bytes() if hasattr(out, "bytes") else bytes(out)
        if not text.strip():
            return Result([], [])
        doc = json.loads(text)
        converters = [_converter(column["type"]) for column in doc["meta"]]
        rows = [tuple(f(v) for f, v in zip(converters, row, strict=True)) for row in doc["data"]]
        return Result([column["name"] for column in doc["meta"]], rows)

    def insert_columns(self, table: str, columns: Sequence[Column], data: list[list[Any]]) -> None:
        arrays = [arrow_array(values, t) for (_, t, _), values in zip(columns, data, strict=True)]
        self._insert_arrow(table, columns, arrays)

    def insert_records(self, table: str, columns: Sequence[Column], records: Sequence[Any]) -> None:
        # Records go straight to Arrow (pipelines._fastcolumns), with no Python list per column.
        self._insert_arrow(table, columns, arrow_arrays(records, columns))

    def _insert_arrow(self, table: str, columns: Sequence[Column], arrays: list[Any]) -> None:
        import pyarrow as pa

        block = pa.table(dict(zip((name for name, _, _ in columns), arrays, strict=True)))
        names = ", ".join(name for name, _, _ in columns)
        # chDB's Python() table function reads `block` from this frame's locals.
        # optimize_on_insert = 0: no ReplacingMergeTree pass over each new block (~1/3 of insert
        # time); a duplicate inside a block is like one across blocks, which every reader
        # already collapses before merges do (schema/README.md, "How idempotence ... work").
        sql = f"INSERT INTO {table} ({names}) SELECT {names} FROM Python(block)"
        with self._lock:
            self._call(f"{sql} SETTINGS optimize_on_insert = 0", "CSV")
        del block

    def close(self) -> None:
        with _EMBEDDED_LOCK:
            self._users -= 1
            if self._users > 0:
                return
            _EMBEDDED.pop(self.path, None)
            with self._lock:
                self._session.close()
            os.close(self._lock_fd)

    def _call(self, sql: str, fmt: str) -> Any:
        try:
            return self._session.query(sql, fmt)
        except Exception as exc:
            where = f"chDB at {self.path}"
            raise StoreError.from_server_text(where, str(exc) or repr(exc)) from exc


def _lock_directory(path: Path) -> int:
    lock_path = path / LOCK_FILE
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        # from None: the cause is EWOULDBLOCK, which says less than the message below.
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise StoreLocked(
            f"the embedded store {path} is in use by another process (pid {holder}); "
            "run the workers inside that process, or put a ClickHouse server in front "
            "(--clickhouse clickhouse://host:9000/db)"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def _converter(type_: str) -> Any:
    """A function turning one JSONCompact value of `type_` into its Python value."""
    inner = re.sub(r"^(LowCardinality|Nullable)\((.*)\)$", r"\2", type_)
    if inner != type_:
        convert = _converter(inner)
        return lambda v: None if v is None else convert(v)
    if type_.startswith("Array("):
        convert = _converter(type_[6:-1])
        return lambda v: [convert(x) for x in v]
    if type_.startswith("DateTime64"):
        return lambda v: datetime.fromisoformat(v).replace(tzinfo=UTC)
    if type_.startswith("DateTime"):
        return lambda v: datetime.strptime(v, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    if type_ == "Date":
        return date.fromisoformat
    if re.fullmatch(r"U?Int\d+", type_):
        return int
    if type_.startswith("Tuple("):
        return tuple
    return lambda v: v


# -- opening ------------------------------------------------------------------------------------

_EMBEDDED: dict[Path, EmbeddedStore] = {}
_EMBEDDED_LOCK = threading.Lock()


def open_store(target: str) -> Store:
    """A store for `target`: a clickhouse:// URL or a chDB data directory (see module docstring)."""
    if not target:
        raise StoreError("no store given: set LINKGRAPH_STORE to clickhouse://... or a directory")
    if target.startswith("clickhouse://"):
        return ServerStore(target)
    path = Path(target).expanduser().resolve()
    with _EMBEDDED_LOCK:
        store = _EMBEDDED.get(path)
        if store is None:
            if _EMBEDDED:
                other = next(iter(_EMBEDDED))
                raise StoreError(
                    f"cannot open the embedded store {path}: this process already has {other} "
                    "open, and chDB serves one data directory per process"
                )
            store = _EMBEDDED[path] = EmbeddedStore(path)
        store._users += 1
        return store


def _first_line(exc: BaseException) -> str:
    text = re.sub(r"^Code:\s*\d+\.\s*", "", str(exc).strip())
    return text.splitlines()[0] if text else type(exc).__name__
