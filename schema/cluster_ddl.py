"""The cluster variant of the schema, generated from `schema/migrations/`.

Replays the migrations' statements on paper to the schema they leave behind (a dropped object
is gone, an ALTER is folded into its CREATE, a backfill INSERT has nothing to fill on a new
cluster) and writes it for a ClickHouse cluster: each table becomes ``NAME_local`` (the
Replicated engine of its family, on every node ``ON CLUSTER``) under a Distributed table
``NAME``, so the application and the views keep their names; materialized views read and write
the local tables (each shard aggregates the rows it holds); plain views read the Distributed
ones. `schema_migrations` is replicated to every node and lists every migration as applied, so
workers never run the single-server migrations against the cluster.

    python -m schema.cluster_ddl > schema/cluster/001_cluster_baseline.sql

tests/integration/test_cluster_schema.py checks the file is this output and matches a migrated
store.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

from pipelines.store_base import Migration, migrations

DATABASE = "linkgraph"
CLUSTER_MACRO = "{cluster}"  # the file's cluster: each server's <macros><cluster>

# How rows of a table written through its Distributed table are spread over shards; tables
# absent here (materialized views' targets) are written on each shard by its own views.
# link_fetches and page_fetches share one key, the source page's URL: the "current link set"
# (each page's latest fetch, the `links` view) is then computed inside one shard, and a huge
# domain's backlinks (many source pages) spread over every shard (schema/README.md).
SHARDING_KEYS = {
    "link_fetches": "cityHash64(src_url)",
    "page_fetches": "cityHash64(url)",
    "page_authority": "cityHash64(url)",
    "host_authority": "cityHash64(host)",
    "domain_authority": "cityHash64(domain)",
    "authority_runs": "cityHash64(level)",
}
# Tables sharded by the same source page: a shard holds every row of the pages it owns.
CO_SHARDED = frozenset({"link_fetches", "page_fetches"})
# LowCardinality is experimental before 20.x and needs a query setting the DDL worker of an
# ON CLUSTER query does not receive on 18.16 (it runs with the server's default profile), so
# the DDL for such a server writes the plain type: the same values, the same queries.
LOW_CARDINALITY_FROM = (20,)
_LOW_CARDINALITY = re.compile(r"LowCardinality\((\w+)\)")

_TABLE = re.compile(
    r"CREATE TABLE IF NOT EXISTS (\w+)\s*\((?P<body>.*)\)\s*ENGINE = (?P<engine>\w+)\s*"
    r"(?P<rest>ORDER BY .*)",
    re.DOTALL,
)
_MATVIEW = re.compile(r"CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+) AS\s*(.*)", re.DOTALL)
_VIEW = re.compile(r"CREATE VIEW IF NOT EXISTS (\w+) AS\s*(.*)", re.DOTALL)
_DROP = re.compile(r"DROP TABLE IF EXISTS (\w+)")
_ALTER = re.compile(r"ALTER TABLE (\w+) ADD (COLUMN|INDEX) (?:IF NOT EXISTS )?(.*)", re.DOTALL)
_SOURCE = re.compile(r"\b(FROM|JOIN)\s+(\w+)\b")
_INSERT_TARGET = re.compile(r"\b(INSERT INTO|FROM|JOIN)\s+(\w+)\b")
_CREATED = re.compile(r"CREATE (?:TABLE|VIEW|MATERIALIZED VIEW) IF NOT EXISTS (\w+)")


@dataclass
class Table:
    name: str
    body: str  # column list (and indexes), as written in the migration
    engine: str
    rest: str  # ORDER BY ... and anything after it
    alters: list[str] = field(default_factory=list)


@dataclass
class View:
    name: str
    query: str
    to: str = ""  # the target table of a materialized view


def final_schema(applied: list[Migration]) -> dict[str, Table | View]:
    """The objects the migrations leave, in creation order."""
    objects: dict[str, Table | View] = {}
    for migration in applied:
        for statement in migration.statements:
            _replay(objects, statement, migration.name)
    return objects


def _replay(objects: dict[str, Table | View], statement: str, where: str) -> None:
    if statement.startswith("INSERT INTO"):
        return  # a backfill: a new cluster has no rows to fill from
    if match := _TABLE.fullmatch(statement):
        name, body, engine, rest = match.group(1, "body", "engine", "rest")
        objects[name] = Table(name, body.strip("\n"), engine, rest.strip())
    elif match := _MATVIEW.fullmatch(statement):
        objects[match.group(1)] = View(match.group(1), match.group(3), to=match.group(2))
    elif match := _VIEW.fullmatch(statement):
        objects[match.group(1)] = View(match.group(1), match.group(2))
    elif match := _DROP.fullmatch(statement):
        objects.pop(match.group(1), None)
    elif (match := _ALTER.fullmatch(statement)) and isinstance(objects.get(match.group(1)), Table):
        table = objects[match.group(1)]
        assert isinstance(table, Table)
        kind, definition = match.group(2, 3)
        table.alters.append(definition if kind == "COLUMN" else f"INDEX {definition}")
    else:
        raise ValueError(f"{where}: schema.cluster_ddl does not know this statement: {statement}")


@dataclass(frozen=True)
class Target:
    """Where the DDL goes: the database, the cluster (its name, or the macro) and the server."""

    database: str = DATABASE
    cluster: str = CLUSTER_MACRO
    version: tuple[int, ...] | None = None  # None: the newest ClickHouse (every migration)

    @property
    def on_cluster(self) -> str:
        return f"ON CLUSTER '{self.cluster}'"

    def type_of(self, body: str) -> str:
        if self.version is not None and self.version < LOW_CARDINALITY_FROM:
            return _LOW_CARDINALITY.sub(r"\1", body)
        return body


def applicable(applied: list[Migration], version: tuple[int, ...] | None) -> list[Migration]:
    """The migrations a server of `version` runs (as `Store.migrate` decides)."""
    return [m for m in applied if version is None or m.requires <= version]


def statements(objects: dict[str, Table | View], applied: list[Migration],
               target: Target) -> list[str]:  # fmt: skip
    """Every statement, in order, each one alone (no multi-statement query on any server)."""
    tables = {name for name, obj in objects.items() if isinstance(obj, Table)}
    parts = [
        f"CREATE DATABASE IF NOT EXISTS {target.database} {target.on_cluster}",
        *_migrations_table(applied, target),
    ]
    for obj in objects.values():
        if isinstance(obj, Table):
            parts += _table(obj, target)
        elif obj.to:
            parts.append(_materialized_view(obj, tables, target))
        else:
            parts.append(_view(obj, objects, target))
    return parts


def render(objects: dict[str, Table | View], applied: list[Migration]) -> str:
    return _HEADER + "\n\n" + ";\n\n".join(statements(objects, applied, Target())) + ";\n"


def _table(table: Table, target: Target) -> list[str]:
    db = target.database
    body = target.type_of(",\n".join([table.body, *(f"    {alter}" for alter in table.alters)]))
    path = f"'/clickhouse/tables/{{shard}}/{db}/{table.name}', '{{replica}}'"
    local = (
        f"CREATE TABLE IF NOT EXISTS {db}.{table.name}_local {target.on_cluster}\n(\n{body}\n)\n"
        f"ENGINE = Replicated{table.engine}({path})\n{table.rest}"
    )
    key = SHARDING_KEYS.get(table.name)
    engine = f"Distributed('{target.cluster}', {db}, {table.name}_local{', ' + key if key else ''})"
    distributed = (
        f"CREATE TABLE IF NOT EXISTS {db}.{table.name} {target.on_cluster}\n"
        f"AS {db}.{table.name}_local\nENGINE = {engine}"
    )
    return [local, distributed]


def _materialized_view(view: View, tables: set[str], target: Target) -> str:
    # Each shard's view reads the rows inserted into its own local table.
    db = target.database
    query = _SOURCE.sub(lambda m: f"{m[1]} {db}.{m[2]}_local" if m[2] in tables else m[0],
                        view.query)  # fmt: skip
    return (
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.{view.name} {target.on_cluster}\n"
        f"TO {db}.{view.to}_local AS\n{query}"
    )


def _view(view: View, objects: dict[str, Table | View], target: Target) -> str:
    db = target.database
    sources = [m[2] for m in _SOURCE.finditer(view.query)]
    # A view over one of the co-sharded tables filters it with a subquery on another (`links`:
    # the latest fetch of each source page): each shard answers it from its own local table,
    # which holds every fetch of the pages it owns. A Distributed table there would need
    # distributed_product_mode, which the DDL worker (and every reader) would have to set.
    local_subqueries = bool(sources) and sources[0] in CO_SHARDED
    seen: list[str] = []

    def qualify(match: re.Match[str]) -> str:
        name = match[2]
        seen.append(name)
        if name not in objects:
            return match[0]
        if local_subqueries and len(seen) > 1 and name in CO_SHARDED:
            return f"{match[1]} {db}.{name}_local"
        return f"{match[1]} {db}.{name}"

    query = _SOURCE.sub(qualify, view.query)
    return f"CREATE VIEW IF NOT EXISTS {db}.{view.name} {target.on_cluster} AS\n{query}"


def _migrations_table(applied: list[Migration], target: Target) -> list[str]:
    # One replica set spanning every node (no {shard} in the path): a worker reads it wherever
    # it connects. One INSERT ... SELECT a migration, as `Store.migrate` writes them: an
    # INSERT ... VALUES waits for a data block in clickhouse-driver, and 18.16 cannot split a
    # multi-line VALUES out of a --multiquery text.
    db = target.database
    path = f"'/clickhouse/tables/all/{db}/schema_migrations', '{{replica}}'"
    return [
        f"CREATE TABLE IF NOT EXISTS {db}.schema_migrations {target.on_cluster}\n"
        "(version UInt32, name String, applied_at DateTime('UTC'))\n"
        f"ENGINE = ReplicatedReplacingMergeTree({path})\nORDER BY version",
        *(
            f"INSERT INTO {db}.schema_migrations (version, name, applied_at) "
            f"SELECT {m.version}, '{m.name}', now()"
            for m in applied
        ),
    ]


_HEADER = """\
-- GENERATED by `python -m schema.cluster_ddl` from schema/migrations/ (do not edit: change a
-- migration and regenerate; tests/integration/test_cluster_schema.py fails while they disagree).
-- The cluster variant of every migration for current ClickHouse, applied once from any node
-- (schema/cluster/DEPLOY.md; `linkgraph --clickhouse-cluster NAME` generates the variant for
-- its server's version itself): tables are NAME_local (Replicated*MergeTree, macros {cluster}
-- {shard} {replica} from each server's config) under Distributed tables NAME; materialized
-- views work shard by shard on the local tables; views read the Distributed tables. Sharding:
-- link_fetches by src_url, page_fetches by url (each page's current links in one shard)."""


def cluster_statements(database: str, cluster: str, version: tuple[int, ...]) -> list[str]:
    """The DDL that makes `database` on `cluster`, for servers of `version`."""
    applied = applicable(migrations(), version)
    target = Target(database, cluster, version)
    return statements(final_schema(applied), applied, target)


@dataclass
class Step:
    """One migration on a cluster that already has a schema (`ServerStore.migrate`)."""

    migration: Migration
    cluster: list[str] = field(default_factory=list)  # each run once, ON CLUSTER
    per_shard: list[str] = field(default_factory=list)  # each run on one replica of every shard

    @property
    def record(self) -> str:
        m = self.migration
        return f"INSERT INTO schema_migrations (version, name, applied_at) " \
               f"SELECT {m.version}, '{m.name}', now()"  # fmt: skip


def upgrade_steps(database: str, cluster: str, version: tuple[int, ...],
                  applied: set[int]) -> list[Step]:  # fmt: skip
    """The migrations a cluster made at `applied` lacks, each statement written for the cluster:
    a table as its local and Distributed pair, a view and a materialized view as `statements`
    writes them, a DROP or an ALTER on both tables of a pair, and a backfill INSERT on each
    shard's local tables (each shard fills its view's table from the rows it holds), or once
    through the Distributed tables into a table with a sharding key."""
    target = Target(database, cluster, version)
    runnable = applicable(migrations(), version)
    objects = final_schema([m for m in runnable if m.version in applied])
    steps = []
    for migration in runnable:
        if migration.version in applied:
            continue
        step = Step(migration)
        for statement in migration.statements:
            _upgrade(objects, statement, target, step)
        steps.append(step)
    return steps


def _upgrade(objects: dict[str, Table | View], statement: str, target: Target, step: Step) -> None:
    db, on = target.database, target.on_cluster
    if statement.startswith("INSERT INTO"):
        tables = {name for name, obj in objects.items() if isinstance(obj, Table)}
        into = _INSERT_TARGET.match(statement)
        if into and into[2] in SHARDING_KEYS:
            # A table written through its Distributed table (012's authority_runs): filled
            # once from the Distributed tables, as the application writes it; a shard's
            # own rows would give its own min/max of a run.
            step.cluster.append(_INSERT_TARGET.sub(
                lambda m: f"{m[1]} {db}.{m[2]}" if m[2] in tables else m[0], statement
            ))  # fmt: skip
            return
        step.per_shard.append(_INSERT_TARGET.sub(
            lambda m: f"{m[1]} {db}.{m[2]}_local" if m[2] in tables else m[0], statement
        ))  # fmt: skip
        return
    if match := _DROP.fullmatch(statement):
        name = match.group(1)
        step.cluster.append(f"DROP TABLE IF EXISTS {db}.{name} {on}")
        if isinstance(objects.get(name), Table):
            step.cluster.append(f"DROP TABLE IF EXISTS {db}.{name}_local {on}")
        _replay(objects, statement, step.migration.name)
        return
    if match := _ALTER.fullmatch(statement):
        name, kind, definition = match.group(1, 2, 3)
        definition = target.type_of(definition)
        # As the migration wrote it: 18.16 has no ADD COLUMN IF NOT EXISTS.
        clause = f"ADD {kind} {definition}" if kind == "COLUMN" else \
                 f"ADD INDEX IF NOT EXISTS {definition}"  # fmt: skip
        step.cluster.append(f"ALTER TABLE {db}.{name}_local {on} {clause}")
        _replay(objects, statement, step.migration.name)
        if kind == "COLUMN" and isinstance(table := objects.get(name), Table):
            # The Distributed table names the columns it reads. It holds no rows (inserts are
            # synchronous), and 18.16 refuses an ALTER of it ON CLUSTER ("isn't replicated"):
            # made again, AS the altered local table.
            step.cluster += [f"DROP TABLE IF EXISTS {db}.{name} {on}", _table(table, target)[1]]
        return
    _replay(objects, statement, step.migration.name)
    name = _CREATED.match(statement)
    obj = objects[name.group(1)] if name else None
    tables = {n for n, o in objects.items() if isinstance(o, Table)}
    if isinstance(obj, Table):
        step.cluster += _table(obj, target)
    elif isinstance(obj, View):
        step.cluster.append(
            _materialized_view(obj, tables, target) if obj.to else _view(obj, objects, target)
        )


def cluster_ddl() -> str:
    applied = migrations()
    return render(final_schema(applied), applied)


if __name__ == "__main__":
    sys.stdout.write(cluster_ddl())
