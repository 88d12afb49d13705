"""`linkgraph serve`: the HTTP API over the link graph, until SIGTERM (crawler.serve).

linkgraph serve --data linkgraph-data --port 8017
linkgraph serve --clickhouse clickhouse://db:9000/linkgraph --host 0.0.0.0 --token-file t
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crawler import params, settings
from crawler.cli import options


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="an HTTP API over the link graph, until SIGTERM")
    options.connection(p)
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
    p.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    from crawler.serve.server import ServeConfig, read_token, run_server

    token = read_token(args.token_file) if args.token_file else ""
    config = ServeConfig(
        data=args.data, clickhouse=args.clickhouse, host=args.host, port=args.port, token=token
    )
    run_server(config, on_ready=_announce)
    return 0


def _announce(url: str) -> None:
    print(f"linkgraph: serving on {url}", file=sys.stderr, flush=True)
