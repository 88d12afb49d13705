"""Store benchmark: ingest a synthetic power-law link graph, then time the named queries.

    python -m bench.bench_store --links 10000000 --json --data /tmp/lg-bench
    python -m bench.bench_store --links 1000000 --json --clickhouse clickhouse://127.0.0.1:9000/b

Sources: pages of 50 links on sites of 20 pages; 10% of links are internal (self-links), the
rest go to target domains drawn from a Zipf(1.1) law over links/100 domains, and to a URL inside
the domain drawn from a Zipf law too.

The graph is loaded by `load_graph`: `blocks` builds each batch as Arrow columns straight from
the rng draws (about a million links/s), the same rows as `batches`' Page and OutLink records
(tens of thousands/s), which `ingest` still inserts, as the reference the tests compare with.

What `ingest_rows_per_s` times: link rows divided by the wall time spent inside the store's
insert, called once per 50,000-link batch (the sink's default) with that batch's links and pages:
`Store.insert_arrow`, the same INSERT as the sink's flush (`Store.insert`), including the
materialized views that aggregate each insert (`domain_edges`, migration 008). Since the column
loader (December 2026) the figure no longer includes turning records into columns
(pipelines._fastcolumns' Arrow arrays on chDB, Python lists for a server), which `blocks` has
done already; a server is still sent Python lists, made from the Arrow arrays inside the timed
call. Not timed: building the synthetic graph, and background merges still running after the
last insert (merges during the run compete for the same cores and so are in the figure).

Query latencies are over domains drawn uniformly from the target domains (p50), plus the most
linked domain (`*_top_ms`): the named queries `backlinks`, `refdomains` (current links) and
`gap`, and referring domains from the materialized `domain_edges` (links ever seen; the
`referring_domains` view's query); `load_avg_start` and `load_avg_end` are the 1-minute load
averages at the start and end of the run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterator, Mapping
from itertools import islice
from typing import Any

import numpy as np

from crawler.records import OutLink, Page
from pipelines.columns import LINK_COLUMNS, PAGE_COLUMNS, Column, Derived, arrow_array
from pipelines.store import Store, open_store

LINKS_PER_PAGE = 50
PAGES_PER_SITE = 20
BATCH_LINKS = 50_000
# Batches per INSERT where only the loaded store matters (bench_serve, bench_queries): 1M links,
# about one ClickHouse insert block, make 20 times fewer parts to merge than the sink's 50,000
# (1.5-3.6 times the links/s on chDB at 2M links, load 13-17).
LOAD_BATCHES_PER_INSERT = 20
QUERY_SAMPLES = 30
EPOCH = 1_700_000_000.0


def zipf_choice(rng: np.random.Generator, n: int, size: int, s: float = 1.1) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** s
    return rng.choice(n, size=size, p=weights / weights.sum())


def batches(links: int, seed: int = 7) -> Any:
    """Yield (pages, links) batches making up a graph of `links` link rows."""
    rng = np.random.default_rng(seed)
    domains = max(links // 100, 10)
    pages = max(links // LINKS_PER_PAGE, 1)
    per_batch = BATCH_LINKS // LINKS_PER_PAGE
    for first in range(0, pages, per_batch):
        count = min(per_batch, pages - first)
        targets = zipf_choice(rng, domains, count * LINKS_PER_PAGE)
        paths = zipf_choice(rng, 1000, count * LINKS_PER_PAGE, s=1.3)
        internal = rng.random(count * LINKS_PER_PAGE) < 0.1
        nofollow = rng.random(count * LINKS_PER_PAGE) < 0.15
        out_pages, out_links = [], []
        for i in range(count):
            n = first + i
            site = f"site{n // PAGES_PER_SITE}.net"
            src = f"https://{site}/page{n % PAGES_PER_SITE}"
            when = EPOCH + n
            out_pages.append(
                Page(
                    url=src,
                    host=site,
                    domain=site,
                    status=200,
                    title=f"Page {n}",
                    outlink_count=LINKS_PER_PAGE,
                    fetched_at=when,
                    crawl_id="bench",
                )
            )
            for k in range(LINKS_PER_PAGE):
                j = i * LINKS_PER_PAGE + k
                dom = site if internal[j] else f"target{targets[j]}.com"
                out_links.append(
                    OutLink(
                        src_url=src,
                        dst_url=f"https://{dom}/p{paths[j]}",
                        anchor=f"anchor {paths[j]}",
                        rel=("nofollow",) if nofollow[j] else (),
                        section="main",
                        ordinal=k,
                        dom_path="body>main>p>a",
                        src_host=site,
                        src_domain=site,
                        dst_host=dom,
                        dst_domain=dom,
                        is_external=not internal[j],
                        fetched_at=when,
                        crawl_id="bench",
                    )
                )
        yield out_pages, out_links


def ingest(store: Store, links: int) -> tuple[int, float]:
    rows, spent = 0, 0.0
    for pages, out in batches(links):
        start = time.perf_counter()
        store.insert(pages, out)
        spent += time.perf_counter() - start
        rows += len(out)
    return rows, spent


class ZipfSampler:
    """`zipf_choice`'s draws over `n` values, its cumulative weights computed once.

    Generator.choice(n, p=p) normalizes p's cumsum and searches `random(size)` in it; that setup
    costs ~40 ms per call at a million target domains, so `blocks` keeps it (the draws are the
    same numbers: tests/unit/test_bench_blocks.py compares them at that size).
    """

    def __init__(self, n: int, s: float = 1.1) -> None:
        weights = 1.0 / np.arange(1, n + 1) ** s
        self.cdf = (weights / weights.sum()).cumsum()
        self.cdf /= self.cdf[-1]

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.cdf.searchsorted(rng.random(size), side="right").astype(np.int64)


# What `batches` gives every record alike; the fields it varies are computed in `blocks`.
PAGE_PROTOTYPE = Page(url="", status=200, outlink_count=LINKS_PER_PAGE, crawl_id="bench")
LINK_PROTOTYPE = OutLink(
    src_url="", dst_url="", section="main", dom_path="body>main>p>a", crawl_id="bench"
)


def blocks(links: int, seed: int = 7) -> Iterator[tuple[list[Any], list[Any]]]:
    """`batches`' graph, batch by batch, as Arrow arrays in PAGE_COLUMNS and LINK_COLUMNS
    order: the same rng draws and the same rows, built a column at a time (numpy and Arrow
    compute) instead of a record at a time, about 20 times faster. Equal to `arrow_arrays` of
    `batches`' records (tests/unit/test_bench_blocks.py), ready for `Store.insert_arrow`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(seed)
    domains = max(links // 100, 10)
    pages = max(links // LINKS_PER_PAGE, 1)
    per_batch = BATCH_LINKS // LINKS_PER_PAGE
    target_zipf, path_zipf = ZipfSampler(domains), ZipfSampler(1000, s=1.3)
    target_names = pa.array([f"target{d}.com" for d in range(domains)])
    path_names = pa.array([f"/p{p}" for p in range(1000)])
    anchors = pa.array([f"anchor {p}" for p in range(1000)])
    for first in range(0, pages, per_batch):
        count = min(per_batch, pages - first)
        size = count * LINKS_PER_PAGE
        # the draws in `batches`' order: targets, paths, internal, nofollow
        targets = target_zipf.draw(rng, size)
        paths = path_zipf.draw(rng, size)
        internal = rng.random(size) < 0.1
        nofollow = rng.random(size) < 0.15
        numbers = np.arange(first, first + count)
        sites = pa.array([f"site{n // PAGES_PER_SITE}.net" for n in numbers.tolist()])
        urls = pa.array(
            [f"https://site{n // PAGES_PER_SITE}.net/page{n % PAGES_PER_SITE}"
             for n in numbers.tolist()]
        )  # fmt: skip
        when = EPOCH + numbers
        page = {"url": urls, "host": sites, "domain": sites, "fetched_at": when,
                "title": pa.array([f"Page {n}" for n in numbers.tolist()])}  # fmt: skip
        of_page = np.repeat(np.arange(count), LINKS_PER_PAGE)
        src_site = sites.take(of_page)
        dom = pc.if_else(internal, src_site, target_names.take(targets))
        link = {
            "src_url": urls.take(of_page),
            "dst_url": pc.binary_join_element_wise("https://", dom, path_names.take(paths), ""),
            "anchor": anchors.take(paths),
            "rel": _rel_lists(nofollow),
            "ordinal": np.tile(np.arange(LINKS_PER_PAGE), count),
            "src_host": src_site,
            "src_domain": src_site,
            "dst_host": dom,
            "dst_domain": dom,
            "is_external": ~internal,
            "fetched_at": when[of_page],
        }
        yield (
            _arrays(PAGE_COLUMNS, page, PAGE_PROTOTYPE, count),
            _arrays(LINK_COLUMNS, link, LINK_PROTOTYPE, size),
        )


def _rel_lists(nofollow: np.ndarray) -> Any:
    """rel per link: ["nofollow"] where `nofollow`, else [] (Arrow list<string>)."""
    import pyarrow as pa

    offsets = np.zeros(len(nofollow) + 1, dtype=np.int32)
    np.cumsum(nofollow, out=offsets[1:])
    tokens = pa.repeat(pa.scalar("nofollow"), int(offsets[-1]))
    return pa.ListArray.from_arrays(pa.array(offsets), tokens)


def _arrays(
    columns: list[Column], varying: Mapping[str, Any], prototype: Any, size: int
) -> list[Any]:
    """One Arrow array per column: from `varying` (attribute -> values) through the column's
    getter, or the prototype's value repeated `size` times."""
    import pyarrow as pa

    out = []
    for _, type_, get in columns:
        if get.attr not in varying:  # one value, repeated by Arrow (not a list of `size`)
            value = arrow_array([get(prototype)], type_).take(np.zeros(size, dtype=np.int32))
        elif isinstance(get, Derived):
            value = _derived(get, varying[get.attr])
        else:
            value = varying[get.attr]
        out.append(value if isinstance(value, pa.Array) else arrow_array(value, type_))
    return out


def _derived(get: Derived, values: Any) -> Any:
    """`get` over a whole column, as pipelines._fastcolumns computes it per record."""
    import pyarrow.compute as pc

    if get.kind == "fetch_us":
        return np.rint(values * 1_000_000.0).astype(np.uint64)
    if get.kind == "seconds":
        return values.astype(np.uint32)  # positive: truncation is int()
    if get.kind == "has":  # any token of each list equal to get.arg
        found = pc.equal(values.flatten(), get.arg).to_numpy(zero_copy_only=False)
        hits = np.concatenate(([0], np.cumsum(found)))
        offsets = values.offsets.to_numpy()
        return hits[offsets[1:]] > hits[offsets[:-1]]
    raise ValueError(f"blocks cannot compute a {get.kind!r} column: add it to _derived")


def load_graph(store: Store, links: int, batches_per_insert: int = 1) -> tuple[int, float]:
    """`ingest`'s graph, from `blocks` through `Store.insert_arrow` (links, then pages, as
    `Store.insert` orders them), `batches_per_insert` batches concatenated per INSERT: the same
    rows and materialized views. Returns the link rows and the seconds spent inside
    `insert_arrow`."""
    rows, spent = 0, 0.0
    for pages, out in _grouped(blocks(links), batches_per_insert):
        start = time.perf_counter()
        store.insert_arrow("link_fetches", LINK_COLUMNS, out)
        store.insert_arrow("page_fetches", PAGE_COLUMNS, pages)
        spent += time.perf_counter() - start
        rows += len(out[0])
    return rows, spent


def _grouped(
    items: Iterator[tuple[list[Any], list[Any]]], size: int
) -> Iterator[tuple[list[Any], list[Any]]]:
    """(pages, links) blocks, `size` consecutive ones concatenated column by column."""
    import pyarrow as pa

    while chunk := list(islice(items, size)):
        if len(chunk) == 1:  # nothing to join: no copy
            yield chunk[0]
            continue
        pages, out = zip(*chunk, strict=True)
        yield (
            [pa.concat_arrays(list(column)) for column in zip(*pages, strict=True)],
            [pa.concat_arrays(list(column)) for column in zip(*out, strict=True)],
        )


# The materialized domain graph (migration 008): the `referring_domains` view's own aggregation,
# narrowed to one domain inside, so that clickhouse-server 18.16 (which does not push a WHERE into
# a view's GROUP BY) reads one range of domain_edges too.
REFERRING_DOMAINS = (
    "SELECT src_domain, uniqExactMerge(links_state) AS links, "
    "uniqExactIfMerge(dofollow_links_state) AS dofollow_links, "
    "minMerge(first_seen_state) AS first_seen, maxMerge(last_seen_state) AS last_seen "
    "FROM domain_edges WHERE dst_domain = {domain:String} "
    "GROUP BY src_domain ORDER BY links DESC, src_domain"
)


def timed(store: Store, name: str, params: dict[str, Any]) -> float:
    """Milliseconds to run the named query `name`, or the SQL text `name`."""
    start = time.perf_counter()
    if name.startswith("SELECT"):
        store.query(name, params)
    else:
        store.named(name, params)
    return (time.perf_counter() - start) * 1000


def latencies(store: Store, links: int, seed: int = 11) -> dict[str, float]:
    """p50 of the named queries over sampled target domains, and the most linked domain's."""
    domains = max(links // 100, 10)
    rng = np.random.default_rng(seed)
    picks = rng.choice(domains, min(QUERY_SAMPLES, domains), replace=False)  # small --links
    sample = [f"target{d}.com" for d in picks]
    for name in ("backlinks", "refdomains"):  # warm caches once, like a running service
        store.named(name, {"domain": sample[0]})
    back = [timed(store, "backlinks", {"domain": d}) for d in sample]
    refs = [timed(store, "refdomains", {"domain": d}) for d in sample]
    views = [timed(store, REFERRING_DOMAINS, {"domain": d}) for d in sample]
    gaps = [
        timed(
            store,
            "gap",
            {
                "domain": d,
                "competitors": [f"target{c}.com" for c in rng.choice(domains, 5, replace=False)],
                "min_k": 2,
            },
        )
        for d in sample
    ]
    return {
        "backlinks_p50_ms": round(statistics.median(back), 2),
        "refdomains_p50_ms": round(statistics.median(refs), 2),
        "gap_p50_ms": round(statistics.median(gaps), 2),
        "backlinks_top_ms": round(timed(store, "backlinks", {"domain": "target0.com"}), 2),
        "refdomains_top_ms": round(timed(store, "refdomains", {"domain": "target0.com"}), 2),
        "referring_domains_p50_ms": round(statistics.median(views), 2),
        "referring_domains_top_ms": round(
            timed(store, REFERRING_DOMAINS, {"domain": "target0.com"}), 2
        ),
    }


def run(links: int, target: str | None = None, seed: int = 11) -> dict[str, Any]:
    """Benchmark a fresh store at `target` (a chDB directory or clickhouse:// URL)."""
    load_start = os.getloadavg()[0]
    owned = tempfile.TemporaryDirectory(prefix="lg-bench-") if target is None else None
    store = open_store(owned.name if owned else str(target))
    try:
        store.migrate()
        rows, spent = load_graph(store, links)
        disk = store.query(
            "SELECT sum(bytes_on_disk) FROM system.parts "
            "WHERE database = currentDatabase() AND active"
        ).rows[0][0]
        return {
            "target": "chdb" if not str(target or "").startswith("clickhouse://") else "server",
            "version": store.version,
            "rows": rows,
            "ingest_rows_per_s": round(rows / spent),
            **latencies(store, links, seed),
            "bytes_on_disk": int(disk or 0),
            # other work on the same cores slows every figure: say how busy the machine was
            "load_avg_start": round(load_start, 2),
            "load_avg_end": round(os.getloadavg()[0], 2),
        }
    finally:
        store.close()
        if owned:
            owned.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--data", help="chDB data directory (default: a temporary one)")
    where.add_argument("--clickhouse", help="clickhouse://host:port/db")
    args = parser.parse_args()
    result = run(args.links, args.clickhouse or args.data)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>20}  {value}")


if __name__ == "__main__":
    main()
