"""bench_store's column loader (`load_graph`: Arrow blocks through `Store.insert_arrow`) leaves
the store the record loader (`ingest`: Page and OutLink records through `Store.insert`) leaves:
the same rows in link_fetches and page_fetches and the same materialized domain graph, on chDB
and on clickhouse-server 18.16 (whose insert path differs: Python lists, not Arrow)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench import bench_store
from bench.bench_store import ingest, load_graph
from pipelines.columns import LINK_COLUMNS, PAGE_COLUMNS
from pipelines.store import Store, open_store
from tests.helpers.servers import ClickHouseServer

LINKS = 20_650  # 413 pages: with 5,000-link batches, four full ones and a short one
SMALL_BATCH = 5_000
LINK_NAMES = ", ".join(name for name, _, _ in LINK_COLUMNS)
PAGE_NAMES = ", ".join(name for name, _, _ in PAGE_COLUMNS)
DOMAIN_EDGES = (
    "SELECT dst_domain, src_domain, uniqExactMerge(links_state), "
    "uniqExactIfMerge(dofollow_links_state), minMerge(first_seen_state), "
    "maxMerge(last_seen_state) FROM domain_edges GROUP BY dst_domain, src_domain"
)

Tables = dict[str, list[tuple[Any, ...]]]


def _tables(store: Store) -> Tables:
    """Every row of the three tables, sorted (an Array column sorts as a Python list)."""
    return {
        "link_fetches": sorted(store.query(f"SELECT {LINK_NAMES} FROM link_fetches").rows),
        "page_fetches": sorted(store.query(f"SELECT {PAGE_NAMES} FROM page_fetches").rows),
        "domain_edges": sorted(store.query(DOMAIN_EDGES).rows),
    }


def _loaded(target: str, loader: Callable[[Store, int], tuple[int, float]]) -> Tables:
    with open_store(target) as store:
        store.migrate()
        rows, spent = loader(store, LINKS)
        assert rows == LINKS and spent > 0
        return _tables(store)


@pytest.mark.parametrize("engine", ["chdb", pytest.param("server", marks=pytest.mark.server)])
def test_the_column_loader_stores_what_the_record_loader_stores(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench_store, "BATCH_LINKS", SMALL_BATCH)
    if engine == "chdb":  # one chDB directory per process at a time: one, then the other
        records, columns = str(tmp_path / "records"), str(tmp_path / "columns")
    else:
        server: ClickHouseServer = request.getfixturevalue("clickhouse")
        name = f"t_{uuid.uuid4().hex[:12]}"
        records, columns = server.url_for(f"{name}_records"), server.url_for(f"{name}_columns")
    want = _loaded(records, ingest)
    got = _loaded(columns, load_graph)
    assert len(want["link_fetches"]) == LINKS and len(want["page_fetches"]) == LINKS // 50
    # the domain graph holds pairs with one link and pairs with several, some nofollow ones
    assert {row[2] > 1 for row in want["domain_edges"]} == {True, False}
    assert any(row[3] < row[2] for row in want["domain_edges"])
    for table in want:
        assert got[table] == want[table], table
