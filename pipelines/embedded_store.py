"""The embedded backend of the link store: chDB (ClickHouse's engine in-process) on a directory.

chDB serves one data directory per process: `open_embedded` opens it once and shares it with
every in-process worker (each `close` gives back one use), and a lock file in the directory
refuses a second process with StoreLocked. `pipelines.store.open_store` calls it for any target
that is not a ``clickhouse://`` URL:

    >>> store = open_embedded(Path("linkgraph-data/store").resolve())      # doctest: +SKIP
    >>> store.execute("SELECT 1 AS one").rows                              # doctest: +SKIP
    [(1,)]
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from crawler.errors import StoreError, StoreLocked
from pipelines.columns import Column, arrow_array, arrow_arrays
from pipelines.store_base import STREAM_BLOCK_ROWS, Result, Store

EMBEDDED_DATABASE = "linkgraph"
LOCK_FILE = ".linkgraph.lock"


class EmbeddedStore(Store):
    """chDB on a data directory; one per process (see `open_store`), serialized by a lock."""

    def __init__(self, path: Path) -> None:
        import pyarrow  # noqa: F401  (imported now, so the first flush is not the slow one)
        from chdb import session

        self.path = path
        self.target = str(path)
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
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
        try:
            doc = json.loads(text)
        except ValueError as exc:
            # chDB runs every statement of "SELECT 1; SELECT 2" and concatenates the answers;
            # clickhouse-server refuses such a query: so do we, in its words.
            raise StoreError(
                f"chDB at {self.path}: one statement at a time, please (the answer was not "
                f"one result: {exc})"
            ) from exc
        converters = [_converter(column["type"]) for column in doc["meta"]]
        rows = [tuple(f(v) for f, v in zip(converters, row, strict=True)) for row in doc["data"]]
        return Result([column["name"] for column in doc["meta"]], rows)

    def stream(
        self, sql: str, block_rows: int = STREAM_BLOCK_ROWS
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Blocks of rows as chDB produces them (its blocks cut to `block_rows`); the session
        is held until the iterator ends."""
        with self._lock:
            try:
                chunks = iter(self._session.send_query(sql, "JSONCompactEachRowWithNamesAndTypes"))
                while (chunk := next(chunks, None)) is not None:
                    text = chunk.bytes() if hasattr(chunk, "bytes") else bytes(chunk)
                    yield from _blocks(text.splitlines(), block_rows)
            except (RuntimeError, ValueError) as exc:
                raise StoreError.from_server_text(f"chDB at {self.path}", str(exc)) from exc

    def insert_columns(self, table: str, columns: Sequence[Column], data: list[list[Any]]) -> None:
        arrays = [arrow_array(values, t) for (_, t, _), values in zip(columns, data, strict=True)]
        self.insert_arrow(table, columns, arrays)

    def insert_records(self, table: str, columns: Sequence[Column], records: Sequence[Any]) -> None:
        # Records go straight to Arrow (pipelines._fastcolumns), with no Python list per column.
        self.insert_arrow(table, columns, arrow_arrays(records, columns))

    def insert_arrow(self, table: str, columns: Sequence[Column], arrays: Sequence[Any]) -> None:
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

    def read_only(self) -> None:
        # The session's setting: every later query of this process reads only.
        with self._lock:
            self._call("SET readonly = 1", "CSV")

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


def _blocks(lines: list[bytes], block_rows: int) -> Iterator[list[tuple[Any, ...]]]:
    """One chDB chunk's rows (after its names and types lines) in blocks of `block_rows`."""
    if len(lines) < 3:
        return
    converters = [_converter(t) for t in json.loads(lines[1])]
    as_read = all(f is _same for f in converters)
    for lo in range(2, len(lines), block_rows):
        # One json.loads per block, not per row: the per-call overhead was most of the time
        # `linkgraph authority` spent reading cnr-2000's 3.2 million links.
        rows = json.loads(b"[" + b",".join(lines[lo : lo + block_rows]) + b"]")
        if as_read:  # strings and floats: JSON's values are the row's
            yield list(map(tuple, rows))
        else:
            yield [tuple(f(v) for f, v in zip(converters, row, strict=True)) for row in rows]


def _lock_directory(path: Path) -> int:
    lock_path = path / LOCK_FILE
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        # A store on a read-only disk or copied without write rights: chDB writes even to read.
        raise StoreError(
            f"cannot open the embedded store {path}: its lock file {lock_path} cannot be "
            f"written ({exc.strerror}); chDB needs a writable copy of the directory"
        ) from exc
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
        return _same if convert is _same else lambda v: None if v is None else convert(v)
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
    return _same


def _same(value: Any) -> Any:
    """A JSONCompact value that is already its Python value (a string, a float)."""
    return value


# -- opening ------------------------------------------------------------------------------------

_EMBEDDED: dict[Path, EmbeddedStore] = {}
_EMBEDDED_LOCK = threading.Lock()


def open_embedded(path: Path) -> EmbeddedStore:
    """The process's store on the resolved directory `path` (one directory per process)."""
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
