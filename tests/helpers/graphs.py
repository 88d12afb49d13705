"""Our link graphs as networkx sees them, to check the authority scores against it."""

from __future__ import annotations

import networkx as nx
import numpy as np

from crawler.analysis.graph import LinkGraph


def to_networkx(graph: LinkGraph) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n))
    g.add_edges_from(zip(graph.src.tolist(), graph.dst.tolist(), strict=True))
    return g


def as_array(scores: dict[int, float], n: int) -> np.ndarray:
    return np.array([scores[i] for i in range(n)])
