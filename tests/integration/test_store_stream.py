"""`Store.stream` reads a result in bounded blocks on chDB and clickhouse-server, equal to the
whole result; `linkgraph authority` reading its graph in blocks of 3 rows scores exactly as
reading it whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from crawler.analysis.authority import LEVELS, compute_authority
from crawler.analysis.authority_job import read_graph, run_authority
from crawler.errors import StoreError
from pipelines.store import Store, open_store
from tests.helpers.samples import GRAPH, T1, fetch


@pytest.fixture(params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    target = (
        str(tmp_path / "graph") if request.param == "chdb" else request.getfixturevalue("ch_url")
    )
    opened = open_store(target)
    opened.migrate()
    for pages, links in GRAPH:
        opened.insert(pages, links)
    for n in range(40):  # more pages than a block, each linking to the next
        opened.insert(*fetch(f"http://p{n}.com/", T1 + n, (f"http://p{n + 1}.com/", "next")))
    yield opened
    opened.close()


def test_stream_gives_the_whole_result_in_bounded_blocks(store: Store) -> None:
    sql = "SELECT url, fetch_us, fetched_at, status FROM page_fetches ORDER BY url, fetch_us"
    whole = store.query(sql).rows
    blocks = list(store.stream(sql, block_rows=7))
    assert max(len(block) for block in blocks) == 7
    assert [row for block in blocks for row in block] == whole
    assert len(whole) == len(GRAPH) + 40
    assert list(store.stream("SELECT url FROM page_fetches WHERE 0", block_rows=7)) == []
    assert store.query("SELECT count() FROM page_fetches").rows == [(len(whole),)]  # usable after


def test_authority_read_in_blocks_scores_as_read_whole(store: Store) -> None:
    links = store.query("SELECT DISTINCT src_url, dst_url FROM links").rows
    pages = [url for (url,) in store.query("SELECT url FROM pages").rows]
    whole = compute_authority(
        (
            np.array([s for s, _ in links], dtype=object),
            np.array([d for _, d in links], dtype=object),
        ),
        pages,
    )
    graph = read_graph(store, block_rows=3)
    assert len(graph.src) == len(links) - sum(1 for s, d in links if s == d)
    streamed = compute_authority(graph)
    for level in LEVELS:
        assert streamed[level].names.tolist() == whole[level].names.tolist()
        assert streamed[level].pagerank.tolist() == whole[level].pagerank.tolist()
        assert streamed[level].rank.tolist() == whole[level].rank.tolist()
    run = run_authority(store, block_rows=3)
    assert (run.pages, run.links) == (len(whole["page"].names), len(graph.src))
    stored = store.query(
        "SELECT url, rank FROM page_authority WHERE computed_at = "
        "(SELECT max(computed_at) FROM page_authority) ORDER BY url"
    ).rows
    assert stored == list(
        zip(whole["page"].names.tolist(), whole["page"].rank.tolist(), strict=True)
    )


def test_a_read_only_store_streams_reads_only(store: Store) -> None:
    """A server store's stream runs on a connection of its own: it carries the store's readonly
    as the store's pooled connections do (`linkgraph sql` without --write). chDB streams a
    SELECT only, on the session that is read-only."""
    store.read_only()
    refused = r"(?i)readonly mode|Streaming query is not supported"
    with pytest.raises(StoreError, match=refused):
        list(store.stream("CREATE TABLE made_by_a_stream (a UInt8) ENGINE = Memory"))
    with pytest.raises(StoreError, match=r"(?i)readonly mode"):
        store.query("CREATE TABLE made_by_a_query (a UInt8) ENGINE = Memory")
    tables = "SELECT count() FROM system.tables WHERE name LIKE 'made_by_%'"
    assert list(store.stream(tables)) == [[(0,)]]
