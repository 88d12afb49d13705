"""schema/cluster/001_cluster_baseline.sql is generated from the migrations and agrees with them.

The cluster DDL needs ZooKeeper/Keeper and several servers, which the tests do not start; what
they check is that the file is exactly `schema.cluster_ddl`'s output for the current migrations,
and that the schema it describes (tables, their columns, views) is the one a single server has
after `Store.migrate`.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.store import migrations, open_store
from schema.cluster_ddl import Table, View, cluster_ddl, final_schema


def columns_of(table: Table) -> list[str]:
    lines = [*table.body.splitlines(), *table.alters]
    return [
        line.split()[0] for line in lines if line.strip() and not line.strip().startswith("INDEX")
    ]


def test_cluster_schema_is_the_migrated_schema(tmp_path: Path) -> None:
    objects = final_schema(migrations())
    text = cluster_ddl()
    with open_store(str(tmp_path / "graph")) as store:
        store.migrate()
        rows = store.query(
            "SELECT name, engine FROM system.tables WHERE database = currentDatabase() "
            "AND name != 'schema_migrations' ORDER BY name"
        ).rows
        assert sorted(objects) == [name for name, _ in rows]
        for name, engine in rows:
            obj = objects[name]
            if isinstance(obj, Table):
                described = [row[0] for row in store.query(f"DESCRIBE TABLE {name}").rows]
                assert columns_of(obj) == described, name
                assert engine == obj.engine
                assert f"linkgraph.{name}_local ON CLUSTER" in text
                assert re.search(rf"linkgraph\.{name} ON CLUSTER '{{cluster}}'\nAS linkgraph\."
                                 rf"{name}_local\nENGINE = Distributed\(", text)  # fmt: skip
            else:
                assert isinstance(obj, View)
                assert engine == ("MaterializedView" if obj.to else "View"), name
    applied = re.findall(r"\((\d+), '(\w+)', now\(\)\)", text)
    assert applied == [(str(m.version), m.name) for m in migrations()]
