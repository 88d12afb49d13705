"""`linkgraph worker --redis URL --clickhouse URL`: join a running crawl from any machine.

Works until the crawl's frontier is empty (exit 0), or holds only URLs of hosts paused past the
crawl's --pause-limit (exit 4); Ctrl-C or SIGTERM hands its leases back and exits 3 while the
crawl goes on.
"""

from __future__ import annotations

import argparse
import sys

from crawler.cli import options
from crawler.errors import ConfigError, CrawlDeferred, CrawlInterrupted


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "worker",
        help="join a running crawl (any machine)",
        description="Join the crawl running in --redis and work until its frontier is empty.",
    )
    options.connection(p, frontier=True)
    options.workers(p, "workers in this process")
    options.safety(p)
    p.add_argument(
        "--crawl-id",
        default="",
        metavar="ID",
        help="the crawl to join (default: the Redis's current crawl)",
    )
    p.add_argument("--worker-id", default="", metavar="NAME", help="this worker's name")
    p.set_defaults(func=_worker)


def _worker(args: argparse.Namespace) -> int:
    from crawler.frontier.queue import current_crawl
    from crawler.run.crawl import connect_redis, join_frontier, running_frontier_url
    from crawler.run.worker import WorkerPool
    from crawler.terminal import redacted

    # Without --redis: the embedded frontier running under --data (its URL holds a password).
    args.redis = args.redis or running_frontier_url(args.data)
    if not args.redis:
        raise ConfigError("worker needs --redis URL: the frontier of the crawl to join")
    client = connect_redis(args.redis)
    crawl_id = args.crawl_id or current_crawl(client)
    if not crawl_id:
        raise ConfigError(f"no crawl to join in {redacted(args.redis)}")
    config = options.crawl_config(args, crawl_id=crawl_id)
    frontier, meta = join_frontier(client, config)
    config.with_policy(meta)
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
    if frontier.done():
        return 0
    # Ended on hosts paused past --pause-limit (the crawl's), not stopped by a signal.
    return CrawlDeferred.exit_code if frontier.recorded_deferred() else CrawlInterrupted.exit_code
