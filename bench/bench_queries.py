"""Query benchmark: each `*_report` named query (the CLI's) beside its base query, same store.

    python -m bench.bench_queries                       # fresh 1M-link chDB store, then time
    python -m bench.bench_store --links 1000000 --data /tmp/lg-bench   # or load once ...
    python -m bench.bench_queries --data /tmp/lg-bench  # ... and time it (any --clickhouse too)

The store holds bench_store's synthetic graph; a fresh one also gets a `linkgraph authority` run
(the report variants read its scores). Each pair runs interleaved over the same 30 target
domains (p50, after one warm-up run each) and on the most linked domain (`top`); gap and
gap_report get 5 random competitors (min_k 2), on `top` the 3 most linked ones.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from bench.bench_store import LOAD_BATCHES_PER_INSERT, QUERY_SAMPLES, load_graph
from crawler.analysis.authority import LEVELS, compute_authority
from crawler.analysis.authority_job import publish_run, read_graph, write_level
from crawler.analysis.queries import run_named
from pipelines.store import Store, open_store

NO_FILTERS = {"dofollow": 0, "rel": "", "section": "", "kind": "", "anchor_contains": "",
              "min_authority": 0.0, "country": "", "new_since": 0, "lost_since": 0,
              "one_per_domain": 0, "limit": 0, "src_domains": []}  # fmt: skip
NO_DISAVOW: dict[str, Any] = {"disavow_domains": [], "disavow_urls": []}
Params = Callable[[str, list[str]], dict[str, Any]]
# (base, report variant, their parameters for a domain and its competitors)
PAIRS: list[tuple[str, str, Params, Params]] = [
    ("backlinks", "backlinks_report", lambda d, c: {"domain": d},
     lambda d, c: {"domain": d, **NO_FILTERS}),
    ("refdomains", "refdomains_report", lambda d, c: {"domain": d},
     lambda d, c: {"domain": d, "country": ""}),
    ("gap", "gap_report", lambda d, c: {"domain": d, "competitors": c, "min_k": 2},
     lambda d, c: {"domain": d, "competitors": c, "min_k": 2, **NO_DISAVOW}),
    ("anchors", "report_anchors", lambda d, c: {"domain": d, "keywords": []},
     lambda d, c: {"domain": d, "top": 15}),
]  # fmt: skip


def _ms(store: Store, name: str, params: dict[str, Any]) -> float:
    start = time.perf_counter()
    run_named(store, name, params)  # the target queries' mode, as the commands run them
    return (time.perf_counter() - start) * 1000


def time_pairs(store: Store, seed: int = 11) -> dict[str, Any]:
    rows = int(store.query("SELECT count() FROM link_fetches").rows[0][0])
    targets = max(rows // 100, 10)  # as bench_store draws them: target0.com ... target{N-1}.com
    rng = np.random.default_rng(seed)
    sample = [f"target{d}.com" for d in rng.choice(targets, QUERY_SAMPLES, replace=False)]
    rivals = {d: [f"target{c}.com" for c in rng.choice(targets, 5, replace=False)] for d in sample}
    top, top_rivals = "target0.com", ["target1.com", "target2.com", "target3.com"]
    out: dict[str, Any] = {"target": store.target, "version": store.version}
    for base, report, base_params, report_params in PAIRS:
        run_named(store, base, base_params(sample[0], rivals[sample[0]]))
        run_named(store, report, report_params(sample[0], rivals[sample[0]]))
        times: dict[str, list[float]] = {base: [], report: []}
        for d in sample:
            times[base].append(_ms(store, base, base_params(d, rivals[d])))
            times[report].append(_ms(store, report, report_params(d, rivals[d])))
        for name, params in ((base, base_params), (report, report_params)):
            out[f"{name}_p50_ms"] = round(statistics.median(times[name]), 1)
            out[f"{name}_top_ms"] = round(_ms(store, name, params(top, top_rivals)), 1)
        out[f"{report}_vs_{base}_p50"] = round(out[f"{report}_p50_ms"] / out[f"{base}_p50_ms"], 2)
    return out


def fresh_store(links: int, directory: str) -> Store:
    """bench_store's synthetic graph of `links` rows, with one authority run."""
    store = open_store(directory)
    store.migrate()
    load_graph(store, links, LOAD_BATCHES_PER_INSERT)
    scores = compute_authority(read_graph(store))
    computed_at = int(time.time())
    for level in LEVELS:
        write_level(store, level, scores[level], None, computed_at)
    publish_run(store, scores, computed_at)
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=1_000_000, help="for a fresh store")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--data", help="a chDB store loaded by bench_store --data")
    where.add_argument("--clickhouse", help="a clickhouse://host:port/db loaded by bench_store")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lg-bench-q-") as tmp:
        given = args.clickhouse or args.data
        store = open_store(given) if given else fresh_store(args.links, tmp)
        try:
            print(json.dumps(time_pairs(store)), flush=True)
        finally:
            store.close()


if __name__ == "__main__":
    main()
