"""`linkgraph status`: a crawl's frontier: queued, leased, done, workers (crawler.run.status)."""

from __future__ import annotations

import argparse

from crawler.cli import options


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="a crawl's frontier: queued, leased, done, workers")
    options.connection(p, frontier=True)
    p.add_argument("--crawl-id", default="", metavar="ID", help="default: the current crawl")
    p.set_defaults(func=_status)


def _status(args: argparse.Namespace) -> int:
    from crawler.run.status import show_status

    return show_status(args.data, args.redis, args.crawl_id)
