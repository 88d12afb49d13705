"""Option groups shared by the `linkgraph` commands, each defined once.

- `connection`: where the data lives (--data, --clickhouse, --clickhouse-cluster; --redis for
  the frontier's commands) and --log-level; `settle_connection` folds the cluster into the URL;
- `output`: --format and --out (a .csv/.jsonl/.xlsx suffix picks the format);
- `target_mode`: --mode of the query commands (domain, host, prefix, exact);
- `paging`: --sort, --offset, --limit of the list commands;
- `workers`: what `crawl` and `worker` share (--workers, --proxy, --concurrency);
- `safety`: the safety policy, which `crawl` and `worker` take only from their own command
  line (--allow-private, --ignore-robots, --include, --exclude);
- `crawl_config`: the parsed options as a CrawlConfig, field by field;
- `keep`: --keep FILE of `toxicity` and `disavow` (domains and pages never scored toxic).

Defaults are CrawlConfig's, so the command line and the library cannot disagree.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from crawler import params, settings
from crawler.cli.output import FORMATS
from crawler.config import CrawlConfig
from crawler.errors import ConfigError, StoreError

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
        "--clickhouse-cluster",
        default="",
        type=params.identifier,
        metavar="NAME",
        help="the --clickhouse server's cluster (its <remote_servers> name): sharded, replicated "
        "tables, created ON CLUSTER (default: $LINKGRAPH_CLICKHOUSE_CLUSTER)",
    )
    group.add_argument(
        "--log-level",
        default="WARNING",
        type=params.log_level,
        choices=LOG_LEVELS,
        help="DEBUG, INFO, WARNING or ERROR, in any case (default: %(default)s)",
    )


def settle_connection(args: argparse.Namespace) -> None:
    """Fold --clickhouse-cluster (or LINKGRAPH_CLICKHOUSE_CLUSTER) into --clickhouse as
    ``?cluster=NAME``, so every command, the crawl's policy and its workers see one URL."""
    if "clickhouse_cluster" not in vars(args):
        return
    name = "LINKGRAPH_CLICKHOUSE_CLUSTER"
    given = {name: os.environ[name]} if name in os.environ else {}
    cluster = args.clickhouse_cluster or settings.from_environment(given).get(
        name, settings.LINKGRAPH_CLICKHOUSE_CLUSTER
    )
    if not cluster:
        return
    if not args.clickhouse:
        raise ConfigError(f"--clickhouse-cluster {cluster} needs --clickhouse URL (a node of it)")
    # imported here: the CLI's start-up (clickhouse_driver, numpy, pyarrow come with it)
    from pipelines.server_store import cluster_url

    try:
        args.clickhouse = cluster_url(args.clickhouse, cluster)
    except StoreError as exc:
        raise ConfigError(str(exc)) from exc


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


def target_mode(parser: argparse.ArgumentParser) -> None:
    """--mode: how much of the web DOMAIN covers (crawler/analysis/targets.py)."""
    parser.add_argument(
        "--mode",
        type=params.mode,
        metavar="MODE",
        help="domain (every URL of the registrable domain; the default for a domain, a host or "
        "a site's root), host (one host), prefix (URLs starting with the URL given) or exact "
        "(that URL); a URL with a path needs it",
    )


def paging(parser: argparse.ArgumentParser) -> None:
    """--sort, --offset, --limit of a list command (crawler/analysis/paging.py)."""
    group = parser.add_argument_group("sorting and paging")
    group.add_argument(
        "--sort",
        default="",
        metavar="COLUMNS",
        help="sort by these output columns, comma-separated, '-' before one for descending "
        "(--sort=-authority,src_url: with '=' when it starts with '-'); ties keep the command's "
        "order",
    )
    group.add_argument(
        "--offset", type=params.nonnegative, default=0, metavar="N", help="skip the first N rows"
    )
    group.add_argument("--limit", type=params.positive, metavar="N", help="at most N rows")


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


def keep(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="FILE",
        help="domains and pages never scored toxic nor disavowed: one per line, `domain:NAME` "
        "or a URL, `#` comments (the disavow file's format)",
    )
