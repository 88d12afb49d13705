"""`linkgraph watch add|list|remove|run`: watched targets, recrawled and reported on a schedule.

    linkgraph watch add example.com --every 1d --webhook https://hooks.example/lg --out a.jsonl
    linkgraph watch list
    linkgraph watch run            # once, for cron; --loop: until stopped
    linkgraph watch remove 1

The watches and the outbox of undelivered alerts live under --data (crawler/monitor/).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from crawler import params
from crawler.cli import options
from crawler.cli.output import write_rows
from crawler.errors import ConfigError, WatchError

log = logging.getLogger(__name__)

_LIST_COLUMNS = ("id", "target", "mode", "every", "webhook", "out", "checked_until")


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "watch",
        help="watch targets: recrawl them on a schedule, send their new and lost backlinks",
        description="Watched targets: `watch run` recrawls what is due and sends each target's "
        "new, lost (with reasons) and changed backlinks to its webhook and/or file.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    _add_add(actions)
    _add_list(actions)
    _add_remove(actions)
    _add_run(actions)


def _add_add(actions: argparse._SubParsersAction) -> None:
    p = actions.add_parser("add", help="watch TARGET (a domain, host, URL prefix or URL)")
    p.add_argument("target", metavar="TARGET", help="a domain, host or URL, as the queries take")
    options.target_mode(p)
    p.add_argument(
        "--every",
        required=True,
        metavar="DURATION",
        help="check it this often: a number and its unit (30m, 12h, 1d, 1w)",
    )
    p.add_argument("--webhook", default="", metavar="URL", help="POST each alert's JSON here")
    p.add_argument("--out", type=Path, metavar="FILE", help="append each alert as a JSON line")
    options.connection(p)
    p.set_defaults(func=_add)


def _add_list(actions: argparse._SubParsersAction) -> None:
    p = actions.add_parser("list", help="the watched targets")
    options.connection(p)
    options.output(p)
    p.set_defaults(func=_list)


def _add_remove(actions: argparse._SubParsersAction) -> None:
    p = actions.add_parser("remove", help="stop watching (its undelivered alerts still go)")
    p.add_argument("id", metavar="ID", type=int, help="the watch's id (`watch list`)")
    options.connection(p)
    p.set_defaults(func=_remove)


def _add_run(actions: argparse._SubParsersAction) -> None:
    p = actions.add_parser("run", help="recrawl what is due and send the alerts (once)")
    p.add_argument("--loop", action="store_true", help="run again whenever a watch is due")
    options.connection(p, frontier=True)
    options.workers(p, "workers of the recrawl")
    options.safety(p)
    p.set_defaults(func=_run)


def _add(args: argparse.Namespace) -> int:
    from crawler.analysis.targets import resolve_target
    from crawler.config import parse_duration
    from crawler.monitor.watchlist import WatchList

    target = resolve_target(args.target, args.mode)
    parse_duration("--every", args.every)
    webhook = _webhook(args.webhook)
    out = str(args.out.resolve()) if args.out else ""
    if args.out and not args.out.resolve().parent.is_dir():
        raise ConfigError(f"--out {args.out}: no such directory")
    watch = WatchList(_data(args)).add(
        target.value, target.mode, args.every, webhook=webhook, out=out
    )
    print(f"watch {watch.id}: {watch.target} (--mode {watch.mode}) every {watch.every}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from crawler.monitor.watchlist import WatchList

    watches = WatchList(_data(args)).watches()
    rows = [(*(getattr(w, c) for c in _LIST_COLUMNS[:-1]), _utc(w.checked_until)) for w in watches]
    write_rows(_LIST_COLUMNS, rows, args.format, args.out, raw=args.raw)
    return 0


def _remove(args: argparse.Namespace) -> int:
    from crawler.monitor.watchlist import WatchList

    watch = WatchList(_data(args)).remove(args.id)
    print(f"watch {watch.id} removed: {watch.target}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from crawler.monitor.watcher import Watcher

    watcher = Watcher(_data(args), args.clickhouse, crawl_options=_crawl_options(args))
    while True:
        undelivered = watcher.round()
        for miss in undelivered:
            print(
                f"watch: alert {miss.alert_id} kept in the outbox ({miss.channel}: {miss.reason})",
                file=sys.stderr,
            )
        if not args.loop:
            break
        time.sleep(watcher.next_wake())
    if undelivered:
        raise WatchError(f"{len(undelivered)} alert(s) undelivered; the next run sends them")
    return 0


def _utc(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _data(args: argparse.Namespace) -> Path:
    from crawler import datadir

    return datadir.prepare(args.data)


def _webhook(text: str) -> str:
    try:
        return params.server_url("http", "https")(text)
    except argparse.ArgumentTypeError as exc:
        raise ConfigError(f"--webhook: {exc}") from exc


def _crawl_options(args: argparse.Namespace) -> list[str]:
    """The recrawl's command line: where the crawl lives, its workers, its safety policy."""
    words = ["--workers", str(args.workers), "--concurrency", str(args.concurrency)]
    words += ["--log-level", args.log_level]
    words += ["--redis", args.redis] if args.redis else []
    words += ["--clickhouse", args.clickhouse] if args.clickhouse else []
    words += ["--proxy", args.proxy] if args.proxy else []
    from crawler.config import CrawlConfig

    policy = CrawlConfig(
        allow_private=args.allow_private,
        obey_robots=args.obey_robots,
        include=list(args.include),
        exclude=list(args.exclude),
    )
    return words + policy.safety_args()
