"""bench_store's column loader (`load_graph`: Arrow blocks through `Store.insert_arrow`) leaves
the store the record loader (`ingest`: Page and OutLink records through `Store.insert`) leaves:
the same rows in link_fetches and page_fetches and the same materialized domain graph, on chDB
and on clickhouse-server 18.16 (whose insert path differs: Python lists, not Arrow), with one
batch per INSERT (bench_store's timing) and with several joined (bench_serve's loading)."""

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
    if engine == "chdb":  # one chDB directory per process at a time: one, then the next
        targets = [str(tmp_path / name) for name in ("records", "columns", "joined")]
    else:
        server: ClickHouseServer = request.getfixturevalue("clickhouse")
        name = f"t_{uuid.uuid4().hex[:12]}"
        targets = [server.url_for(f"{name}_{kind}") for kind in ("records", "columns", "joined")]
    want = _loaded(targets[0], ingest)
    got = _loaded(targets[1], load_graph)
    # 3 batches per INSERT: 5 batches make one insert of 3 and one of 2
    joined = _loaded(targets[2], lambda store, links: load_graph(store, links, 3))
    assert len(want["link_fetches"]) == LINKS and len(want["page_fetches"]) == LINKS // 50
    # the domain graph holds pairs with one link and pairs with several, some nofollow ones
    assert {row[2] > 1 for row in want["domain_edges"]} == {True, False}
    assert any(row[3] < row[2] for row in want["domain_edges"])
    for table in want:
        assert got[table] == want[table], table
        assert joined[table] == want[table], table
