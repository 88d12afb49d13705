"""Open, reproducible authority scores: PageRank, TrustRank and harmonic centrality.

Every score runs on a `LinkGraph` (integer arrays; self-links dropped, repeated links counted
once) at three levels: pages, hosts and registrable domains. Definitions are networkx's, so
anyone can check a figure: `pagerank` equals `networkx.pagerank` (uniform teleport, dangling
pages' rank spread uniformly, scores sum to 1) run to convergence, `harmonic` equals
`networkx.harmonic_centrality` on a DiGraph (sum over other pages v of 1 / d(v, u)).

    >>> scores = compute_authority([("http://a.com/", "http://b.com/x"), ("http://b.com/x", "http://b.com/")])
    >>> page = scores["page"]
    >>> page.names.tolist(), page.rank.tolist()
    (['http://a.com/', 'http://b.com/', 'http://b.com/x'], [3, 1, 2])
    >>> scores["domain"].names.tolist(), scores["domain"].harmonic.tolist()
    (['a.com', 'b.com'], [0.0, 1.0])
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import scipy.sparse.csgraph as csgraph

from crawler.analysis.graph import LinkGraph
from crawler.analysis.hyperball import hyperball_harmonic
from crawler.errors import ConvergenceError
from crawler.urls.canonical import host_of, registrable_domain

__all__ = [
    "EXACT_HARMONIC_WORK",
    "KEY_COLUMNS",
    "LEVELS",
    "PAGERANK_TOL",
    "Authority",
    "compute_authority",
    "harmonic",
    "iteration_cap",
    "level_graphs",
    "pagerank",
    "rank",
    "trustrank",
]

LEVELS = ("page", "host", "domain")
KEY_COLUMNS = {"page": "url", "host": "host", "domain": "domain"}  # of each {level}_authority
# Exact harmonic centrality runs one BFS per node, n * (arcs + n) steps: 2e10 of them take
# about 30 s on one core here (scipy's C BFS); larger graphs get HyperBall's estimate.
EXACT_HARMONIC_WORK = 2e10
_BFS_ROWS = 256  # sources per csgraph call: a (256, n) float block of distances
# Power iteration stops when the L1 change of one step is below PAGERANK_TOL, NOT below
# n * tol as networkx does: that rule loosens with the graph (3.3e-5 on cnr-2000's 325,557
# pages) and stopped there 1.7e-3 away from the fixed point on its top pages. Since one step
# contracts the L1 error by `damping`, the error left is at most tol * d / (1 - d) (6e-10).
PAGERANK_TOL = 1e-10


class Authority(NamedTuple):
    """Scores of one level, aligned: names[i] has pagerank[i], harmonic[i] and rank[i]."""

    names: np.ndarray
    pagerank: np.ndarray
    harmonic: np.ndarray
    rank: np.ndarray


def pagerank(
    graph: LinkGraph,
    damping: float = 0.85,
    tol: float = PAGERANK_TOL,
    max_iter: int | None = None,
) -> np.ndarray:
    """PageRank of every node, as networkx.pagerank: sums to 1, dangling rank spread uniformly.

    Iterates until the L1 change is below `tol` (networkx.pagerank with tol / n follows the
    same steps); `max_iter` defaults to `iteration_cap(damping, tol)`.

    >>> pagerank(LinkGraph.from_arrays([0], [1])).round(4).tolist()
    [0.3509, 0.6491]
    """
    uniform = np.full(graph.n, 1.0 / graph.n) if graph.n else np.zeros(0)
    return _power_iteration(graph, uniform, uniform, damping, tol, max_iter)


def trustrank(
    graph: LinkGraph,
    seeds: Iterable[int],
    damping: float = 0.85,
    tol: float = PAGERANK_TOL,
    max_iter: int | None = None,
) -> np.ndarray:
    """PageRank whose random surfer restarts only at the trusted `seeds` (node ids).

    Dangling nodes send their rank to the seeds too (networkx.pagerank with personalization
    and dangling both the seed vector): spreading it over every page would hand trust to
    pages nothing trusted links to, which is what TrustRank exists to avoid.

    >>> trustrank(LinkGraph.from_arrays([0, 2], [1, 1]), seeds=[0]).round(4).tolist()
    [0.5405, 0.4595, 0.0]
    """
    teleport = np.zeros(graph.n)
    chosen = np.unique(np.asarray(list(seeds), dtype=np.int64))
    if chosen.size == 0 or chosen.min() < 0 or chosen.max() >= graph.n:
        raise ValueError(f"trustrank needs seed ids within 0..{graph.n - 1}, got {chosen[:5]}")
    teleport[chosen] = 1.0 / chosen.size
    return _power_iteration(graph, teleport, teleport, damping, tol, max_iter)


def iteration_cap(damping: float, tol: float) -> int:
    """Steps enough for any graph: the first step changes x by at most 2 in L1 and each next
    step changes it `damping` times less, so the change is below `tol` after
    log(tol / 2) / log(damping) steps (146 at 0.85 and 1e-10); 20 more absorb rounding.

    >>> iteration_cap(0.85, 1e-10)
    166
    """
    return math.ceil(math.log(tol / 2) / math.log(damping)) + 20


def _power_iteration(
    graph: LinkGraph,
    teleport: np.ndarray,
    dangling_to: np.ndarray,
    damping: float,
    tol: float,
    max_iter: int | None,
) -> np.ndarray:
    """networkx's _pagerank_scipy loop, with the matrix stored by target for a CSR product."""
    if max_iter is None:
        max_iter = iteration_cap(damping, tol)
    n = graph.n
    out = graph.out_degree
    share = np.divide(1.0, out, out=np.zeros(n), where=out > 0)
    dangling = out == 0
    inbound = graph.inbound
    x = np.full(n, 1.0 / n) if n else np.zeros(0)
    for _ in range(max_iter):
        last = x
        x = damping * (inbound @ (last * share) + last[dangling].sum() * dangling_to)
        x += (1 - damping) * teleport
        if np.abs(x - last).sum() < tol:  # see PAGERANK_TOL: not n * tol
            return x
    raise ConvergenceError(f"power iteration did not converge in {max_iter} steps (tol {tol})")


