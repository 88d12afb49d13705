"""`linkgraph bench store`: the store benchmark (bench/bench_store.py) from the CLI.

    linkgraph bench store --links 10000000 --json --data /tmp/lg-bench
    linkgraph bench store --links 1000000 --json --clickhouse clickhouse://127.0.0.1:9000/bench

Prints one JSON line (--json) or one metric a line: ingest_rows_per_s, backlinks_p50_ms,
refdomains_p50_ms, gap_p50_ms, rows, bytes_on_disk and a few more.
"""

from __future__ import annotations

import argparse
import json

from crawler import params


def add_subcommand(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="run a benchmark (store)")
    kinds = parser.add_subparsers(dest="bench", required=True, metavar="BENCH")
    store = kinds.add_parser(
        "store", help="ingest a synthetic link graph into a fresh store, time the named queries"
    )
    store.add_argument(
        "--links", type=params.positive, default=1_000_000, help="link rows (default 1M)"
    )
    store.add_argument("--json", action="store_true", help="print one JSON line")
    where = store.add_mutually_exclusive_group()
    where.add_argument("--data", metavar="DIR", help="chDB data directory (default: temporary)")
    where.add_argument("--clickhouse", metavar="URL", help="clickhouse://host:port/db")
    store.set_defaults(func=_store)


def _store(args: argparse.Namespace) -> int:
    from bench.bench_store import run

    result = run(args.links, args.clickhouse or args.data)
    if args.json:
        print(json.dumps(result), flush=True)
    else:
        for key, value in result.items():
            print(f"{key:>20}  {value}")
    return 0
