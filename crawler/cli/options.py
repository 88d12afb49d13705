"""Option groups shared by the `linkgraph` commands, each defined once.

- `connection`: where the data lives (--data, --clickhouse; --redis for the frontier's
  commands) and --log-level;
- `output`: --format and --out (a .csv/.jsonl/.xlsx suffix picks the format);
- `workers`: what `crawl` and `worker` share (--workers, --proxy, --concurrency);
- `safety`: the safety policy, which `crawl` and `worker` take only from their own command
  line (--allow-private, --ignore-robots, --include, --exclude);
- `crawl_config`: the parsed options as a CrawlConfig, field by field.

Defaults are CrawlConfig's, so the command line and the library cannot disagree.
"""

from __future__ import annotations

import argparse
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from crawler import params
from crawler.cli.output import FORMATS
from crawler.config import CrawlConfig

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def default(name: str) -> Any:
    """CrawlConfig's default of one field."""
    for field in fields(CrawlConfig):
        if field.name != name:
            continue
        if field.default_factory is not MISSING:
            return field.default_factory()
        return field.default
    raise KeyError(name)


def connection(parser: argparse.ArgumentParser, *, frontier: bool = False) -> None:
    """--data, --clickhouse (and --redis for the commands that reach the frontier), --log-level."""
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--data",
        type=Path,
        default=default("data"),
        metavar="DIR",
        help="embedded mode's directory: Valkey frontier and chDB store (default: ./%(default)s)",
    )
    if frontier:
        group.add_argument(
            "--redis",
            default="",
            type=params.server_url("redis", "rediss", "unix"),
            metavar="URL",
            help="an external Redis for the frontier, e.g. redis://host:6379/0",
        )
    group.add_argument(
        "--clickhouse",
        default="",
        type=params.server_url("clickhouse"),
        metavar="URL",
        help="an external ClickHouse for the store, clickhouse://host:9000/db",
    )
    group.add_argument(
        "--log-level",
        default="WARNING",
        type=params.log_level,
        choices=LOG_LEVELS,
        help="DEBUG, INFO, WARNING or ERROR, in any case (default: %(default)s)",
    )


def output(parser: argparse.ArgumentParser) -> None:
    """--format and --out; `crawler.cli.output.pick_format` settles the two together."""
    group = parser.add_argument_group("output")
    group.add_argument(
        "--format",
        choices=FORMATS,
        help="default: from the --out suffix (.csv, .jsonl, .xlsx), else table",
    )
    group.add_argument("--out", type=Path, metavar="FILE", help="write here, not to stdout")
    group.add_argument(
        "--raw",
        action="store_true",
        help="CSV: write cells as stored, without the apostrophe that keeps a spreadsheet from "
        "running a crawled '=...' as a formula (for programs)",
    )


def workers(parser: argparse.ArgumentParser, workers_help: str) -> None:
    """The options of a process running workers: `crawl` and `worker`."""
    group = parser.add_argument_group("workers")
    group.add_argument(
        "--workers",
        type=int,
        default=default("workers"),
        metavar="N",
        help=f"{workers_help} (default %(default)s)",
    )
    group.add_argument(
        "--proxy",
        default=default("proxy"),
        metavar="URL",
        help="fetch every URL through this HTTP proxy (trusted)",
    )
    group.add_argument(
        "--concurrency",
        type=int,
        default=default("concurrency"),
        metavar="N",
        help="requests in flight per worker (default %(default)s)",
    )


def crawl_config(args: argparse.Namespace, **values: Any) -> CrawlConfig:
    """A CrawlConfig of every field the command line gave, then `values` (already parsed)."""
    given = vars(args)
    chosen = {f.name: given[f.name] for f in fields(CrawlConfig) if f.name in given}
    return CrawlConfig(**{**chosen, **values})


def safety(parser: argparse.ArgumentParser) -> None:
    """The safety policy: never read from the frontier, whose meta anyone reaching Redis can
    write; a resume or a worker gives it again, and a mismatch with the crawl's is refused."""
    group = parser.add_argument_group("safety (given again on resume and to every worker)")
    group.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="REGEX",
        help="follow only URLs matching (repeatable)",
    )
    group.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="REGEX",
        help="never follow URLs matching (repeatable)",
    )
    group.add_argument(
        "--allow-private",
        action="store_true",
        help="allow loopback and private addresses (intranets, tests)",
    )
    group.add_argument(
        "--ignore-robots",
        dest="obey_robots",
        action="store_false",
        help="do not obey robots.txt",
    )
