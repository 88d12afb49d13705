"""schema/cluster/001_cluster_baseline.sql is generated from the migrations and agrees with them.

The file is exactly `schema.cluster_ddl`'s output for the current migrations, and the schema it
describes (tables, their columns, views) is the one a single server has after `Store.migrate`;
the variant for 18.16 applies on the test cluster (ZooKeeper + three clickhouse-server).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from clickhouse_driver import Client

from pipelines.store import migrations, open_store
from schema.cluster_ddl import Table, View, cluster_ddl, cluster_statements, final_schema
from tests.helpers.servers import ClickHouseCluster


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
    applied = re.findall(r"SELECT (\d+), '(\w+)', now\(\)", text)
    assert applied == [(str(m.version), m.name) for m in migrations()]


def test_the_18_16_variant_drops_what_18_16_cannot_parse() -> None:
    text = "\n".join(cluster_statements("db1", "lg", (18, 16, 1)))
    assert "bloom_filter" not in text and "LowCardinality" not in text
    assert "ON CLUSTER 'lg'" in text and "'{cluster}'" not in text
    assert "Distributed('lg', db1, link_fetches_local, cityHash64(src_url))" in text
    newest = "\n".join(cluster_statements("db1", "lg", (26, 1)))
    assert "bloom_filter" in newest and "LowCardinality(String)" in newest


@pytest.mark.server
@pytest.mark.cluster
def test_the_cluster_schema_applies_on_18_16_and_shards_by_source_page(
    ch_cluster: ClickHouseCluster,
) -> None:
    """Every statement applies ON CLUSTER on 18.16; rows written through the Distributed tables
    land on both shards; `links` and `pages` keep each page's latest fetch only (computed in
    the shard that owns the page) and read the same from every node."""
    db = f"t_{uuid.uuid4().hex[:12]}"
    clients = [Client("127.0.0.1", port=node.port) for node in ch_cluster.nodes]
    for statement in cluster_statements(db, ch_cluster.name, (18, 16, 1)):
        clients[0].execute(statement)
    pages = 200
    page_rows = [
        {"url": f"http://s{i % 7}.test/p{i}", "fetch_us": fetch, "host": f"s{i % 7}.test",
         "domain": f"s{i % 7}.test", "status": 200}
        for i in range(pages) for fetch in (1, 2)
    ]  # fmt: skip
    link_rows = [
        {"src_url": f"http://s{i % 7}.test/p{i}", "fetch_us": fetch,
         "dst_url": f"http://t.test/{i}-{fetch}", "dst_domain": "t.test", "src_domain":
         f"s{i % 7}.test", "ordinal": 0}
        for i in range(pages) for fetch in (1, 2)
    ]  # fmt: skip
    sync = {"insert_distributed_sync": 1}
    clients[0].execute(
        f"INSERT INTO {db}.link_fetches (src_url, fetch_us, dst_url, dst_domain, src_domain, "
        "ordinal) VALUES",
        link_rows,
        settings=sync,
    )
    clients[0].execute(
        f"INSERT INTO {db}.page_fetches (url, fetch_us, host, domain, status) VALUES",
        page_rows,
        settings=sync,
    )
    # A Distributed insert returns once one replica of each shard has the rows; s1's other
    # replica fetches them from ZooKeeper's log, and a read may be routed to either.
    for table in ("link_fetches_local", "page_fetches_local"):
        clients[1].execute(f"SYSTEM SYNC REPLICA {db}.{table}")
    shards = [c.execute(f"SELECT count() FROM {db}.link_fetches_local")[0][0] for c in clients]
    # One huge destination domain: its backlinks spread over both shards, s1's replicas agree.
    assert shards[0] == shards[1] and shards[0] > 0 and shards[2] > 0
    assert shards[0] + shards[2] == 2 * pages
    expected = sorted(f"http://t.test/{i}-2" for i in range(pages))
    for client in clients:
        got = client.execute(f"SELECT dst_url FROM {db}.links ORDER BY dst_url")
        assert [row[0] for row in got] == expected
        assert client.execute(f"SELECT count(), min(fetch_us) FROM {db}.pages") == [(pages, 2)]
        versions = client.execute(f"SELECT version FROM {db}.schema_migrations ORDER BY version")
        assert [row[0] for row in versions] == [
            m.version for m in migrations() if m.requires <= (18, 16, 1)
        ]
    clients[0].execute(f"DROP DATABASE {db} ON CLUSTER {ch_cluster.name}")
