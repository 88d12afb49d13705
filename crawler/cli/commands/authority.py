"""`linkgraph authority`: the parser; the work is in crawler/analysis/authority_job.py.

Kept apart so that building the CLI (every command, every worker start) does not import numpy
and scipy.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from crawler.cli.app import connection_options


def add_subcommand(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "authority",
        help="score pages, hosts and domains (PageRank, harmonic, TrustRank)",
        description="Compute PageRank and harmonic centrality of the current link graph at "
        "page, host and domain level and store them in *_authority tables.",
    )
    connection_options(p)
    p.add_argument(
        "--trust-seeds",
        type=Path,
        metavar="FILE",
        help="trusted URLs or domains, one per line: also compute TrustRank",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from crawler.analysis.authority_job import run

    return run(args)