def harmonic(
    graph: LinkGraph, exact: bool | None = None, registers: int = 128, seed: int = 0
) -> np.ndarray:
    """Harmonic centrality: for each u, the sum over v != u reaching u of 1 / d(v, u).

    Exact (one BFS per node, equal to networkx.harmonic_centrality) when `exact`, or by
    default while n * (arcs + n) <= EXACT_HARMONIC_WORK; otherwise HyperBall's estimate (see
    crawler.analysis.hyperball; `registers` trades time for accuracy: 128 gives about 4 % mean error
    on cnr-2000).

    >>> harmonic(LinkGraph.from_arrays([0, 1], [1, 2])).tolist()
    [0.0, 1.0, 1.5]
    """
    if exact is None:
        exact = graph.n * (graph.src.size + graph.n) <= EXACT_HARMONIC_WORK
    if not exact:
        return hyperball_harmonic(graph.n, graph.src, graph.dst, registers, seed)
    return _exact_harmonic(graph)


def _exact_harmonic(graph: LinkGraph) -> np.ndarray:
    """Sum of 1/d over BFS distance rows, a block of sources at a time (C code in scipy)."""
    forward = graph.inbound.T.tocsr()  # row v lists the nodes v links to
    total = np.zeros(graph.n)
    for lo in range(0, graph.n, _BFS_ROWS):
        sources = np.arange(lo, min(lo + _BFS_ROWS, graph.n))
        dist = csgraph.shortest_path(forward, directed=True, unweighted=True, indices=sources)
        with np.errstate(divide="ignore"):
            inverse = 1.0 / dist  # unreachable: 1/inf = 0
        inverse[np.arange(sources.size), sources] = 0.0  # d(v, v) = 0 does not count
        total += inverse.sum(axis=0)
    return total


def rank(scores: np.ndarray) -> np.ndarray:
    """1-based rank by score descending; equal scores ranked by node id (so by name).

    >>> rank(np.array([0.2, 0.5, 0.2])).tolist()
    [2, 1, 3]
    """
    order = np.lexsort((np.arange(scores.size), -scores))
    ranks = np.empty(scores.size, dtype=np.uint32)
    ranks[order] = np.arange(1, scores.size + 1, dtype=np.uint32)
    return ranks


def level_graphs(pages: LinkGraph) -> dict[str, LinkGraph]:
    """The page graph and its host -> host and domain -> domain foldings."""
    hosts = pages.fold(host_of)
    return {"page": pages, "host": hosts, "domain": hosts.fold(registrable_domain)}


def compute_authority(
    edges: Iterable[tuple[str, str]] | tuple[np.ndarray, np.ndarray] | LinkGraph,
    pages: Iterable[str] = (),
    levels: Iterable[str] = LEVELS,
    damping: float = 0.85,
    registers: int = 128,
) -> dict[str, Authority]:
    """Scores per level from (source URL, target URL) links, ready for the *_authority tables.

    `edges` is an iterable of pairs, a pair of equal-length URL arrays, or a page LinkGraph;
    `pages` adds pages without links. Harmonic is exact up to EXACT_HARMONIC_WORK, HyperBall's
    estimate beyond.
    """
    extra = tuple(pages)
    if isinstance(edges, LinkGraph):  # built already (the authority job streams it)
        graph = LinkGraph.from_names(_pairs(edges), extra) if extra else edges
    elif isinstance(edges, tuple) and len(edges) == 2 and isinstance(edges[0], np.ndarray):
        graph = LinkGraph.from_name_arrays(*edges)
        graph = LinkGraph.from_names(_pairs(graph), extra) if extra else graph
    else:
        graph = LinkGraph.from_names(edges, extra)
    graphs = level_graphs(graph)
    out = {}
    for level in levels:
        g = graphs[level]
        pr = pagerank(g, damping)
        assert g.names is not None  # built from names
        out[level] = Authority(g.names, pr, harmonic(g, registers=registers), rank(pr))
    return out


def _pairs(graph: LinkGraph) -> Iterable[tuple[str, str]]:
    assert graph.names is not None
    return zip(graph.names[graph.src], graph.names[graph.dst], strict=True)
