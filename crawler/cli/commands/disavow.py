"""`linkgraph disavow DOMAIN --min-score X --out F`: a Google disavow file from toxicity scores.

    linkgraph disavow example.com --min-score 40 --out disavow.txt

Lists `domain:` lines for every referring domain scoring X or more (its reasons as a `#`
comment above it), then the linking pages (full URLs) scoring X or more whose domain is not
listed, within Google's limits (UTF-8, 100,000 lines, 2 MB; see crawler.analysis.disavow).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crawler import params
from crawler.cli import options
from crawler.errors import ConfigError


def add_subcommand(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "disavow",
        help="write a Google disavow file for DOMAIN's toxic links",
        description="Write a disavow file: domains and linking pages whose toxicity score "
        "(linkgraph toxicity) is at least --min-score.",
    )
    p.add_argument("domain", metavar="DOMAIN", type=params.domain)
    p.add_argument(
        "--min-score", type=params.score, required=True, metavar="X", help="disavow scores >= X"
    )
    p.add_argument("--out", type=Path, metavar="FILE", help="write here, not to stdout")
    options.connection(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from crawler.analysis.disavow import disavow_text
    from crawler.analysis.queries import open_link_graph
    from crawler.analysis.toxicity import score_domain

    if args.min_score <= 0:
        raise ConfigError("--min-score must be above 0 and at most 100")
    store = open_link_graph(args.data, args.clickhouse)
    try:
        scores = score_domain(store, args.domain)
    finally:
        store.close()
    text, listed, pages = disavow_text(args.domain, scores.domains, scores.links, args.min_score)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {args.out}: {exc}") from exc
    print(f"disavow: {listed} domains and {pages} pages scoring >= {args.min_score:g} "
          f"written to {args.out}")  # fmt: skip
    return 0
