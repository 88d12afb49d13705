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

from pipelines.store import Migration, migrations

DATABASE = "linkgraph"
ON_CLUSTER = "ON CLUSTER '{cluster}'"

# How rows of a table written through its Distributed table are spread over shards; tables
# absent here (materialized views' targets) are written on each shard by its own views.
SHARDING_KEYS = {
    "link_fetches": "cityHash64(dst_domain)",  # a domain's backlinks live on one shard
    "page_fetches": "cityHash64(url)",
    "page_authority": "cityHash64(url)",
    "host_authority": "cityHash64(host)",
    "domain_authority": "cityHash64(domain)",
}

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


def render(objects: dict[str, Table | View], applied: list[Migration]) -> str:
    tables = {name for name, obj in objects.items() if isinstance(obj, Table)}
    parts = [
        f"CREATE DATABASE IF NOT EXISTS {DATABASE} {ON_CLUSTER}",
        _migrations_table(applied),
    ]
    for obj in objects.values():
        if isinstance(obj, Table):
            parts += _table(obj)
        elif obj.to:
            parts.append(_materialized_view(obj, tables))
        else:
            parts.append(_view(obj, objects))
    return _HEADER + "\n\n" + ";\n\n".join(parts) + ";\n"


def _table(table: Table) -> list[str]:
    body = ",\n".join([table.body, *(f"    {alter}" for alter in table.alters)])
    path = f"'/clickhouse/tables/{{shard}}/{DATABASE}/{table.name}', '{{replica}}'"
    local = (
        f"CREATE TABLE IF NOT EXISTS {DATABASE}.{table.name}_local {ON_CLUSTER}\n(\n{body}\n)\n"
        f"ENGINE = Replicated{table.engine}({path})\n{table.rest}"
    )
    key = SHARDING_KEYS.get(table.name)
    engine = (
        f"Distributed('{{cluster}}', {DATABASE}, {table.name}_local{', ' + key if key else ''})"
    )
    distributed = (
        f"CREATE TABLE IF NOT EXISTS {DATABASE}.{table.name} {ON_CLUSTER}\n"
        f"AS {DATABASE}.{table.name}_local\nENGINE = {engine}"
    )
    return [local, distributed]


def _materialized_view(view: View, tables: set[str]) -> str:
    # Each shard's view reads the rows inserted into its own local table.
    query = _SOURCE.sub(
        lambda m: f"{m[1]} {DATABASE}.{m[2]}_local" if m[2] in tables else m[0], view.query
    )
    return (
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {DATABASE}.{view.name} {ON_CLUSTER}\n"
        f"TO {DATABASE}.{view.to}_local AS\n{query}"
    )


def _view(view: View, objects: dict[str, Table | View]) -> str:
    query = _SOURCE.sub(lambda m: f"{m[1]} {DATABASE}.{m[2]}" if m[2] in objects else m[0],
                        view.query)  # fmt: skip
    return f"CREATE VIEW IF NOT EXISTS {DATABASE}.{view.name} {ON_CLUSTER} AS\n{query}"


def _migrations_table(applied: list[Migration]) -> str:
    # One replica set spanning every node (no {shard} in the path): a worker reads it wherever
    # it connects.
    path = f"'/clickhouse/tables/all/{DATABASE}/schema_migrations', '{{replica}}'"
    rows = ",\n    ".join(f"({m.version}, '{m.name}', now())" for m in applied)
    return (
        f"CREATE TABLE IF NOT EXISTS {DATABASE}.schema_migrations {ON_CLUSTER}\n"
        "(version UInt32, name String, applied_at DateTime('UTC'))\n"
        f"ENGINE = ReplicatedReplacingMergeTree({path})\nORDER BY version;\n\n"
        f"INSERT INTO {DATABASE}.schema_migrations (version, name, applied_at) VALUES\n    {rows}"
    )


_HEADER = """\
-- GENERATED by `python -m schema.cluster_ddl` from schema/migrations/ (do not edit: change a
-- migration and regenerate; tests/integration/test_cluster_schema.py fails while they disagree).
-- The cluster variant of every migration, applied once from any node (schema/cluster/DEPLOY.md):
-- tables are NAME_local (Replicated*MergeTree, macros {cluster} {shard} {replica} from each
-- server's config) under Distributed tables NAME; materialized views work shard by shard on
-- the local tables; views read the Distributed tables. Sharding: link_fetches by dst_domain,
-- page_fetches by url."""


def cluster_ddl() -> str:
    applied = migrations()
    return render(final_schema(applied), applied)


if __name__ == "__main__":
    sys.stdout.write(cluster_ddl())
