"""Cluster store benchmark: one synthetic link graph (bench_store's) ingested into a 1-shard and
a 2-shard ClickHouse cluster (clickhouse-server + ZooKeeper on loopback, one replica per shard),
in one run: ingest rows/s and the named queries' p50, and on 2 shards the two insert paths.

    python -m bench.bench_cluster --links 1000000
    python -m bench.bench_cluster --links 10000000      # the issue's size (about an hour here)
    python -m bench cluster --quick                      # 50,000 links, from `make bench`

Insert paths, each timed around the whole write of a 50,000-link batch (as `Store.insert`):
- `distributed`: the store's own path, INSERT into the Distributed tables with
  insert_distributed_sync=1 (the initiator splits the block by cityHash64(src_url) and writes
  each part to its shard before it returns);
- `direct`: the client computes cityHash64(src_url) itself (clickhouse-cityhash, the server's
  CityHash 1.0.2) and writes each shard's rows straight to that shard's local tables, one
  connection per shard (the hashing and grouping are inside the timed span).
Both leave the same rows on the same shards (checked: per-shard counts agree). Needs Debian's
clickhouse-server and zookeeper (make test installs them); `direct` needs clickhouse-cityhash
(skipped, and said so, without it).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.bench_store import batches, latencies
from crawler.records import OutLink, Page
from pipelines.columns import LINK_COLUMNS, PAGE_COLUMNS
from pipelines.server_store import ServerStore
from tests.helpers.servers import ClickHouseCluster

ONE_SHARD = (("s1", "one-s1"),)
TWO_SHARDS = (("s1", "two-s1"), ("s2", "two-s2"))
Writer = Callable[[list[Page], list[OutLink]], None]


def ingest(links: int, write: Writer) -> tuple[int, float]:
    rows, spent = 0, 0.0
    for pages, out in batches(links):
        start = time.perf_counter()
        write(pages, out)
        spent += time.perf_counter() - start
        rows += len(out)
    return rows, spent


def direct_writer(store: ServerStore) -> tuple[Writer, list[ServerStore]]:
    """A writer sending each page's rows to its shard's local tables, as the Distributed table
    would (shard = cityHash64(url) modulo the shard count, weights 1), and the shard stores."""
    from clickhouse_cityhash.cityhash import CityHash64

    first: dict[int, tuple[str, int]] = {}
    for shard, host, port in store.nodes():  # one replica a shard: it replicates the rest
        first.setdefault(shard, (host, port))
    shards = [
        ServerStore(f"clickhouse://{host}:{port}/{store.database}")
        for _, (host, port) in sorted(first.items())
    ]

    def write(pages: list[Page], out: list[OutLink]) -> None:
        owner = {p.url: CityHash64(p.url.encode()) % len(shards) for p in pages}
        for index, shard in enumerate(shards):
            mine = [link for link in out if owner[link.src_url] == index]
            shard.insert_records("link_fetches_local", LINK_COLUMNS, mine)
            shard.insert_records("page_fetches_local", PAGE_COLUMNS,
                                 [p for p in pages if owner[p.url] == index])  # fmt: skip

    return write, shards


def shard_counts(store: ServerStore) -> list[int]:
    counts = []
    for _, host, port in store.nodes():
        node = ServerStore(f"clickhouse://{host}:{port}/{store.database}")
        counts.append(int(node.query("SELECT count() FROM link_fetches_local").rows[0][0]))
        node.close()
    return counts


def measure(cluster: ClickHouseCluster, database: str, links: int, direct: bool) -> dict[str, Any]:
    store = ServerStore(cluster.url_for(database) + f"?cluster={cluster.name}")
    shards: list[ServerStore] = []
    try:
        store.migrate()
        write: Writer = store.insert
        if direct:
            write, shards = direct_writer(store)
        load = os.getloadavg()[0]
        rows, spent = ingest(links, write)
        return {
            "shards": len(store.nodes()),
            "insert": "direct" if direct else "distributed",
            "rows": rows,
            "ingest_rows_per_s": round(rows / spent),
            "shard_rows": shard_counts(store),
            **latencies(store, links),
            "load_avg": round((load + os.getloadavg()[0]) / 2, 2),
        }
    finally:
        for shard in shards:
            shard.close()
        store.close()


def run(links: int) -> list[dict[str, Any]]:
    try:
        import clickhouse_cityhash  # noqa: F401
    except ImportError:
        direct = False
        print("clickhouse-cityhash is not installed: the direct insert path is not measured")
    else:
        direct = True
    results = []
    with tempfile.TemporaryDirectory(prefix="lg-bench-cluster-") as base:
        for name, topology in (("one", ONE_SHARD), ("two", TWO_SHARDS)):
            cluster = ClickHouseCluster(Path(base) / name, name=name, topology=topology).start()
            try:
                results.append(measure(cluster, "bench_d", links, direct=False))
                if direct and len(topology) > 1:
                    results.append(measure(cluster, "bench_l", links, direct=True))
            finally:
                cluster.stop()
    return results


def main(quick: bool = False) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=50_000 if quick else 1_000_000)
    parser.add_argument("--quick", action="store_true", help="50,000 links")
    args = parser.parse_args()
    results = run(50_000 if args.quick else args.links)
    for result in results:
        print(json.dumps(result))
    base = results[0]
    for result in results[1:]:
        ratio = result["ingest_rows_per_s"] / base["ingest_rows_per_s"]
        print(f"{result['shards']} shards, {result['insert']}: ingest x{ratio:.2f} of 1 shard")


if __name__ == "__main__":
    main()
