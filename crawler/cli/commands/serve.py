"""`linkgraph serve`: the HTTP API over the link graph, until SIGTERM (crawler.serve).

linkgraph serve --data linkgraph-data --port 8017
linkgraph serve --data linkgraph-data --crawl example.com --max-depth 3
linkgraph serve --clickhouse clickhouse://db:9000/linkgraph --host 0.0.0.0 --token-file t
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path

from crawler import params, settings
from crawler.cli import options


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="an HTTP API over the link graph, until SIGTERM")
    options.connection(p, frontier=True)
    group = p.add_argument_group("server")
    group.add_argument(
        "--host",
        default=settings.LINKGRAPH_SERVE_HOST,
        metavar="H",
        help="listen on this address (default %(default)s; any other needs --token-file)",
    )
    group.add_argument(
        "--port",
        type=params.port,
        default=settings.LINKGRAPH_SERVE_PORT,
        metavar="P",
        help="listen on this port (default %(default)s; 0: any free port)",
    )
    group.add_argument(
        "--token-file",
        type=Path,
        metavar="FILE",
        help="every request but /healthz needs `Authorization: Bearer` this file's first line",
    )
    group.add_argument(
        "--crawl",
        nargs=argparse.REMAINDER,
        metavar="SEED",
        help="last option: run `linkgraph crawl` with the rest of the line in this process, "
        "on the same store, while serving (no seeds: resume the frontier's crawl)",
    )
    # The registry's `crawl` parser reads --crawl's words (looked up when serve runs: commands
    # do not import each other).
    p.set_defaults(func=functools.partial(_serve, sub))


def _serve(sub: argparse._SubParsersAction, args: argparse.Namespace) -> int:
    from crawler.serve.server import ServeConfig, read_token, run_server

    token = read_token(args.token_file) if args.token_file else ""
    config = ServeConfig(
        data=args.data,
        clickhouse=args.clickhouse,
        redis=args.redis,
        host=args.host,
        port=args.port,
        token=token,
    )
    crawl = None if args.crawl is None else _crawl(sub.choices["crawl"], args)
    return run_server(config, on_ready=_announce, crawl=crawl)


def _crawl(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Callable[[], int]:
    """`linkgraph crawl` of the words after --crawl, on serve's store and frontier, checked now
    (a bad option fails before the server listens)."""
    from crawler.run.crawl import Crawl
    from crawler.scope.seeds import load_seeds

    argv = [*args.crawl, "--data", str(args.data), "--log-level", args.log_level]
    argv += ["--clickhouse", args.clickhouse] if args.clickhouse else []
    argv += ["--redis", args.redis] if args.redis else []
    crawl_args = parser.parse_args(argv)
    seeds = load_seeds(crawl_args.seeds, crawl_args.seeds_file)
    return Crawl(options.crawl_config(crawl_args, seeds=seeds).validate()).run


def _announce(url: str) -> None:
    print(f"linkgraph: serving on {url}", file=sys.stderr, flush=True)
