"""The `linkgraph` command: thin, it parses options, calls the library and prints.

linkgraph crawl example.com --seeds-file seeds.txt --workers 2
linkgraph backlinks example.com --format csv --out backlinks.csv
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from crawler.cli.output import FORMATS, write_rows
from crawler.config import CrawlConfig
from crawler.errors import ConfigError, CrawlInterrupted, LinkgraphError
from pipelines.store import Store

DEFAULT_DATA = Path("linkgraph-data")

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(getattr(args, "log_level", "WARNING"))
    try:
        return int(args.func(args) or 0)
    except LinkgraphError as exc:
        # One line for the user; the causes (`raise ... from exc`) at --log-level DEBUG.
        log.debug("%s", type(exc).__name__, exc_info=True)
        print(f"linkgraph: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("linkgraph: interrupted", file=sys.stderr)
        return CrawlInterrupted.exit_code


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linkgraph", description="An open, self-hosted backlink index."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_crawl(sub)
    _add_worker(sub)
    _add_status(sub)
    _add_sql(sub)
    from crawler.cli.commands import add_all
    from crawler.testweb.command import add_subcommand

    add_subcommand(sub)
    add_all(sub)
    return parser


def connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        metavar="DIR",
        help="embedded mode's directory: Valkey frontier and chDB store "
        "(default: ./linkgraph-data)",
    )
    parser.add_argument(
        "--redis",
        default="",
        metavar="URL",
        help="an external Redis for the frontier, e.g. redis://host:6379/0",
    )
    parser.add_argument(
        "--clickhouse",
        default="",
        metavar="URL",
        help="an external ClickHouse for the store, clickhouse://host:9000/db",
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="default: WARNING",
    )


def _add_crawl(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "crawl",
        help="crawl seeds into the link graph",
        description="Crawl from seeds (URLs or bare domains) until the frontier "
        "is empty. With no seeds, resume the frontier's crawl.",
    )
    p.add_argument("seeds", nargs="*", metavar="SEED", help="a URL or a bare domain")
    p.add_argument("--seeds-file", type=Path, metavar="F", help="one seed per line, # comments")
    connection_options(p)
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="workers sharing the frontier (default 1)",
    )
    p.add_argument(
        "--scope",
        default="domain",
        choices=["host", "domain", "any"],
        help="follow links within the seeds' hosts, registrable domains (default), or anywhere",
    )
    p.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="REGEX",
        help="follow only URLs matching (repeatable)",
    )
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="REGEX",
        help="never follow URLs matching (repeatable)",
    )
    p.add_argument("--max-pages", type=int, default=0, metavar="N", help="stop after N fetches")
    p.add_argument(
        "--max-pages-per-host",
        type=int,
        default=0,
        metavar="N",
        help="fetch at most N pages of any one host (0: no limit)",
    )
    p.add_argument(
        "--max-depth",
        type=int,
        default=0,
        metavar="N",
        help="follow links at most N clicks from a seed (0: no limit)",
    )
    p.add_argument(
        "--sitemaps",
        action="store_true",
        help="also seed from the sitemaps each host's robots.txt lists",
    )
    p.add_argument(
        "--recrawl-after",
        default="",
        metavar="DURATION",
        help="re-queue pages the store last fetched longer ago than this (7d, 12h, 30m)",
    )
    _politeness_options(p)
    p.add_argument("--crawl-id", default="", metavar="ID", help="name the crawl (default: random)")
    p.set_defaults(func=_crawl)


def _politeness_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--proxy",
        default="",
        metavar="URL",
        help="fetch every URL through this HTTP proxy (trusted)",
    )
    p.add_argument(
        "--host-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="minimum seconds between request starts to one host, across all workers",
    )
    p.add_argument(
        "--host-concurrency",
        type=int,
        default=2,
        metavar="N",
        help="requests in flight per host, across all workers (default 2)",
    )
    p.add_argument(
        "--lease-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="a dead worker's requests return to the queue after this (default 60)",
    )
    p.add_argument(
        "--concurrency",
        type=int,
        default=32,
        metavar="N",
        help="requests in flight per worker (default 32)",
    )
    p.add_argument(
        "--max-page-bytes",
        type=int,
        default=10 * 1024 * 1024,
        metavar="N",
        help="drop larger responses (default 10 MiB)",
    )
    p.add_argument(
        "--allow-private",
        action="store_true",
        help="allow loopback and private addresses (intranets, tests)",
    )
    p.add_argument("--ignore-robots", action="store_true", help="do not obey robots.txt")


def _crawl(args: argparse.Namespace) -> int:
    from crawler.run.crawl import Crawl
    from crawler.scope.seeds import load_seeds

    seeds = load_seeds(args.seeds, args.seeds_file)
    config = CrawlConfig(
        seeds=seeds,
        data=args.data,
        redis=args.redis,
        clickhouse=args.clickhouse,
        workers=args.workers,
        scope=args.scope,
        include=args.include,
        exclude=args.exclude,
        max_pages=args.max_pages,
        max_pages_per_host=args.max_pages_per_host,
        max_depth=args.max_depth,
        sitemaps=args.sitemaps,
        recrawl_after=args.recrawl_after,
        proxy=args.proxy,
        host_delay=args.host_delay,
        host_concurrency=args.host_concurrency,
        lease_timeout=args.lease_timeout,
        obey_robots=not args.ignore_robots,
        allow_private=args.allow_private,
        max_page_bytes=args.max_page_bytes,
        crawl_id=args.crawl_id,
        concurrency=args.concurrency,
        log_level=args.log_level,
    )
    return Crawl(config.validate()).run()


def _add_worker(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "worker",
        help="join a running crawl (any machine)",
        description="Join the crawl running in --redis and work until its frontier is empty.",
    )
    connection_options(p)
    p.add_argument(
        "--crawl-id",
        default="",
        metavar="ID",
        help="the crawl to join (default: the Redis's current crawl)",
    )
    p.add_argument("--worker-id", default="", metavar="NAME", help="this worker's name")
    p.add_argument(
        "--workers", type=int, default=1, metavar="N", help="workers in this process (default 1)"
    )
    p.add_argument("--proxy", default="", metavar="URL", help="fetch through this HTTP proxy")
    p.add_argument(
        "--concurrency",
        type=int,
        default=32,
        metavar="N",
        help="requests in flight per worker (default 32)",
    )
    p.set_defaults(func=_worker)


def _worker(args: argparse.Namespace) -> int:
    from crawler.frontier.queue import current_crawl
    from crawler.run.crawl import connect_redis, open_frontier
    from crawler.run.worker import WorkerPool

    if not args.redis:
        raise ConfigError("worker needs --redis URL: the frontier of the crawl to join")
    client = connect_redis(args.redis)
    crawl_id = args.crawl_id or current_crawl(client)
    if not crawl_id:
        raise ConfigError(f"no crawl to join in {args.redis}")
    config = CrawlConfig(
        data=args.data,
        redis=args.redis,
        clickhouse=args.clickhouse,
        crawl_id=crawl_id,
        worker_id=args.worker_id,
        workers=args.workers,
        proxy=args.proxy,
        concurrency=args.concurrency,
        log_level=args.log_level,
    )
    config.with_policy(open_frontier(client, config).meta())
    config.validate()
    if not config.clickhouse:
        raise ConfigError(
            "this crawl stores into an embedded chDB directory, which only its "
            "own process may open; a worker elsewhere needs --clickhouse URL"
        )
    pool = WorkerPool(config, config.workers)
    pool.run()
    for crawler in pool.crawlers:
        scheduler = getattr(crawler, "frontier_scheduler", None)
        lost = scheduler.lost if scheduler is not None else None
        if lost:
            print(f"linkgraph: error: {lost}", file=sys.stderr)
            return 1
    return 0


def _add_status(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="a crawl's frontier: queued, leased, done, workers")
    connection_options(p)
    p.add_argument("--crawl-id", default="", metavar="ID", help="default: the current crawl")
    p.set_defaults(func=_status)


def _status(args: argparse.Namespace) -> int:
    from crawler.run.status import show_status

    return show_status(args.data, args.redis, args.crawl_id)


def output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", default="table", choices=FORMATS, help="default: table")
    parser.add_argument("--out", type=Path, metavar="FILE", help="write here, not to stdout")


def _add_sql(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sql",
        help="run any SQL against the link graph",
        description="Run any SQL against the link graph (tables: schema/README.md).",
    )
    p.add_argument("query", metavar="SQL")
    connection_options(p)
    output_options(p)
    p.set_defaults(func=_sql)


def open_query_store(args: argparse.Namespace) -> Store:
    """The store a query command reads: --clickhouse, or the embedded one under --data."""
    from pipelines.store import open_store

    if args.clickhouse:
        return open_store(args.clickhouse)
    path = args.data / "store"
    if not path.is_dir():
        raise ConfigError(f"no link graph at {args.data}: run `linkgraph crawl --data {args.data}`")
    return open_store(str(path.resolve()))


def _sql(args: argparse.Namespace) -> int:
    result = open_query_store(args).query(args.query)
    write_rows(result.columns, result.rows, args.format, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
