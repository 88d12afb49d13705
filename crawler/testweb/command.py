"""The `testweb` subcommand: serve the simulated web, write its ground truth, print its seeds.

linkgraph testweb serve --port 8080 --latency-ms 5 --log requests.jsonl
linkgraph testweb truth --sites 20 --pages-per-site 50 --seed 1 --out truth.jsonl
linkgraph testweb seeds > seeds.txt
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import TYPE_CHECKING, Any

from crawler.errors import ConfigError, LinkgraphError

if TYPE_CHECKING:
    from crawler.testweb.model import Web


def add_subcommand(subparsers: Any) -> argparse.ArgumentParser:
    """Add `testweb` (with serve, truth, seeds) to an argparse subparsers object."""
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--sites", type=int, default=20, help="number of sites (default 20)")
    shared.add_argument(
        "--pages-per-site", type=int, default=50, help="pages per site (default 50)"
    )
    shared.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    shared.add_argument(
        "--revision",
        type=int,
        default=0,
        help="a later edit of the same web: some links removed, anchors and rels changed, "
        "links to sites outside the web added (default 0, the original)",
    )
    shared.add_argument(
        "--fates",
        action="store_true",
        help="with --revision: each revision also fates some pages and backlinks (gone, "
        "failing, redirected, noindex, canonical elsewhere, moved, nofollow, ...)",
    )
    shared.add_argument(
        "--spam",
        action="store_true",
        help="plant a labelled spam network linking to the most popular sites "
        "(crawler/testweb/spam.py); the natural sites stay as without it",
    )
    shared.add_argument(
        "--contacts",
        action="store_true",
        help="every third site also has a contact page with mailto: links (for `contacts`)",
    )
    parser = subparsers.add_parser("testweb", help="a deterministic simulated web on loopback")
    actions = parser.add_subparsers(dest="testweb_action", required=True)
    serve = actions.add_parser("serve", parents=[shared], help="serve the web as HTTP proxy")
    serve.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    serve.add_argument("--latency-ms", type=float, default=0.0, help="delay of each answer")
    serve.add_argument("--log", default=None, help="append one JSON line per request to this file")
    truth = actions.add_parser(
        "truth", parents=[shared], help="write the ground truth (JSON lines)"
    )
    truth.add_argument("--out", default="-", help="output file (default: stdout)")
    actions.add_parser("seeds", parents=[shared], help="print each site's home page URL")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run a parsed `testweb` command; errors are printed as one line, never a traceback."""
    try:
        return _run(args)
    except LinkgraphError as exc:
        print(f"linkgraph testweb: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"linkgraph testweb: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
              file=sys.stderr)  # fmt: skip
        return 1


def _run(args: argparse.Namespace) -> int:
    # imported here: the CLI's start-up (every `linkgraph` command builds this parser)
    import asyncio

    from crawler.testweb.server import serve_until_signal
    from crawler.testweb.truth import write_truth

    web = _web(args)
    if args.testweb_action == "seeds":
        sys.stdout.writelines(site.home + "\n" for site in web.sites)
        return 0
    if args.testweb_action == "truth":
        if args.out == "-":
            write_truth(web, sys.stdout)
        else:
            with open(args.out, "w", encoding="utf-8") as out:
                write_truth(web, out)
        return 0
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be between 0 and 65535, not {args.port}")
    if args.latency_ms < 0:
        raise ConfigError(f"--latency-ms must not be negative, not {args.latency_ms}")
    with contextlib.suppress(KeyboardInterrupt):  # a Ctrl-C before the handlers are set
        asyncio.run(serve_until_signal(web, args.port, args.latency_ms, args.log))
    return 0


def _web(args: argparse.Namespace) -> Web:
    if args.sites < 1:
        raise ConfigError(f"--sites must be at least 1, not {args.sites}")
    if args.pages_per_site < 1:
        raise ConfigError(f"--pages-per-site must be at least 1, not {args.pages_per_site}")
    from crawler.testweb.model import build_web  # imported here: the CLI's start-up

    return build_web(
        args.sites,
        args.pages_per_site,
        args.seed,
        args.revision,
        args.fates,
        args.spam,
        args.contacts,
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m crawler.testweb ...`: the subcommand without the rest of the CLI."""
    parser = argparse.ArgumentParser(prog="linkgraph")
    add_subcommand(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["testweb", *(sys.argv[1:] if argv is None else argv)])
    return run(args)
