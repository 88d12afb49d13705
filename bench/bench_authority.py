"""Authority speed and accuracy on LAW's cnr-2000, side by side with networkx in one run.

Run `python -m bench.bench_authority`. PageRank: ours (graph build + power iteration) against
networkx (DiGraph build + networkx.pagerank), same parameters, and the largest relative
difference over networkx's top 1,000 pages. Harmonic centrality: HyperBall on the whole graph,
and its error against the exact figure on the subgraph of the first 20,000 ids (LAW orders ids
by URL, so that is a few whole hosts). Writes the figures to bench/RESULTS.md, section
"Authority"; skips with a message when ../shared/realweb/cnr-2000 is absent.
"""

from __future__ import annotations

import platform
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import networkx as nx
import numpy as np
from scipy.stats import spearmanr

from crawler.analysis.authority import PAGERANK_TOL, harmonic, iteration_cap, pagerank
from crawler.analysis.graph import LinkGraph, read_edge_list
from tests.helpers.realweb import REALWEB

CNR_EDGES = REALWEB / "cnr-2000" / "cnr-2000-edges.tsv.gz"
CNR_NODES = 325_557
SUBGRAPH_NODES = 20_000
REGISTERS = 128
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
T = TypeVar("T")


def _timed(run: Callable[[], T]) -> tuple[T, float]:
    """(value, seconds) of one call."""
    start = time.perf_counter()
    value = run()
    return value, time.perf_counter() - start


def measure_pagerank(src: np.ndarray, dst: np.ndarray) -> dict[str, float]:
    graph, build_s = _timed(lambda: LinkGraph.from_arrays(src, dst, CNR_NODES))
    ours, rank_s = _timed(lambda: pagerank(graph))

    def nx_graph() -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from(range(CNR_NODES))
        g.add_edges_from(zip(graph.src.tolist(), graph.dst.tolist(), strict=True))
        return g

    g, nx_build_s = _timed(nx_graph)
    # networkx's rule is an L1 change below n * tol, ours below tol: the same steps.
    cap = iteration_cap(0.85, PAGERANK_TOL)
    scores, nx_rank_s = _timed(lambda: nx.pagerank(g, tol=PAGERANK_TOL / CNR_NODES, max_iter=cap))
    theirs = np.array([scores[i] for i in range(CNR_NODES)])
    top = np.argsort(-theirs, kind="stable")[:1000]
    return {
        "ours_build_s": build_s,
        "ours_pagerank_s": rank_s,
        "ours_s": build_s + rank_s,
        "nx_build_s": nx_build_s,
        "nx_pagerank_s": nx_rank_s,
        "nx_s": nx_build_s + nx_rank_s,
        "ratio": (nx_build_s + nx_rank_s) / (build_s + rank_s),
        "ratio_pagerank_only": nx_rank_s / rank_s,
        "top1000_max_rel_err": float(np.max(np.abs(ours[top] - theirs[top]) / theirs[top])),
        "arcs": float(graph.src.size),
    }


def measure_harmonic(src: np.ndarray, dst: np.ndarray) -> dict[str, float]:
    graph = LinkGraph.from_arrays(src, dst, CNR_NODES)
    _, full_s = _timed(lambda: harmonic(graph, exact=False, registers=REGISTERS))
    inside = (graph.src < SUBGRAPH_NODES) & (graph.dst < SUBGRAPH_NODES)
    sub = LinkGraph.from_arrays(graph.src[inside], graph.dst[inside], SUBGRAPH_NODES)
    exact, exact_s = _timed(lambda: harmonic(sub, exact=True))
    approx, approx_s = _timed(lambda: harmonic(sub, exact=False, registers=REGISTERS))
    reached = exact > 0
    relative = np.abs(approx[reached] - exact[reached]) / exact[reached]
    top = np.argsort(-exact)[:100]
    return {
        "hyperball_full_s": full_s,
        "sub_nodes": float(SUBGRAPH_NODES),
        "sub_arcs": float(sub.src.size),
        "sub_exact_s": exact_s,
        "sub_hyperball_s": approx_s,
        "mean_rel_err": float(relative.mean()),
        "p95_rel_err": float(np.quantile(relative, 0.95)),
        "top100_max_rel_err": float(np.max(np.abs(approx[top] - exact[top]) / exact[top])),
        "spearman": float(spearmanr(approx, exact).statistic),
    }


