"""The authority tables on a store: their DDL on chDB and on clickhouse-server 18.16 taking a
batch of scores, and two runs in one second writing two snapshots. The scores themselves are
checked against networkx in tests/unit/test_authority.py."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

import pytest

from crawler.analysis.authority import (
    authority_columns,
    authority_ddl,
    compute_authority,
)
from tests.helpers.samples import LINKS
from tests.helpers.servers import ClickHouseServer


def test_ddl_runs_on_chdb_and_takes_a_batch(tmp_path: Path) -> None:
    session = pytest.importorskip("chdb.session").Session(str(tmp_path / "chdb"))
    try:
        for statement in authority_ddl():
            session.query(statement)
        batch = authority_columns("host", compute_authority(LINKS)["host"], datetime(2025, 1, 2))
        values = ", ".join(
            f"('{h}', {p!r}, {c!r}, {r}, '2025-01-02 00:00:00')"
            for h, p, c, r in zip(
                batch["host"], batch["pagerank"], batch["harmonic"], batch["rank"], strict=True
            )
        )
        session.query(f"INSERT INTO host_authority VALUES {values}")
        top = session.query("SELECT host FROM host_authority WHERE rank = 1", "CSV")
        assert str(top).strip() == '"b.org"'
    finally:
        session.close()


@pytest.mark.server
def test_ddl_runs_on_clickhouse_18(clickhouse: ClickHouseServer) -> None:
    from clickhouse_driver import Client

    database = f"t_{uuid.uuid4().hex[:12]}"
    client = Client("127.0.0.1", port=clickhouse.port)
    client.execute(f"CREATE DATABASE {database}")
    client = Client("127.0.0.1", port=clickhouse.port, database=database)
    for statement in authority_ddl():
        client.execute(statement)
    batch = authority_columns("domain", compute_authority(LINKS)["domain"], datetime(2025, 1, 2))
    client.execute(
        f"INSERT INTO domain_authority ({', '.join(batch)}) VALUES",
        list(zip(*batch.values(), strict=True)),
    )
    assert client.execute("SELECT domain, rank FROM domain_authority ORDER BY rank") == [
        ("a.com", 1), ("b.org", 2),
    ]  # fmt: skip


def test_two_runs_in_one_second_get_their_own_snapshots(tmp_path: Path) -> None:
    from crawler.analysis.authority_job import _snapshot_time, write_level
    from pipelines.store import open_store

    store = open_store(str(tmp_path / "store"))
    try:
        store.migrate()
        scores = compute_authority(LINKS)["page"]
        first = _snapshot_time(store)
        write_level(store, "page", scores, None, first)
        second = _snapshot_time(store)  # at once, as a second run in the same second would
        assert second > first
        write_level(store, "page", scores, None, second)
        rows = store.query(
            "SELECT computed_at, count() FROM page_authority GROUP BY computed_at ORDER BY 1"
        ).rows
        assert [count for _, count in rows] == [len(scores.names)] * 2
    finally:
        store.close()
