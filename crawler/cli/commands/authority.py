"""`linkgraph authority [--trust-seeds FILE]`: score pages, hosts and domains of the link graph.

The work is `crawler.analysis.authority_job`, imported by the handler: building the CLI (every
command, every worker start) does not import numpy and scipy.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

from crawler.cli import options


def add_subcommand(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "authority",
        help="score pages, hosts and domains (PageRank, harmonic, TrustRank)",
        description="Compute PageRank and harmonic centrality of the current link graph at "
        "page, host and domain level and store them in *_authority tables.",
    )
    options.connection(p)
    p.add_argument(
        "--trust-seeds",
        type=Path,
        metavar="FILE",
        help="trusted URLs or domains, one per line: also compute TrustRank",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from crawler.analysis.authority_job import read_trust_seeds, run_authority
    from crawler.analysis.queries import open_link_graph

    seeds = read_trust_seeds(args.trust_seeds) if args.trust_seeds else None
    started = time.monotonic()
    store = open_link_graph(args.data, args.clickhouse)
    try:
        done = run_authority(store, seeds)
    finally:
        store.close()
    when = datetime.fromtimestamp(done.computed_at, UTC).isoformat(sep=" ")
    print(
        f"authority: {done.pages:,} pages, {done.hosts:,} hosts, {done.domains:,} domains "
        f"from {done.links:,} links{' with TrustRank' if done.trustrank else ''}; "
        f"computed_at {when} in {time.monotonic() - started:.1f} s"
    )
    return 0
