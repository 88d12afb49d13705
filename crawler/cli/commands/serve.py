"""`linkgraph serve`: the HTTP API over the link graph, until SIGTERM (crawler.serve).

linkgraph serve --data linkgraph-data --port 8017
linkgraph serve --data linkgraph-data --crawl example.com --max-depth 3
linkgraph serve --clickhouse clickhouse://db:9000/linkgraph --host 0.0.0.0 --token-file t
linkgraph serve --data linkgraph-data --allow-crawl    # POST /api/v1/crawls starts one
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler import params, settings
from crawler.cli import options
from crawler.errors import ConfigError

if TYPE_CHECKING:
    from crawler.run.crawl import Crawl

# Set by the server for every crawl it runs (its store, frontier and log), or naming a file on
# the server's disk: an API client gives neither.
_SERVER_OPTIONS = frozenset({"data", "clickhouse", "clickhouse-cluster", "redis", "log-level"})
_SERVER_OPTIONS |= {"seeds-file", "help"}
# The SSRF guard stays on for a crawl an API call starts: the operator lifts it on the command
# line (`serve --crawl ... --allow-private`), not whoever can reach the port.
_COMMAND_LINE_ONLY = frozenset({"allow-private"})


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
    group.add_argument(
        "--allow-crawl",
        action="store_true",
        help="let the API start and stop crawls (POST /api/v1/crawls); without it the API is "
        "read-only and those calls get 403",
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
    parser = sub.choices["crawl"]
    crawl = None if args.crawl is None else _crawl(parser, args, args.crawl)
    make_crawl = functools.partial(_api_crawl, parser, args) if args.allow_crawl else None
    return run_server(config, on_ready=_announce, crawl=crawl, make_crawl=make_crawl)


def _crawl(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    words: list[str],
    seeds_after: tuple[str, ...] = (),
) -> Crawl:
    """`linkgraph crawl WORDS -- SEEDS_AFTER` on serve's store and frontier, checked now (a bad
    option fails before the server listens, or the API's call gets 400)."""
    from crawler.run.crawl import Crawl
    from crawler.scope.seeds import load_seeds

    # The server's own options last: argparse keeps an option's last value.
    argv = [*words, "--data", str(args.data), "--log-level", args.log_level]
    argv += ["--clickhouse", args.clickhouse] if args.clickhouse else []
    argv += ["--redis", args.redis] if args.redis else []
    argv += ["--", *seeds_after] if seeds_after else []
    crawl_args = parser.parse_args(argv)
    seeds = load_seeds(crawl_args.seeds, crawl_args.seeds_file)
    return Crawl(options.crawl_config(crawl_args, seeds=seeds).validate())


def _api_crawl(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    seeds: list[str],
    given: dict[str, Any],
) -> Crawl:
    """The crawl an API call asks for: `options` named as the crawl command's, without dashes.

    Each option is one `--name=value` word, so a value cannot pass for an option; seeds come
    after `--`, so a seed cannot either; the names are matched whole (argparse would take
    `--dat` for `--data`). A parse error raises ConfigError with argparse's message, never
    SystemExit in the server's thread.
    """
    known = {o[2:] for action in parser._actions for o in action.option_strings}
    words: list[str] = []
    for name, value in given.items():
        if name in _SERVER_OPTIONS or name not in known:
            raise ConfigError(f"unrecognized arguments: --{name}")
        if name in _COMMAND_LINE_ONLY:
            raise ConfigError(f"argument --{name}: only on the command line (serve --crawl)")
        words += _option_words(name, value)
    return _crawl(_raising(parser), args, words, tuple(seeds))


def _option_words(name: str, value: Any) -> list[str]:
    if value is True:
        return [f"--{name}"]
    if value is False or value is None:
        return []
    if isinstance(value, list):
        return [word for item in value for word in _option_words(name, item)]
    if isinstance(value, (str, int, float)):
        return [f"--{name}={value}"]
    raise ConfigError(f"argument --{name}: a string, number, true or a list, not {value!r}")


def _raising(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """`parser`, raising ConfigError where argparse would print and exit."""

    def error(message: str) -> Any:
        raise ConfigError(message)

    parser.error = error  # type: ignore[method-assign]
    return parser


def _announce(url: str) -> None:
    print(f"linkgraph: serving on {url}", file=sys.stderr, flush=True)
