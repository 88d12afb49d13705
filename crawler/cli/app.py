"""The `linkgraph` command: thin, it parses options, calls the library and prints.

linkgraph crawl example.com --seeds-file seeds.txt --workers 2
linkgraph backlinks example.com --out backlinks.csv

Exit codes: 0 done, 1 a runtime error, 2 a usage error (argparse's and `UsageError`s),
3 an interrupted crawl (see crawler/errors.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from crawler import params
from crawler.cli import options
from crawler.cli.commands import add_all
from crawler.cli.output import pick_format
from crawler.cli.version import VersionAction
from crawler.errors import CrawlInterrupted, LinkgraphError

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    params.split_typed(vars(args))
    configure_logging(getattr(args, "log_level", "WARNING"))
    try:
        options.settle_connection(args)
        if "format" in vars(args) and "out" in vars(args):  # the output group: settle before work
            args.format = pick_format(args.format, args.out)
        return int(args.func(args) or 0)
    except LinkgraphError as exc:
        # One line for the user; the causes (`raise ... from exc`) at --log-level DEBUG.
        log.debug("%s", type(exc).__name__, exc_info=True)
        print(f"linkgraph: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("linkgraph: interrupted", file=sys.stderr)
        return CrawlInterrupted.exit_code
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as exc:
        # A path the command was given or derived from one, in the system's words; the
        # commands check their own paths first (crawler/datadir.py), this is the backstop.
        log.debug("%s", type(exc).__name__, exc_info=True)
        print(f"linkgraph: error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader left (`| head`): say so once, and keep the interpreter's exit flush from
        # raising again on the closed stdout (Python's docs, "Note on SIGPIPE").
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("linkgraph: error: output closed before the end (broken pipe)", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: the top-level options, then every registered command."""
    parser = argparse.ArgumentParser(
        prog="linkgraph", description="An open, self-hosted backlink index."
    )
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_all(sub)
    return parser


def configure_logging(level: str) -> None:
    """One handler on stderr at the chosen level (Scrapy is told not to install its own)."""
    handler = logging.StreamHandler()
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if level != "DEBUG":
        handler.addFilter(_quiet)
    logging.root.handlers[:] = [handler]
    logging.root.setLevel(level)


def _quiet(record: logging.LogRecord) -> bool:
    # A 5xx page after its retries is data (a pages row with its status, counted in the
    # stats), not an error line per URL; clickhouse-driver logs a traceback of its own before
    # our one-line StoreUnavailable. A filter on the handler, because Scrapy's logging setup
    # resets the levels of loggers.
    if record.name == "scrapy.downloadermiddlewares.retry":
        return record.levelno < logging.ERROR
    return not record.name.startswith("clickhouse_driver")


if __name__ == "__main__":
    sys.exit(main())
