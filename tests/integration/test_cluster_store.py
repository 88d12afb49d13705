"""The link graph on a ClickHouse cluster (ZooKeeper + three clickhouse-server 18.16, cluster
`lg`: shard s1 with two replicas, s2 with one): a store made by an older linkgraph gets the
newer migrations ON CLUSTER, and `--clickhouse-cluster` opens the same store as `?cluster=`."""

from __future__ import annotations

import uuid

import pytest
from clickhouse_driver import Client

from pipelines.server_store import ServerStore
from pipelines.store import migrations
from schema.cluster_ddl import Target, applicable, cluster_statements, final_schema, statements
from tests.helpers.e2e import linkgraph
from tests.helpers.servers import ClickHouseCluster

pytestmark = [pytest.mark.server, pytest.mark.cluster]

V18 = (18, 16, 1)
LINKS = [  # (src_url, dst_url, nofollow): two domains link into t.test, one of them twice
    ("http://a.test/1", "http://t.test/x", 0),
    ("http://a.test/2", "http://t.test/y", 1),
    ("http://b.test/1", "http://t.test/x", 0),
    ("http://b.test/1", "http://t.test/x", 0),  # the same link twice on the page
]


def schema_of(client: Client, db: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(table, engine, columns) of every object of `db` on one node."""
    tables = client.execute(
        f"SELECT name, engine FROM system.tables WHERE database = '{db}' ORDER BY name"
    )
    return [
        (name, engine, tuple(row[0] for row in client.execute(f"DESCRIBE TABLE {db}.{name}")))
        for name, engine in tables
    ]


def test_an_older_cluster_store_gets_the_later_migrations_on_cluster(
    ch_cluster: ClickHouseCluster,
) -> None:
    """A cluster made at migration 005 (with links in it) is brought to the newest schema by
    `migrate`: every node ends with exactly the objects and columns of a cluster made new, and
    008's, 011's and 013's backfills fill each shard's `domain_edges`, `domain_link_rows` and
    `domain_pages` from the links and pages it holds."""
    old, new = f"t_{uuid.uuid4().hex[:12]}", f"t_{uuid.uuid4().hex[:12]}"
    clients = [Client("127.0.0.1", port=node.port) for node in ch_cluster.nodes]
    first = applicable([m for m in migrations() if m.version <= 5], V18)
    for statement in statements(final_schema(first), first, Target(old, "lg", V18)):
        clients[0].execute(statement)
    for statement in cluster_statements(new, "lg", V18):
        clients[0].execute(statement)
    rows = [
        {"src_url": src, "fetch_us": 1, "dst_url": dst, "dst_domain": "t.test",
         "src_domain": src.split("/")[2], "nofollow": nofollow, "ordinal": i}
        for i, (src, dst, nofollow) in enumerate(LINKS)
    ]  # fmt: skip
    clients[0].execute(
        f"INSERT INTO {old}.link_fetches (src_url, fetch_us, dst_url, dst_domain, src_domain, "
        "nofollow, ordinal) VALUES",
        rows,
        settings={"insert_distributed_sync": 1},
    )
    pages = sorted({(src, src.split("/")[2]) for src, _, _ in LINKS})
    clients[0].execute(
        f"INSERT INTO {old}.page_fetches (url, fetch_us, domain, status, lang) VALUES",
        [{"url": url, "fetch_us": 1, "domain": domain, "status": 200, "lang": "en"}
         for url, domain in pages],
        settings={"insert_distributed_sync": 1},
    )  # fmt: skip
    store = ServerStore(ch_cluster.url_for(old) + "?cluster=lg")
    try:
        assert store.migrate() == [
            "006_history_views", "007_page_ip", "008_domain_edges", "009_trust_seeds",
            "010_page_emails", "011_domain_link_rows", "012_authority_runs",
            "013_domain_pages",
        ]  # fmt: skip
        assert store.migrate() == []
        store.settle()  # what a crawl does when it ends
        got = store.query(
            "SELECT src_domain, links, dofollow_links FROM referring_domains "
            "WHERE dst_domain = 't.test' ORDER BY src_domain"
        ).rows
        assert got == [("a.test", 2, 1), ("b.test", 1, 1)]
        # 011's backfill on each shard: every row, b.test's repeated link twice.
        rows = store.query(
            "SELECT src_domain, sum(link_rows) FROM domain_link_rows "
            "WHERE dst_domain = 't.test' GROUP BY src_domain ORDER BY src_domain"
        ).rows
        assert rows == [("a.test", 2), ("b.test", 2)]
        # 013's backfill on each shard: every page fetch, by domain.
        got = store.query("SELECT domain, url FROM domain_pages ORDER BY domain, url").rows
        assert got == [(domain, url) for url, domain in pages]
        versions = store.query("SELECT version FROM schema_migrations ORDER BY version").rows
        assert [v for (v,) in versions] == [m.version for m in applicable(migrations(), V18)]
    finally:
        store.close()
    for client in clients:
        made_new = [(name, engine, cols) for name, engine, cols in schema_of(client, new)]
        assert schema_of(client, old) == made_new
    for db in (old, new):
        clients[0].execute(f"DROP DATABASE {db} ON CLUSTER lg")


def test_the_cluster_option_is_the_url_parameter(
    ch_cluster: ClickHouseCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--clickhouse-cluster lg` opens the cluster store (the first query command creates it ON
    CLUSTER: every node has the Distributed tables and views); LINKGRAPH_CLICKHOUSE_CLUSTER=lg
    in the environment opens the same store."""
    url = ch_cluster.url_for(f"t_{uuid.uuid4().hex[:12]}")
    db = url.rsplit("/", 1)[1]
    linkgraph(["backlinks", "t.test", "--clickhouse", url, "--clickhouse-cluster", "lg"])
    for node in ch_cluster.nodes:
        engines = Client("127.0.0.1", port=node.port).execute(
            f"SELECT name, engine FROM system.tables WHERE database = '{db}' "
            "AND name IN ('link_fetches', 'link_fetches_local', 'links') ORDER BY name"
        )
        expected = [("link_fetches", "Distributed"), ("link_fetches_local",
                    "ReplicatedReplacingMergeTree"), ("links", "View")]  # fmt: skip
        assert engines == expected
    monkeypatch.setenv("LINKGRAPH_CLICKHOUSE_CLUSTER", "lg")
    sql = "SELECT count() AS n FROM system.clusters WHERE cluster = 'lg'"
    out = linkgraph(["sql", "--clickhouse", url, "--format", "csv", sql])
    assert out.stdout.split() == ["n", "3"]
    Client("127.0.0.1", port=ch_cluster.nodes[0].port).execute(f"DROP DATABASE {db} ON CLUSTER lg")
