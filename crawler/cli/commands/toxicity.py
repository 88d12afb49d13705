"""`linkgraph toxicity DOMAIN`: a spam score, with its reasons, per referring domain or link.

    linkgraph toxicity example.com --min-score 30 --out toxic.csv
    linkgraph toxicity example.com --links

The signals and their points are documented in `crawler.analysis.toxicity`; `low_authority` needs a
`linkgraph authority` run first (without one it is not checked, and a note says so).
"""

from __future__ import annotations

import argparse
import sys

from crawler import params
from crawler.cli import options
from crawler.cli.output import write_rows

DOMAIN_COLUMNS = ("ref_domain", "score", "links", "pages", "reasons")
LINK_COLUMNS = ("src_url", "src_domain", "dst_url", "anchor", "section", "score", "reasons")


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
    options.connection(p)
    options.output(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from crawler.analysis.queries import open_link_graph
    from crawler.analysis.toxicity import score_domain

    store = open_link_graph(args.data, args.clickhouse)
    try:
        scores = score_domain(store, args.domain)
    finally:
        store.close()
    if not scores.authority:
        print(
            "linkgraph: note: no `linkgraph authority` run yet: low_authority not checked",
            file=sys.stderr,
        )
    if args.links:
        chosen = sorted(
            (s for s in scores.links if s.score >= args.min_score),
            key=lambda s: (-s.score, s.src_url, s.dst_url),
        )
        rows = [
            (s.src_url, s.src_domain, s.dst_url, s.anchor, s.section, s.score, "; ".join(s.reasons))
            for s in chosen
        ]
        write_rows(LINK_COLUMNS, rows, args.format, args.out)
        return 0
    domain_rows = [
        (s.ref_domain, s.score, s.links, s.pages, "; ".join(s.reasons))
        for s in scores.domains
        if s.score >= args.min_score
    ]
    write_rows(DOMAIN_COLUMNS, domain_rows, args.format, args.out)
    return 0
