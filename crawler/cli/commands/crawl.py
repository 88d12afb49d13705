"""`linkgraph crawl SEED... [options]`: start a crawl, or resume the frontier's.

    linkgraph crawl example.com --seeds-file seeds.txt --workers 2 --max-depth 3

Runs until the frontier is empty (exit 0), or until its only work left is on hosts paused past
--pause-limit (exit 4: those URLs deferred); Ctrl-C or SIGTERM stops it cleanly (exit 3). The
same command, without seeds, resumes it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from crawler.cli import options
from crawler.cli.options import default


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "crawl",
        help="crawl seeds into the link graph",
        description="Crawl from seeds (URLs or bare domains) until the frontier "
        "is empty. With no seeds, resume the frontier's crawl.",
    )
    p.add_argument("seeds", nargs="*", metavar="SEED", help="a URL or a bare domain")
    p.add_argument("--seeds-file", type=Path, metavar="F", help="one seed per line, # comments")
    options.connection(p, frontier=True)
    options.workers(p, "workers sharing the frontier")
    _scope_options(p)
    _politeness_options(p)
    options.safety(p)
    p.add_argument("--crawl-id", default="", metavar="ID", help="name the crawl (default: random)")
    p.add_argument(
        "--frontier-shards",
        type=int,
        default=default("frontier_shards"),
        metavar="N",
        help="split the frontier into N shards (default: 1 on one Redis, 4 per cluster master)",
    )
    p.set_defaults(func=_crawl)


def _scope_options(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("scope")
    group.add_argument(
        "--scope",
        default=default("scope"),
        choices=["host", "domain", "any"],
        help="follow links within the seeds' hosts, registrable domains (default), or anywhere",
    )
    group.add_argument(
        "--max-pages",
        type=int,
        default=default("max_pages"),
        metavar="N",
        help="stop after N fetches",
    )
    group.add_argument(
        "--max-pages-per-host",
        type=int,
        default=default("max_pages_per_host"),
        metavar="N",
        help="fetch at most N pages of any one host (0: no limit)",
    )
    group.add_argument(
        "--max-depth",
        type=int,
        default=default("max_depth"),
        metavar="N",
        help="follow links at most N clicks from a seed (0: no limit)",
    )
    group.add_argument(
        "--sitemaps",
        action="store_true",
        help="also seed from the sitemaps each host's robots.txt lists",
    )
    group.add_argument(
        "--recrawl-after",
        default="",
        metavar="DURATION",
        help="re-queue pages the store last fetched longer ago than this (7d, 12h, 30m)",
    )


def _politeness_options(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("politeness and limits")
    group.add_argument(
        "--host-delay",
        type=float,
        default=default("host_delay"),
        metavar="SECONDS",
        help="minimum seconds between request starts to one host, across all workers",
    )
    group.add_argument(
        "--host-concurrency",
        type=int,
        default=default("host_concurrency"),
        metavar="N",
        help="requests in flight per host, across all workers (default %(default)s)",
    )
    group.add_argument(
        "--lease-timeout",
        type=float,
        default=default("lease_timeout"),
        metavar="SECONDS",
        help="a dead worker's requests return to the queue after this (default %(default)g)",
    )
    group.add_argument(
        "--pause-limit",
        type=float,
        default=default("pause_limit"),
        metavar="SECONDS",
        help="end when the only work left is on hosts paused longer than this; a resume "
        "retries them (default %(default)g; 0: wait for every pause)",
    )
    group.add_argument(
        "--max-page-bytes",
        type=int,
        default=default("max_page_bytes"),
        metavar="N",
        help="drop larger responses (default %(default)s bytes)",
    )
    group.add_argument(
        "--max-links-per-page",
        type=int,
        default=default("max_links_per_page"),
        metavar="N",
        help="keep a page's first N links, count the rest (default %(default)s; 0: all)",
    )


def _crawl(args: argparse.Namespace) -> int:
    from crawler.run.crawl import Crawl
    from crawler.scope.seeds import load_seeds

    seeds = load_seeds(args.seeds, args.seeds_file)
    config = options.crawl_config(args, seeds=seeds).validate()
    return Crawl(config, named=bool(args.crawl_id)).run()
