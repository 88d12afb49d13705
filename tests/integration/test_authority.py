"""Authority at scale and on a store: the scores of cnr-2000 (LAW, 3 million links) against
networkx, the tables of migration 005 on chDB and on clickhouse-server 18.16 taking a snapshot, and
two runs in one second writing two snapshots. Hand-made graphs: tests/unit/test_authority.py.

The cnr-2000 checks read ../shared/realweb/cnr-2000 and skip with the path when it is absent;
they take tens of seconds, too long for the under-a-minute unit run.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from crawler.analysis.authority import (
    EXACT_HARMONIC_WORK,
    PAGERANK_TOL,
    compute_authority,
    harmonic,
    iteration_cap,
    pagerank,
)
from crawler.analysis.authority_job import publish_run, write_level
from crawler.analysis.graph import LinkGraph, read_edge_list
from crawler.records import OutLink, Page
from pipelines.store import Store, open_store
from tests.helpers.e2e import Engine, backlinks_report
from tests.helpers.graphs import as_array, to_networkx
from tests.helpers.realweb import REALWEB
from tests.helpers.samples import LINKS

T = 1_735_776_000.0  # 2025-01-02 00:00:00 UTC


def _one_link_store(store: Store) -> None:
    store.migrate()
    store.insert(
        [Page(url="http://a.com/", host="a.com", domain="a.com", status=200, fetched_at=T)],
        [OutLink(src_url="http://a.com/", dst_url="http://b.org/", src_host="a.com",
                 src_domain="a.com", dst_host="b.org", dst_domain="b.org",
                 is_external=True, fetched_at=T)],
    )  # fmt: skip


def test_migration_005_holds_a_snapshot(engine: Engine) -> None:
    """The authority tables come from migration 005, their one definition, on both engines."""
    with open_store(engine.target) as store:
        store.migrate()
        scores = compute_authority(LINKS)
        for level in ("host", "domain"):
            write_level(store, level, scores[level], None, int(T))
        top = store.query("SELECT host FROM host_authority WHERE rank = 1").rows
        assert top == [("b.org",)]
        rows = store.query("SELECT domain, rank, trustrank FROM domain_authority ORDER BY rank")
        assert rows.rows == [("a.com", 1, 0.0), ("b.org", 2, 0.0)]


def test_report_query_migrates_a_store_older_than_005(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store that never ran migration 005 (nor `linkgraph authority`) answers the queries that
    read the scores: they migrate it, so its tables are 005's and 009's, trust_seed and all."""
    import pipelines.store_base as store_module

    every = store_module.migrations()
    # 009 alters the 005 tables and 012 reads them: a store that predates 005 predates both.
    older = [m for m in every if m.version not in (5, 9, 12)]
    monkeypatch.setattr(store_module, "migrations", lambda: older)
    with open_store(engine.target) as store:
        _one_link_store(store)
        monkeypatch.setattr(store_module, "migrations", lambda: every)
        rows = backlinks_report(store, "b.org")
        assert [(r["src_url"], r["dst_url"]) for r in rows] == [("http://a.com/", "http://b.org/")]
        applied = store.query("SELECT version FROM schema_migrations WHERE version = 5").rows
        assert applied == [(5,)]
        write_level(store, "domain", compute_authority(LINKS)["domain"], np.ones(2), 1, [1])
        sql = "SELECT domain, trustrank, trust_seed FROM domain_authority ORDER BY domain"
        assert store.query(sql).rows == [("a.com", 1.0, 0), ("b.org", 1.0, 1)]


def test_a_run_is_read_once_published(engine: Engine) -> None:
    """Readers take the latest run from authority_runs (migration 012): scores written and not
    yet published (a job killed midway) are never read, the previous run's are."""
    scores = compute_authority(LINKS)
    with open_store(engine.target) as store:
        _one_link_store(store)
        for level in ("page", "host", "domain"):
            write_level(store, level, scores[level], None, int(T))
        assert [r["authority"] for r in backlinks_report(store, "b.org")] == [0.0]
        publish_run(store, scores, int(T))
        assert [r["authority"] for r in backlinks_report(store, "b.org")] == [100.0]
        runs = store.query(
            "SELECT level, lowest, highest, scored FROM authority_runs ORDER BY level"
        ).rows
        table = store.query(
            "SELECT 'domain_authority', min(pagerank), max(pagerank), count() FROM domain_authority"
        ).rows
        assert [r[0] for r in runs] == ["domain_authority", "host_authority", "page_authority"]
        assert runs[0] == table[0]
        # A later run written but not published: the published one is still what is read.
        flat = scores["domain"]._replace(pagerank=np.array([0.1, 0.9]))  # a.com lowest
        write_level(store, "domain", flat, None, int(T) + 60)
        assert [r["authority"] for r in backlinks_report(store, "b.org")] == [100.0]
        publish_run(store, {**scores, "domain": flat}, int(T) + 60)
        assert [r["authority"] for r in backlinks_report(store, "b.org")] == [0.0]


