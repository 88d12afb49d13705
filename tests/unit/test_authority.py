"""Authority scores against networkx on hand-made graphs, exactly. The same checks on cnr-2000
(LAW's 3-million-link graph, tens of seconds) are in tests/integration/test_authority.py."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from crawler.analysis.authority import (
    PAGERANK_TOL,
    compute_authority,
    harmonic,
    iteration_cap,
    level_graphs,
    pagerank,
    rank,
    trustrank,
)
from crawler.analysis.graph import LinkGraph
from crawler.errors import ConvergenceError
from tests.helpers.graphs import as_array, to_networkx
from tests.helpers.samples import LINKS

# Dangling nodes (3, 6), self-loops (2->2, 5->5), repeated links (0->1 twice), a node with
# only a self-loop (5), an isolated node (7), and two disconnected parts ({0..4}, {6, 8}).
SMALL_SRC = [0, 0, 0, 1, 2, 2, 2, 4, 4, 5, 8, 0]
SMALL_DST = [1, 1, 2, 2, 0, 3, 2, 0, 3, 5, 6, 4]
SMALL_N = 9


def small_graphs() -> list[LinkGraph]:
    rng = np.random.default_rng(7)
    dense = rng.integers(0, 40, size=(2, 300))
    return [
        LinkGraph.from_arrays(SMALL_SRC, SMALL_DST, SMALL_N),
        LinkGraph.from_arrays(dense[0], dense[1], 40),
        LinkGraph.from_arrays([0, 1, 2, 3], [1, 2, 3, 0]),  # a cycle: no dangling node
        LinkGraph.from_arrays([], [], 3),  # no links at all
    ]


def nx_pagerank(g: nx.DiGraph, **kwargs: dict[int, float]) -> dict[int, float]:
    """networkx.pagerank on our rule: its L1 test is change < n * tol, ours change < tol."""
    tol = PAGERANK_TOL / max(len(g), 1)
    return nx.pagerank(g, tol=tol, max_iter=iteration_cap(0.85, PAGERANK_TOL), **kwargs)


def test_graph_drops_self_links_and_repeats() -> None:
    g = LinkGraph.from_arrays(SMALL_SRC, SMALL_DST, SMALL_N)
    assert list(zip(g.src.tolist(), g.dst.tolist(), strict=True)) == [
        (0, 1), (0, 2), (0, 4), (1, 2), (2, 0), (2, 3), (4, 0), (4, 3), (8, 6),
    ]  # fmt: skip
    assert g.out_degree.tolist() == [3, 1, 2, 0, 2, 0, 0, 0, 1]


def test_graph_refuses_ids_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"0\.\.2"):
        LinkGraph.from_arrays([0], [3], n=3)


@pytest.mark.parametrize("graph", small_graphs(), ids=["small", "random40", "cycle", "empty"])
def test_pagerank_equals_networkx(graph: LinkGraph) -> None:
    ours = pagerank(graph)
    theirs = as_array(nx_pagerank(to_networkx(graph)), graph.n)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    assert ours.sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("graph", small_graphs(), ids=["small", "random40", "cycle", "empty"])
def test_trustrank_equals_personalized_networkx(graph: LinkGraph) -> None:
    seeds = [0, 2]
    trusted = {i: float(i in seeds) for i in range(graph.n)}
    theirs = nx_pagerank(to_networkx(graph), personalization=trusted, dangling=trusted)
    np.testing.assert_allclose(
        trustrank(graph, seeds), as_array(theirs, graph.n), rtol=1e-12, atol=1e-15
    )


def test_trustrank_gives_nothing_to_pages_no_seed_reaches() -> None:
    scores = trustrank(LinkGraph.from_arrays(SMALL_SRC, SMALL_DST, SMALL_N), seeds=[0])
    assert scores[[5, 6, 7, 8]].tolist() == [0.0, 0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="seed ids"):
        trustrank(LinkGraph.from_arrays([0], [1]), seeds=[5])


@pytest.mark.parametrize("graph", small_graphs(), ids=["small", "random40", "cycle", "empty"])
def test_exact_harmonic_equals_networkx(graph: LinkGraph) -> None:
    theirs = as_array(nx.harmonic_centrality(to_networkx(graph)), graph.n)
    np.testing.assert_allclose(harmonic(graph, exact=True), theirs, rtol=1e-12)


def test_hyperball_close_to_exact_on_random_graph() -> None:
    g = nx.gnp_random_graph(3000, 0.002, seed=3, directed=True)
    arcs = np.array(list(g.edges()))
    graph = LinkGraph.from_arrays(arcs[:, 0], arcs[:, 1], n=3000)
    exact = harmonic(graph, exact=True)
    approx = harmonic(graph, exact=False, registers=256)
    reached = exact > 0
    relative = np.abs(approx[reached] - exact[reached]) / exact[reached]
    assert relative.mean() < 0.05
    assert approx[~reached].tolist() == [0.0] * int((~reached).sum())  # no one links in


def test_hyperball_is_reproducible() -> None:
    graph = LinkGraph.from_arrays(SMALL_SRC, SMALL_DST, SMALL_N)
    first = harmonic(graph, exact=False, seed=5)
    assert harmonic(graph, exact=False, seed=5).tolist() == first.tolist()


def test_pagerank_stops_on_the_l1_change_not_scaled_by_n() -> None:
    """A chain of 2,000 pages: networkx's rule (L1 change < n * tol) stops once the change is
    2e-7, 1.5e-4 (relative) away from the fixed point; ours runs until it is below 1e-10, which
    bounds the L1 error by tol * d / (1 - d)."""
    n = 2000
    graph = LinkGraph.from_arrays(np.arange(n - 1), np.arange(1, n), n)
    converged = pagerank(graph, tol=1e-15, max_iter=2000)
    early = as_array(nx.pagerank(to_networkx(graph), tol=PAGERANK_TOL), n)
    ours = pagerank(graph)
    assert np.max(np.abs(early - converged) / converged) > 1e-4
    assert np.abs(ours - converged).sum() <= PAGERANK_TOL * 0.85 / 0.15
    assert np.max(np.abs(ours - converged) / converged) < 1e-6


def test_pagerank_iteration_cap_follows_damping_and_tol() -> None:
    assert iteration_cap(0.85, 1e-10) == 146 + 20
    assert iteration_cap(0.5, 1e-10) == 35 + 20
    with pytest.raises(ConvergenceError, match="3 steps"):
        pagerank(LinkGraph.from_arrays([0, 1], [1, 2]), max_iter=3)


def test_rank_breaks_ties_by_id() -> None:
    assert rank(np.array([0.1, 0.3, 0.1, 0.3, 0.2])).tolist() == [4, 1, 5, 2, 3]


def test_levels_fold_pages_to_hosts_and_domains() -> None:
    graphs = level_graphs(LinkGraph.from_names(LINKS))
    host = graphs["host"]
    assert host.names is not None
    assert host.names.tolist() == ["b.org", "blog.a.com", "www.a.com"]
    assert list(zip(host.src.tolist(), host.dst.tolist(), strict=True)) == [
        (0, 2), (1, 0), (2, 0), (2, 1),
    ]  # fmt: skip
    domain = graphs["domain"]
    assert domain.names is not None
    assert domain.names.tolist() == ["a.com", "b.org"]
    assert list(zip(domain.src.tolist(), domain.dst.tolist(), strict=True)) == [(0, 1), (1, 0)]


def test_compute_authority_matches_networkx_per_level() -> None:
    scores = compute_authority(LINKS, pages=["http://c.net/"])
    assert set(scores) == {"page", "host", "domain"}
    page = scores["page"]
    assert page.names.tolist() == sorted({u for link in LINKS for u in link} | {"http://c.net/"})
    for level, graph in level_graphs(LinkGraph.from_names(LINKS, ["http://c.net/"])).items():
        g = to_networkx(graph)
        np.testing.assert_allclose(
            scores[level].pagerank, as_array(nx_pagerank(g), graph.n), rtol=1e-12
        )
        np.testing.assert_allclose(
            scores[level].harmonic, as_array(nx.harmonic_centrality(g), graph.n), rtol=1e-12
        )
        assert sorted(scores[level].rank.tolist()) == list(range(1, graph.n + 1))


def test_compute_authority_from_arrays_equals_from_pairs() -> None:
    src = np.array([s for s, _ in LINKS])
    dst = np.array([d for _, d in LINKS])
    from_arrays = compute_authority((src, dst))
    from_pairs = compute_authority(LINKS)
    for level in ("page", "host", "domain"):
        assert from_arrays[level].names.tolist() == from_pairs[level].names.tolist()
        assert from_arrays[level].pagerank.tolist() == from_pairs[level].pagerank.tolist()
        assert from_arrays[level].rank.tolist() == from_pairs[level].rank.tolist()
