"""The authority job: PageRank, harmonic centrality (and TrustRank) of the current links.

    linkgraph authority --data linkgraph-data --trust-seeds trusted.txt

Reads every current link (the `links` view: the latest fetch of each source page, every link
kind) and every fetched page, scores pages, hosts and registrable domains with
`crawler.analysis.authority.compute_authority`, and appends one snapshot to page_authority,
host_authority and domain_authority (migration 005), all rows sharing `computed_at`, the
TrustRank seeds marked `trust_seed` (migration 009), then publishes it: a row per level in
authority_runs (migration 012), which readers take the latest run from. A trust-seeds file
holds one URL or host/domain name per line (`#` comments): a URL seeds its page, host and
domain; a name seeds every page and host in it, and itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from crawler.analysis.authority import (
    KEY_COLUMNS,
    LEVELS,
    Authority,
    compute_authority,
    level_graphs,
    trustrank,
)
from crawler.analysis.graph import LinkGraph
from crawler.errors import ConfigError, InputFileError
from crawler.urls.canonical import canonicalize, host_of, registrable_domain
from pipelines.store import Store
from pipelines.store_base import STREAM_BLOCK_ROWS

_BATCH = 100_000
TrustSeeds = tuple[set[str], set[str]]  # (page URLs, host or domain names)


class AuthorityRun(NamedTuple):
    """What one run scored and stored; every row of it carries `computed_at` (epoch seconds)."""

    pages: int
    hosts: int
    domains: int
    links: int
    trustrank: bool
    computed_at: int


def run_authority(
    store: Store, seeds: TrustSeeds | None = None, block_rows: int = STREAM_BLOCK_ROWS
) -> AuthorityRun:
    """Score the store's current link graph (TrustRank too, given seeds) and append the
    snapshot to the *_authority tables."""
    store.migrate()
    graph = read_graph(store, block_rows)
    if not graph.n:  # PageRank of nothing "does not converge": say what is really wrong
        raise ConfigError(f"the store {store.target} holds no pages yet: crawl or import first")
    scores = compute_authority(graph)
    seed_ids = trust_seed_ids(graph, seeds) if seeds is not None else {}
    graphs = level_graphs(graph) if seed_ids else {}
    trust = {level: trustrank(graphs[level], ids) for level, ids in seed_ids.items()}
    computed_at = _snapshot_time(store)
    for level in LEVELS:
        write_level(store, level, scores[level], trust.get(level), computed_at, seed_ids.get(level))
    publish_run(store, scores, computed_at)
    return AuthorityRun(
        pages=len(scores["page"].names),
        hosts=len(scores["host"].names),
        domains=len(scores["domain"].names),
        links=len(graph.src),
        trustrank=bool(trust),
        computed_at=computed_at,
    )


def read_graph(store: Store, block_rows: int = STREAM_BLOCK_ROWS) -> LinkGraph:
    """The page graph: the distinct current (src_url, dst_url) pairs and every fetched URL,
    read in blocks of `block_rows` (`Store.stream`): held are one string per distinct URL and
    two ids per link, never the query's whole result."""
    links = store.stream("SELECT DISTINCT src_url, dst_url FROM links", block_rows)
    pages = store.stream("SELECT url FROM pages", block_rows)
    return LinkGraph.from_names(
        (pair for block in links for pair in block),
        (url for block in pages for (url,) in block),
    )