def test_migration_012_publishes_the_runs_before_it(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipelines.store_base as store_module

    every = store_module.migrations()
    monkeypatch.setattr(store_module, "migrations", lambda: [m for m in every if m.version != 12])
    scores = compute_authority(LINKS)
    with open_store(engine.target) as store:
        _one_link_store(store)
        for when in (int(T), int(T) + 60):
            for level in ("page", "host", "domain"):
                write_level(store, level, scores[level], None, when)
        monkeypatch.setattr(store_module, "migrations", lambda: every)
        assert store.migrate() == ["012_authority_runs"]
        runs = store.query(
            "SELECT level, toUInt32(computed_at), scored FROM authority_runs ORDER BY level, 2"
        ).rows
        assert runs == [
            (f"{level}_authority", when, len(scores[level].names))
            for level in ("domain", "host", "page")
            for when in (int(T), int(T) + 60)
        ]
        assert [r["authority"] for r in backlinks_report(store, "b.org")] == [100.0]


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


CNR = REALWEB / "cnr-2000"
CNR_EDGES = CNR / "cnr-2000-edges.tsv.gz"
CNR_NODES = 325_557


@pytest.fixture(scope="module")
def cnr() -> LinkGraph:
    if not CNR_EDGES.is_file():
        pytest.skip(f"cnr-2000 edge list not found at {CNR_EDGES} (it lives in ../shared)")
    return LinkGraph.from_arrays(*read_edge_list(CNR_EDGES), n=CNR_NODES)


@pytest.mark.realweb
def test_cnr2000_graph_has_laws_counts(cnr: LinkGraph) -> None:
    assert cnr.n == CNR_NODES
    assert cnr.src.size == 3_216_152 - 87_442  # LAW's arcs less its self-loops


@pytest.mark.realweb
def test_cnr2000_pagerank_matches_networkx_on_its_first_100k_pages(cnr: LinkGraph) -> None:
    # The first 100,000 ids (LAW orders by URL: whole hosts) and their links, a third of the
    # graph: networkx on the whole of it is ~30 s of the suite. Speed beside networkx on the
    # whole graph is bench/bench_authority.py's; the whole graph's convergence is
    # tests/integration/test_authority_converged.py's.
    inside = (cnr.src < 100_000) & (cnr.dst < 100_000)
    graph = LinkGraph.from_arrays(cnr.src[inside], cnr.dst[inside], 100_000)
    ours = pagerank(graph)
    # networkx stopping by our rule: its L1 test is change < n * tol, ours change < tol.
    cap = iteration_cap(0.85, PAGERANK_TOL)
    theirs = nx.pagerank(to_networkx(graph), tol=PAGERANK_TOL / graph.n, max_iter=cap)
    theirs = as_array(theirs, graph.n)
    top = np.argsort(-theirs, kind="stable")[:1000]
    assert np.max(np.abs(ours[top] - theirs[top]) / theirs[top]) < 1e-9
    assert ours.sum() == pytest.approx(1.0, abs=1e-9)


@pytest.mark.realweb
def test_cnr2000_hyperball_close_to_exact_on_a_subgraph(cnr: LinkGraph) -> None:
    # The first 5,000 ids (LAW orders by URL, so a few whole hosts): exact takes under a second.
    inside = (cnr.src < 5000) & (cnr.dst < 5000)
    graph = LinkGraph.from_arrays(cnr.src[inside], cnr.dst[inside], 5000)
    assert graph.n * (graph.src.size + graph.n) <= EXACT_HARMONIC_WORK
    exact = harmonic(graph, exact=True)
    approx = harmonic(graph, exact=False, registers=256)
    reached = exact > 0
    relative = np.abs(approx[reached] - exact[reached]) / exact[reached]
    assert relative.mean() < 0.04
    top = np.argsort(-exact)[:100]
    assert np.max(np.abs(approx[top] - exact[top]) / exact[top]) < 0.1
