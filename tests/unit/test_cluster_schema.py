"""schema/cluster/001_cluster_baseline.sql is generated from the migrations, and the generator
writes each kind of statement for a cluster (the migrated-schema check runs on chDB, in
tests/integration/test_cluster_schema.py)."""

from __future__ import annotations

from pathlib import Path

from pipelines.store import Migration
from schema.cluster_ddl import cluster_ddl, final_schema, render

CLUSTER_FILE = Path(__file__).parents[2] / "schema" / "cluster" / "001_cluster_baseline.sql"


def test_cluster_file_is_generated_from_the_migrations() -> None:
    assert CLUSTER_FILE.read_text() == cluster_ddl(), (
        "schema/cluster/001_cluster_baseline.sql is stale: run "
        "`python -m schema.cluster_ddl > schema/cluster/001_cluster_baseline.sql`"
    )


def test_each_kind_of_statement_on_a_cluster() -> None:
    """A table, its ALTERs, a materialized view and a view as the generator writes them."""
    statements = [
        "CREATE TABLE IF NOT EXISTS t (a String, n UInt8) ENGINE = ReplacingMergeTree ORDER BY a",
        "CREATE TABLE IF NOT EXISTS s (a String, c UInt64) ENGINE = SummingMergeTree ORDER BY a",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS s_mv TO s AS\n"
        "SELECT a, count() AS c FROM t GROUP BY a",
        "INSERT INTO s SELECT a, count() FROM t GROUP BY a",
        "CREATE VIEW IF NOT EXISTS v AS SELECT a FROM t JOIN s USING (a)",
        "CREATE VIEW IF NOT EXISTS gone AS SELECT 1",
        "DROP TABLE IF EXISTS gone",
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS b UInt32 DEFAULT 0",
    ]
    objects = final_schema([Migration(1, "001_x", (), statements)])
    assert list(objects) == ["t", "s", "s_mv", "v"]
    text = render(objects, [Migration(1, "001_x", (), statements)])
    assert "(\na String, n UInt8,\n    b UInt32 DEFAULT 0\n)\n" in text
    assert "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/linkgraph/t'" in text
    assert "ENGINE = Distributed('{cluster}', linkgraph, s_local);" in text  # not written to
    assert (
        "CREATE MATERIALIZED VIEW IF NOT EXISTS linkgraph.s_mv ON CLUSTER '{cluster}'\n"
        "TO linkgraph.s_local AS\nSELECT a, count() AS c FROM linkgraph.t_local GROUP BY a;"
    ) in text
    assert "AS\nSELECT a FROM linkgraph.t JOIN linkgraph.s USING (a);" in text
    assert "INSERT INTO s" not in text and "gone" not in text