def read_trust_seeds(path: Path) -> TrustSeeds:
    """(page URLs, host or domain names) of a trust-seeds file; a bad line names file:line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read trust seeds {path}: {exc}") from exc
    urls: set[str] = set()
    names: set[str] = set()
    for number, raw in enumerate(lines, start=1):
        text = raw.split(" #")[0].strip()
        if not text or text.startswith("#"):
            continue
        if "://" in text:
            try:
                urls.add(canonicalize(text))
            except ValueError as exc:
                raise InputFileError(f"{path}:{number}: not an http(s) URL: {text!r}") from exc
        elif "/" in text or " " in text or "." not in text:
            raise InputFileError(f"{path}:{number}: neither a URL nor a domain: {text!r}")
        else:
            names.add(text.lower().rstrip("."))
    if not urls and not names:
        raise InputFileError(f"{path}: no trust seeds in the file")
    return urls, names


def trust_seed_ids(graph: LinkGraph, seeds: TrustSeeds) -> dict[str, list[int]]:
    """The seeds mapped to each level's node ids of the page `graph` (see the module
    docstring); node i of a level is names[i] of its scores (the same graphs)."""
    urls, names = seeds
    seed_hosts = {host_of(url) for url in urls}
    seed_domains = {_domain(url) for url in urls}
    members: dict[str, Callable[[str], bool]] = {
        "page": lambda url: url in urls or host_of(url) in names or _domain(url) in names,
        "host": lambda host: host in seed_hosts or host in names or _dom(host) in names,
        "domain": lambda domain: domain in seed_domains or domain in names,
    }
    out = {}
    for level, g in level_graphs(graph).items():
        assert g.names is not None
        ids = [i for i, name in enumerate(g.names) if members[level](name)]
        if not ids:
            raise ConfigError(f"no trust seed is in the link graph at {level} level")
        out[level] = ids
    return out


def _domain(url: str) -> str:
    return registrable_domain(host_of(url))


def _dom(host: str) -> str:
    return registrable_domain(host)


def _snapshot_time(store: Store) -> int:
    """Now in whole seconds, or one past the latest snapshot: readers pick the latest snapshot by
    `computed_at`, so two runs within one second must not share it (their rows would mix). From
    page_authority, not authority_runs: a run killed before it was published left its rows."""
    latest = store.execute("SELECT toUInt32(max(computed_at)) FROM page_authority").rows[0][0]
    return max(int(time.time()), int(latest or 0) + 1)


def publish_run(store: Store, scores: dict[str, Authority], computed_at: int) -> None:
    """The run's rows of authority_runs (migration 012): each level's lowest and highest
    PageRank, the bounds of its 0-100 scale. Written after every score: readers take the
    latest run from there, so a run is not read before it is whole."""
    columns = [
        ("level", "String", None),
        ("computed_at", "DateTime('UTC')", None),
        ("lowest", "Float64", None),
        ("highest", "Float64", None),
        ("scored", "UInt64", None),
    ]
    levels = [level for level in LEVELS if len(scores[level].names)]
    data = [
        [f"{level}_authority" for level in levels],
        [computed_at] * len(levels),
        [float(scores[level].pagerank.min()) for level in levels],
        [float(scores[level].pagerank.max()) for level in levels],
        [len(scores[level].names) for level in levels],
    ]
    store.insert_columns("authority_runs", columns, data)  # type: ignore[arg-type]


def write_level(
    store: Store,
    level: str,
    scores: Authority,
    trust: np.ndarray | None,
    computed_at: int,
    seed_ids: list[int] | None = None,
) -> None:
    """Append one level's snapshot in columnar batches, every column named and typed;
    `seed_ids` (node ids of the TrustRank seeds) get trust_seed = 1 (migration 009)."""
    columns = [
        (KEY_COLUMNS[level], "String", None),
        ("pagerank", "Float64", None),
        ("harmonic", "Float64", None),
        ("rank", "UInt32", None),
        ("computed_at", "DateTime('UTC')", None),
        ("trustrank", "Float64", None),
        ("trust_seed", "UInt8", None),
    ]
    n = len(scores.names)
    trust_values = trust if trust is not None else np.zeros(n)
    seed = np.zeros(n, dtype=np.uint8)
    seed[seed_ids or []] = 1
    for lo in range(0, n, _BATCH):
        hi = min(lo + _BATCH, n)
        data = [
            scores.names[lo:hi].tolist(),
            scores.pagerank[lo:hi].tolist(),
            scores.harmonic[lo:hi].tolist(),
            scores.rank[lo:hi].tolist(),
            [computed_at] * (hi - lo),
            trust_values[lo:hi].tolist(),
            seed[lo:hi].tolist(),
        ]
        store.insert_columns(f"{level}_authority", columns, data)  # type: ignore[arg-type]
