"""`linkgraph toxicity DOMAIN`: a spam score, with its reasons, per referring domain or link.

    linkgraph toxicity example.com --min-score 30 --out toxic.csv
    linkgraph toxicity example.com --links
    linkgraph toxicity example.com --keep partners.txt

The signals and their points are documented in `crawler.analysis.toxicity`; `low_authority` needs a
`linkgraph authority` run first (without one it is not checked, and a note says so).
"""

from __future__ import annotations

import argparse
import sys

from crawler import params
from crawler.cli import options
from crawler.cli.output import write_rows


def add_subcommand(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "toxicity",
        help="spam score and reasons per referring domain (or link) of DOMAIN",
        description="Score every domain linking to DOMAIN (or every link, with --links) from "
        "documented signals; each row lists the reasons and their points.",
    )
    p.add_argument("domain", metavar="DOMAIN", type=params.domain)
    p.add_argument("--links", action="store_true", help="one row per link, not per domain")
    p.add_argument(
        "--min-score",
        type=params.score,
        default=0.0,
        metavar="X",
        help="only rows scoring X or more",
    )
    options.keep(p)
    options.connection(p)
    options.output(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from crawler.analysis.disavow import apply_keep, read_disavow
    from crawler.analysis.queries import open_link_graph
    from crawler.analysis.toxicity import score_domain, toxicity_rows

    keep = read_disavow(args.keep, "keep") if args.keep else None
    store = open_link_graph(args.data, args.clickhouse)
    try:
        scores = apply_keep(score_domain(store, args.domain), keep)
    finally:
        store.close()
    if not scores.authority:
        print(
            "linkgraph: note: no `linkgraph authority` run yet: low_authority not checked",
            file=sys.stderr,
        )
    columns, rows = toxicity_rows(scores, links=args.links, min_score=args.min_score)
    write_rows(columns, rows, args.format, args.out, raw=args.raw)
    return 0
