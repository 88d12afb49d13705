"""What every store is: the Store interface both backends implement (inserts, named
queries, migrations), its Result, and the numbered migrations.

`pipelines.store` opens one; `pipelines.embedded_store` (chDB) and `pipelines.server_store`
(clickhouse-server) implement it.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.errors import StoreError
from crawler.records import OutLink, Page
from pipelines.columns import LINK_COLUMNS, PAGE_COLUMNS, Column, columnar
from pipelines.named_queries import load_query
from pipelines.sqlparams import render

log = logging.getLogger(__name__)

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schema"
MIGRATIONS_DIR = SCHEMA_DIR / "migrations"

_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
_REQUIRES = re.compile(r"^--\s*requires:\s*(\d+(?:\.\d+)*)\s*$", re.MULTILINE)
_CREATE = re.compile(
    r"CREATE\s+(?:TABLE|VIEW|MATERIALIZED\s+VIEW)\s+IF\s+NOT\s+EXISTS\s+(\w+)", re.I
)
_DROP = re.compile(r"DROP\s+(?:TABLE|VIEW)\s+IF\s+EXISTS\s+(\w+)", re.I)
_VIEW = re.compile(r"CREATE\s+(?:MATERIALIZED\s+)?VIEW\b", re.I)
# LowCardinality is experimental before 19.x: CREATE needs this setting there, and 26.x rejects it.
# Rows per block of `Store.stream`: a few MB of URLs, about one ClickHouse block.
STREAM_BLOCK_ROWS = 65_536
_LOW_CARDINALITY_SETTING = {"allow_experimental_low_cardinality_type": 1}
# A migration's backfill (INSERT ... SELECT ... GROUP BY over link_fetches) spills its groups
# to disk past this many bytes instead of failing on a server's memory limit: migration 011 on
# 100M links is 48M groups, over the 3.7 GiB a query may take on the test server.
MIGRATION_SETTINGS = {"max_bytes_before_external_group_by": 1 << 30}
# Seconds a migration statement may run without a packet from the server: 18.16 sends none
# while an INSERT ... SELECT runs (011's backfill: minutes at 100M links).
MIGRATION_TIMEOUT = 3600.0


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


def schema_objects(applied: Sequence[Migration]) -> dict[str, str]:
    """Each table and view `applied` leaves behind, by name, with the statement that made it
    (a later migration's DROP and CREATE replace an earlier one's)."""
    objects: dict[str, str] = {}
    for migration in applied:
        for statement in migration.statements:
            if created := _CREATE.match(statement):
                objects[created.group(1)] = statement
            elif dropped := _DROP.match(statement):
                objects.pop(dropped.group(1), None)
    return objects


class Store(ABC):
    """What the sink, the CLI and the analysts' tools use; see the module docstring."""

    target: str
    version: str
    # How many statements the store runs at once: a server store's pool of connections; chDB's
    # one handle runs one (a caller with many threads queues on it rather than on the store).
    connections: int = 1
    _migrated: bool = False  # set by ensure_migrated

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
    def stream(
        self, sql: str, block_rows: int = STREAM_BLOCK_ROWS
    ) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of one statement in blocks of at most `block_rows`, read as they come: a
        reader of a table that may outgrow one process holds a block, not the whole result.
        Finish (or close) the iterator before using the store again."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def read_only(self) -> None:
        """From now on refuse every write: ClickHouse's readonly = 1 (no INSERT, DDL, file() or
        url()); for good, as readonly forbids changing it back."""

    # -- shared behaviour ---------------------------------------------------------------------
    def settle(self) -> None:
        """Wait until a read sees every row written so far; one server or chDB always does."""
        return None

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

    def insert_arrow(self, table: str, columns: Sequence[Column], arrays: Sequence[Any]) -> None:
        """Insert one block of Arrow arrays, one per column of `columns` and of the type
        `pipelines.columns.arrow_array` gives it: for a writer that builds whole columns
        without records (bench/bench_store.py's synthetic graph). The same INSERT as
        `insert_records`, so the materialized views see the rows alike; chDB reads the arrays
        as they are, a server is sent them as Python lists."""
        self.insert_columns(table, columns, [array.to_pylist() for array in arrays])

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> Result:
        """Run `sql`, its ``{name:Type}`` placeholders filled from `params`."""
        return self.execute(render(sql, params))

    def named(self, name: str, params: Mapping[str, Any] | None = None) -> Result:
        """Run ``schema/queries/<name>.sql`` (includes resolved) with `params`."""
        return self.execute(render(load_query(name), params, query=f"query {name!r}"))

    def ensure_migrated(self) -> None:
        """`migrate`, once per open store: a reader that asks before every query (a server
        answering many) pays its two statements once, not per request. Migrations only add,
        so what this process migrated stays migrated."""
        if not self._migrated:
            self.migrate()
            self._migrated = True

    def execute_migration(self, sql: str, settings: Mapping[str, Any] | None = None) -> Result:
        """Run one statement of a migration: a backfill over every link may take minutes
        (a server store waits MIGRATION_TIMEOUT for it, not its query timeout)."""
        return self.execute(sql, settings)

    def migrate(self) -> list[str]:
        """Apply the migrations not applied yet (and allowed by the server version)."""
        self.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version UInt32, name String, applied_at DateTime('UTC')) "
            "ENGINE = ReplacingMergeTree ORDER BY version"
        )
        applied = {row[0] for row in self.execute("SELECT version FROM schema_migrations").rows}
        settings = {**MIGRATION_SETTINGS}
        if self.version_info < (20,):
            settings.update(_LOW_CARDINALITY_SETTING)
        done = []
        for migration in migrations():
            if migration.version in applied:
                continue
            if migration.requires > self.version_info:
                log.info("migration %s needs ClickHouse %s; skipped", migration.name,
                         ".".join(map(str, migration.requires)))  # fmt: skip
                continue
            for statement in migration.statements:
                self.execute_migration(statement, settings)
            self.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) "
                f"SELECT {migration.version}, '{migration.name}', now()"
            )
            done.append(migration.name)
        self._rebuild_views(applied | {m.version for m in migrations() if m.name in done}, settings)
        return done

    def _rebuild_views(self, applied: set[int], settings: Mapping[str, Any] | None) -> None:
        """Create again the views the applied migrations define and someone dropped (`sql
        --write 'DROP TABLE referring_domains'`): a view holds no data, so its definition is all
        it takes. A dropped table is only reported: its rows are gone."""
        wanted = schema_objects([m for m in migrations() if m.version in applied])
        present = {
            row[0]
            for row in self.execute(
                "SELECT name FROM system.tables WHERE database = currentDatabase()"
            ).rows
        }
        for name, statement in wanted.items():
            if name in present:
                continue
            if _VIEW.match(statement):
                log.warning("view %s was missing: created again from its migration", name)
                self.execute(statement, settings)
            else:
                log.warning("table %s is missing: its rows are lost (schema/README.md)", name)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