def _cpu() -> str:
    out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"Model name:\s*(.+)", out)
    return found.group(1).strip() if found else platform.processor() or "unknown"


def _report(pr: dict[str, float], hb: dict[str, float]) -> str:
    return (
        "## Authority\n\n"
        "`python -m bench.bench_authority`; LAW cnr-2000, 325,557 nodes,"
        f" {pr['arcs']:,.0f} distinct arcs without self-loops. Machine: 2 cores, {_cpu()}, Python"
        f" {platform.python_version()}, networkx {nx.__version__}, numpy {np.__version__}.\n\n"
        "| PageRank (damping 0.85, L1 change < 1e-10; networkx at tol 1e-10 / n: the same steps)"
        " | ours | networkx | networkx / ours |\n"
        "|---|---|---|---|\n"
        f"| graph build | {pr['ours_build_s']:.2f} s | {pr['nx_build_s']:.2f} s | |\n"
        f"| pagerank | {pr['ours_pagerank_s']:.2f} s | {pr['nx_pagerank_s']:.2f} s |"
        f" x{pr['ratio_pagerank_only']:.1f} |\n"
        f"| total | {pr['ours_s']:.2f} s | {pr['nx_s']:.2f} s | x{pr['ratio']:.1f} |\n\n"
        "Top 1,000 pages: largest relative difference from networkx"
        f" {pr['top1000_max_rel_err']:.1e}."
        "\n\n"
        f"Harmonic centrality, HyperBall with {REGISTERS} registers: whole graph"
        f" {hb['hyperball_full_s']:.1f} s (exact would be one BFS per node, about half an hour"
        f" here). Against exact on the first {hb['sub_nodes']:,.0f} ids ({hb['sub_arcs']:,.0f}"
        f" arcs; exact {hb['sub_exact_s']:.1f} s, HyperBall {hb['sub_hyperball_s']:.2f} s):"
        f" mean relative error {hb['mean_rel_err']:.1%}, 95th percentile {hb['p95_rel_err']:.1%},"
        f" worst of the top 100 {hb['top100_max_rel_err']:.1%}, Spearman {hb['spearman']:.4f}.\n"
    )


def write_results(section: str) -> None:
    """Replace (or append) the "## Authority" section of RESULTS.md, leaving others as they are."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## Authority\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)


def main() -> dict[str, dict[str, float]]:
    if not CNR_EDGES.is_file():
        print(f"cnr-2000 edge list absent ({CNR_EDGES}): skipped")
        return {}
    (src, dst), load_s = _timed(lambda: read_edge_list(CNR_EDGES))
    print(f"cnr-2000: {src.size:,} arcs read in {load_s:.2f} s")
    pr = measure_pagerank(src, dst)
    print(
        f"pagerank: ours {pr['ours_s']:.2f} s (build {pr['ours_build_s']:.2f} + iterate"
        f" {pr['ours_pagerank_s']:.2f}), networkx {pr['nx_s']:.2f} s (build"
        f" {pr['nx_build_s']:.2f} + pagerank {pr['nx_pagerank_s']:.2f}): x{pr['ratio']:.1f} faster"
        f" (x{pr['ratio_pagerank_only']:.1f} on pagerank alone);"
        f" top-1000 max relative error {pr['top1000_max_rel_err']:.1e}"
    )
    hb = measure_harmonic(src, dst)
    print(
        f"harmonic (HyperBall, {REGISTERS} registers): whole graph {hb['hyperball_full_s']:.1f} s;"
        f" on {hb['sub_nodes']:,.0f} nodes vs exact: mean rel error {hb['mean_rel_err']:.1%},"
        f" p95 {hb['p95_rel_err']:.1%}, top-100 max {hb['top100_max_rel_err']:.1%},"
        f" Spearman {hb['spearman']:.4f}"
    )
    write_results(_report(pr, hb))
    return {"pagerank": pr, "harmonic": hb}


if __name__ == "__main__":
    main()
