"""`schema.cluster_ddl.upgrade_steps`: the migrations a cluster store lacks, written for the
cluster (the server runs are in tests/integration/test_cluster_store.py)."""

from __future__ import annotations

from pipelines.store import migrations
from schema.cluster_ddl import upgrade_steps

ALL = {migration.version for migration in migrations()}


def test_a_newer_server_gets_the_skip_index_on_the_local_tables() -> None:
    steps = upgrade_steps("db", "lg", (26, 1), ALL - {4})
    assert [s.migration.name for s in steps] == ["004_src_url_index"]
    assert steps[0].cluster == [
        "ALTER TABLE db.link_fetches_local ON CLUSTER 'lg' ADD INDEX IF NOT EXISTS src_url_bloom "
        "src_url TYPE bloom_filter(0.01) GRANULARITY 4"
    ]
    assert steps[0].per_shard == []
    assert upgrade_steps("db", "lg", (18, 16, 1), ALL - {4}) == []  # 004 needs 20.1


def test_a_column_is_added_to_the_local_tables_and_the_distributed_one_made_again() -> None:
    (step,) = upgrade_steps("db", "lg", (18, 16, 1), ALL - {4, 7})
    assert step.migration.name == "007_page_ip"
    assert step.cluster[:3] == [
        "ALTER TABLE db.page_fetches_local ON CLUSTER 'lg' ADD COLUMN ip String DEFAULT ''",
        "DROP TABLE IF EXISTS db.page_fetches ON CLUSTER 'lg'",
        "CREATE TABLE IF NOT EXISTS db.page_fetches ON CLUSTER 'lg'\nAS db.page_fetches_local\n"
        "ENGINE = Distributed('lg', db, page_fetches_local, cityHash64(url))",
    ]
    assert step.cluster[3:5] == ["DROP TABLE IF EXISTS db.pages ON CLUSTER 'lg'",
                                 step.cluster[4]]  # fmt: skip
    assert step.cluster[4].startswith("CREATE VIEW IF NOT EXISTS db.pages ON CLUSTER 'lg' AS")
    assert step.record.endswith("SELECT 7, '007_page_ip', now()")


def test_the_emails_column_is_added_as_the_ip_one() -> None:
    (step,) = upgrade_steps("db", "lg", (18, 16, 1), ALL - {10})
    assert step.migration.name == "010_page_emails"
    assert step.cluster[:3] == [
        "ALTER TABLE db.page_fetches_local ON CLUSTER 'lg' "
        "ADD COLUMN emails Array(String) DEFAULT emptyArrayString()",
        "DROP TABLE IF EXISTS db.page_fetches ON CLUSTER 'lg'",
        "CREATE TABLE IF NOT EXISTS db.page_fetches ON CLUSTER 'lg'\nAS db.page_fetches_local\n"
        "ENGINE = Distributed('lg', db, page_fetches_local, cityHash64(url))",
    ]
    assert step.cluster[3] == "DROP TABLE IF EXISTS db.pages ON CLUSTER 'lg'"
    assert step.cluster[4].startswith("CREATE VIEW IF NOT EXISTS db.pages ON CLUSTER 'lg' AS")
    assert step.record.endswith("SELECT 10, '010_page_emails', now()")


def test_a_backfill_runs_on_each_shard_from_its_local_tables() -> None:
    (step,) = upgrade_steps("db", "lg", (18, 16, 1), ALL - {4, 8})
    assert step.migration.name == "008_domain_edges"
    (backfill,) = step.per_shard
    assert backfill.startswith("INSERT INTO db.domain_edges_local")
    assert "FROM db.link_fetches_local" in backfill
    assert "DROP TABLE IF EXISTS db.domain_edges_mv ON CLUSTER 'lg'" not in step.cluster
    view = "CREATE MATERIALIZED VIEW IF NOT EXISTS db.domain_edges_mv ON CLUSTER 'lg'\n"
    assert any(s.startswith(f"{view}TO db.domain_edges_local") for s in step.cluster)


def test_link_rows_are_counted_on_each_shard_then_kept_by_its_view() -> None:
    (step,) = upgrade_steps("db", "lg", (18, 16, 1), ALL - {4, 11})
    assert step.migration.name == "011_domain_link_rows"
    (backfill,) = step.per_shard
    assert backfill.startswith("INSERT INTO db.domain_link_rows_local")
    assert "FROM db.link_fetches_local" in backfill
    engine = "ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/db/domain_link_rows'"
    assert any(engine in s for s in step.cluster)
    view = "CREATE MATERIALIZED VIEW IF NOT EXISTS db.domain_link_rows_mv ON CLUSTER 'lg'\n"
    assert any(s.startswith(f"{view}TO db.domain_link_rows_local") for s in step.cluster)


def test_published_runs_are_filled_once_through_the_distributed_tables() -> None:
    # A run's lowest and highest PageRank over every shard: a shard's own rows would give
    # its own bounds, and each shard a row of its own for the run.
    (step,) = upgrade_steps("db", "lg", (18, 16, 1), ALL - {4, 12})
    assert step.migration.name == "012_authority_runs"
    assert step.per_shard == []
    fills = [s for s in step.cluster if s.startswith("INSERT")]
    assert [f.split("\n")[0] for f in fills] == ["INSERT INTO db.authority_runs"] * 3
    assert "FROM db.page_authority\n" in fills[0] and "_local" not in "".join(fills)


def test_trust_seed_is_added_to_each_authority_table() -> None:
    (step,) = upgrade_steps("db", "lg", (18, 16, 1), ALL - {4, 9})
    assert step.migration.name == "009_trust_seeds"
    alters = [s for s in step.cluster if s.startswith("ALTER")]
    assert alters == [
        f"ALTER TABLE db.{level}_authority_local ON CLUSTER 'lg' ADD COLUMN trust_seed UInt8 "
        "DEFAULT 0"
        for level in ("page", "host", "domain")
    ]
    remade = [s for s in step.cluster if s.startswith("CREATE TABLE")]
    assert [s.split()[5] for s in remade] == [
        "db.page_authority", "db.host_authority", "db.domain_authority"
    ]  # fmt: skip
