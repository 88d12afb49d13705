"""The query commands: backlinks, refdomains, local, anchors, gap, broken, changes, velocity,
top-pages, linked-domains, ips, contacts.

Each runs one named query of schema/queries/ (the file name is in its help) with the
parameters `crawler.analysis.queries` builds, and writes the rows (--format, --out). Domains
are reduced to their registrable domain; dates are UTC, `YYYY-MM-DD` or ISO 8601.

    linkgraph backlinks example.com --dofollow --section main --new-since 2026-03-01
    linkgraph gap example.com --vs rival.com --vs other.co.uk --min 2 --exclude-disavow d.txt
    linkgraph broken example.com --prospects --vs rival.com --out prospects.xlsx
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from crawler import params
from crawler.cli import options
from crawler.cli.output import write_rows
from crawler.records import KINDS, SECTIONS

if TYPE_CHECKING:
    from crawler.analysis.targets import Target
    from pipelines.store import Store

T = TypeVar("T")


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    _add_backlinks(sub)
    _add_refdomains(sub)
    _add_local(sub)
    _add_anchors(sub)
    _add_gap(sub)
    _add_broken(sub)
    _add_changes(sub)
    _add_velocity(sub)
    _add_profile(sub)


def _parser(sub: argparse._SubParsersAction, name: str, help_text: str, query: str) -> Any:
    p = sub.add_parser(
        name,
        help=help_text,
        description=f"{help_text[0].upper()}{help_text[1:]}. Named query: schema/queries/{query}.",
    )
    p.add_argument("domain", metavar="DOMAIN", type=params.domain)
    options.target_mode(p)
    options.paging(p)
    options.connection(p)
    options.output(p)
    return p


def _write(args: argparse.Namespace, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """The rows sorted and paged (--sort, --offset, --limit), written (--format, --out)."""
    from crawler.analysis.paging import page_rows

    page = page_rows(columns, rows, sort=args.sort, offset=args.offset, limit=args.limit)
    write_rows(columns, page, args.format, args.out, raw=args.raw)


def _target(args: argparse.Namespace) -> Target:
    """The target DOMAIN and --mode name, said on stderr (a path is never silently widened)."""
    from crawler.analysis.targets import resolve_target

    target = resolve_target(getattr(args, "typed", args.domain), args.mode)
    print(target.describe(), file=sys.stderr)
    return target


def _reading(args: argparse.Namespace, read: Callable[[Store], T]) -> T:
    """`read(store)` on the store the options name (closed after)."""
    from crawler.analysis.queries import open_link_graph

    store = open_link_graph(args.data, args.clickhouse)
    try:
        return read(store)
    finally:
        store.close()


def _run(args: argparse.Namespace, name: str, params: dict[str, Any]) -> Any:
    """The named query's rows, from the store the options name (closed after)."""
    from crawler.analysis.queries import run_named

    return _reading(args, lambda store: run_named(store, name, params))


def _competitors(p: argparse.ArgumentParser, help_text: str, *, required: bool) -> None:
    p.add_argument(
        "--vs",
        action="append",
        default=None if required else [],
        required=required,
        type=params.domain,
        metavar="COMPETITOR",
        help=help_text,
    )


# -- backlinks --------------------------------------------------------------------------------


def _add_backlinks(sub: argparse._SubParsersAction) -> None:
    p = _parser(sub, "backlinks", "links from other domains to DOMAIN", "backlinks_report.sql")
    p.add_argument(
        "--dofollow",
        action="store_true",
        help="only links without nofollow/ugc/sponsored on pages that did not say nofollow",
    )
    p.add_argument("--rel", default="", metavar="TOKEN", help="only links with this rel token")
    p.add_argument(
        "--section",
        default="",
        choices=["", *SECTIONS],
        metavar="S",
        help="header, nav, main, aside, footer, comment or unknown",
    )
    p.add_argument(
        "--kind",
        default="",
        choices=["", *KINDS],
        metavar="K",
        help="a, area, frame, canonical, alternate, redirect, refresh",
    )
    p.add_argument(
        "--anchor-contains",
        default="",
        metavar="TEXT",
        help="anchor text contains TEXT (case-insensitive)",
    )
    p.add_argument(
        "--min-authority",
        type=params.score,
        default=0.0,
        metavar="X",
        help="source domain authority at least X (0-100, `linkgraph authority`)",
    )
    p.add_argument(
        "--country",
        type=params.country,
        default="",
        metavar="XX",
        help="source domain's country (ISO code, see `linkgraph local`)",
    )
    p.add_argument(
        "--new-since",
        type=params.date,
        metavar="DATE",
        help="live links first seen at or after DATE",
    )
    p.add_argument(
        "--lost-since",
        type=params.date,
        metavar="DATE",
        help="links lost at or after DATE (with --new-since: both)",
    )
    p.add_argument(
        "--one-per-domain", action="store_true", help="one link per source domain (its first row)"
    )
    p.set_defaults(func=_backlinks)


def _backlinks(args: argparse.Namespace) -> int:
    from crawler.analysis.paging import sql_limit
    from crawler.analysis.queries import backlinks_params, has_authority, with_target
    from crawler.analysis.shortlist import backlinks_page

    target = _target(args)
    params = backlinks_params(
        args.domain,
        dofollow=args.dofollow,
        rel=args.rel,
        section=args.section,
        kind=args.kind,
        anchor_contains=args.anchor_contains,
        min_authority=args.min_authority,
        country=args.country,
        new_since=args.new_since,
        lost_since=args.lost_since,
        one_per_domain=args.one_per_domain,
        limit=sql_limit(args.sort, args.offset, args.limit),
    )
    params = with_target(params, target)
    result, scored = _reading(
        args,
        lambda store: (
            backlinks_page(store, params),
            args.min_authority <= 0 or has_authority(store),
        ),
    )
    if not scored:
        print(
            "linkgraph: warning: no authority scores yet (run `linkgraph authority`): "
            "every domain counts as 0",
            file=sys.stderr,
        )
    _write(args, result.columns, result.rows)
    return 0


# -- refdomains and local ---------------------------------------------------------------------


def _add_refdomains(sub: argparse._SubParsersAction) -> None:
    p = _parser(
        sub, "refdomains", "domains linking to DOMAIN, with link counts", "refdomains_report.sql"
    )
    p.add_argument(
        "--country",
        type=params.country,
        default="",
        metavar="XX",
        help="only referring domains of this country (see `linkgraph local`)",
    )
    p.set_defaults(func=_refdomains)


def _refdomains(args: argparse.Namespace) -> int:
    from crawler.analysis.queries import with_target
    from crawler.analysis.refdomains import refdomains_need, refdomains_page

    params = with_target({"domain": args.domain, "country": args.country}, _target(args))
    need = refdomains_need(args.sort, args.offset, args.limit)
    result = _reading(args, lambda store: refdomains_page(store, params, need))
    _write(args, result.columns, result.rows)
    return 0


def _add_local(sub: argparse._SubParsersAction) -> None:
    p = _parser(
        sub,
        "local",
        "the country of each domain linking to DOMAIN, from its ccTLD and its pages' language",
        "refdomains_report.sql",
    )
    p.add_argument(
        "--country",
        type=params.country,
        default="",
        metavar="XX",
        help="only this country (ISO 3166 alpha-2, e.g. DE; UK means GB)",
    )
    p.set_defaults(func=_local)


def _local(args: argparse.Namespace) -> int:
    from crawler.analysis.queries import LOCAL_COLUMNS, local_rows, with_target

    params = with_target({"domain": args.domain, "country": args.country}, _target(args))
    result = _run(args, "refdomains_report", params)
    _write(args, LOCAL_COLUMNS, local_rows(result))
    return 0


# -- anchors ----------------------------------------------------------------------------------


def _add_anchors(sub: argparse._SubParsersAction) -> None:
    p = _parser(sub, "anchors", "anchor text distribution of DOMAIN's backlinks", "anchors.sql")
    p.add_argument(
        "--keywords",
        action="append",
        default=[],
        metavar="TERMS",
        help="exact-match terms, comma-separated (repeatable)",
    )
    p.set_defaults(func=_anchors)


def _anchors(args: argparse.Namespace) -> int:
    from crawler.analysis.queries import (
        EXACT_MATCH_WARNING,
        anchor_summary,
        keywords_param,
        with_target,
    )

    keywords = keywords_param(args.keywords)
    params = with_target({"domain": args.domain, "keywords": keywords}, _target(args))
    result = _run(args, "anchors", params)
    _write(args, result.columns, result.rows)
    shares = anchor_summary(result.columns, result.rows)
    print("anchor types: " + ", ".join(f"{k} {v:.1%}" for k, v in shares.items()), file=sys.stderr)
    if shares["exact"] > EXACT_MATCH_WARNING:
        print(
            f"linkgraph: warning: exact-match anchors are {shares['exact']:.1%} of "
            f"{args.domain}'s backlinks (over {EXACT_MATCH_WARNING:.0%}): an unnatural "
            "profile that search engines may treat as manipulative",
            file=sys.stderr,
        )
    elif not keywords:
        print("linkgraph: no --keywords given: no anchor counts as exact-match", file=sys.stderr)
    return 0


# -- gap and broken ---------------------------------------------------------------------------


def _add_gap(sub: argparse._SubParsersAction) -> None:
    p = _parser(
        sub,
        "gap",
        "domains linking to at least K competitors and never to DOMAIN",
        "gap_report.sql",
    )
    _competitors(p, "a competitor's domain (repeatable)", required=True)
    p.add_argument(
        "--min",
        type=params.positive,
        default=1,
        metavar="K",
        help="link to at least K competitors (default 1)",
    )
    p.add_argument(
        "--exclude-disavow",
        type=Path,
        metavar="FILE",
        help="leave out the domains and pages of this disavow file",
    )
    p.set_defaults(func=_gap)


def _gap(args: argparse.Namespace) -> int:
    from crawler.analysis.queries import gap_params, with_target

    target = _target(args)
    params = with_target(gap_params(args.domain, args.vs, args.min, args.exclude_disavow), target)
    result = _run(args, "gap_report", params)
    _write(args, result.columns, result.rows)
    return 0


def _add_broken(sub: argparse._SubParsersAction) -> None:
    p = _parser(
        sub,
        "broken",
        "backlinks into DOMAIN's URLs that answer 4xx/5xx (a reclaim "
        "list), or with --prospects, pages linking to competitors' dead URLs",
        "broken.sql",
    )
    p.add_argument(
        "--prospects",
        action="store_true",
        help="list pages linking to dead URLs of the --vs domains",
    )
    _competitors(p, "a competitor's domain (repeatable; with --prospects)", required=False)
    p.set_defaults(func=_broken)


def _broken(args: argparse.Namespace) -> int:
    from crawler.analysis.queries import broken_params

    params = broken_params(args.domain, args.vs, prospects=args.prospects, target=_target(args))
    result = _run(args, "broken", params)
    _write(args, result.columns, result.rows)
    return 0


# -- changes ----------------------------------------------------------------------------------


def _add_changes(sub: argparse._SubParsersAction) -> None:
    p = _parser(
        sub,
        "changes",
        "new and lost backlinks of DOMAIN, in a time window or between two crawls",
        "changes.sql, changes_crawls.sql",
    )
    p.add_argument("--since", type=params.date, metavar="DATE", help="window start (inclusive)")
    p.add_argument(
        "--until", type=params.date, metavar="DATE", help="window end (exclusive; default: no end)"
    )
    p.add_argument("--from-crawl", default="", metavar="ID", help="compare this crawl ...")
    p.add_argument("--to-crawl", default="", metavar="ID", help="... with this later one")
    p.set_defaults(func=_changes)


def _changes(args: argparse.Namespace) -> int:
    from crawler.analysis.queries import changes_query, with_target

    target = _target(args)
    name, params = changes_query(
        args.domain,
        since=args.since,
        until=args.until,
        from_crawl=args.from_crawl,
        to_crawl=args.to_crawl,
    )
    result = _run(args, name, with_target(params, target))
    _write(args, result.columns, result.rows)
    return 0


# -- velocity ---------------------------------------------------------------------------------


def _add_velocity(sub: argparse._SubParsersAction) -> None:
    p = _parser(
        sub,
        "velocity",
        "new and lost links and referring domains of DOMAIN per period, with a burst flag",
        "velocity.sql",
    )
    p.add_argument(
        "--by",
        default="week",
        choices=("day", "week", "month"),
        help="the period: day, week (from Monday) or month, UTC (default: %(default)s)",
    )
    p.set_defaults(func=_velocity)


def _velocity(args: argparse.Namespace) -> int:
    from crawler.analysis.queries import with_target
    from crawler.analysis.velocity import COLUMNS, velocity_params, velocity_rows

    params = with_target(velocity_params(args.domain, args.by), _target(args))
    result = _run(args, "velocity", params)
    _write(args, COLUMNS, velocity_rows(result.rows, args.by))
    return 0


# -- top-pages, linked-domains, ips, contacts ------------------------------------------------------

_PROFILE = (
    ("top-pages", "the most linked pages of DOMAIN", "top_pages.sql"),
    ("linked-domains", "the domains DOMAIN links to (outgoing)", "linked_domains.sql"),
    ("ips", "referring IPs and /24 subnets of DOMAIN", "referring_ips.sql"),
    ("contacts", "e-mail addresses, contact pages of DOMAIN's referring domains", "contacts.sql"),
)


def _add_profile(sub: argparse._SubParsersAction) -> None:
    for name, help_text, query in _PROFILE:
        _parser(sub, name, help_text, query).set_defaults(func=_profile)


def _profile(args: argparse.Namespace) -> int:
    from crawler.analysis.queries import check_profile_target, profile_rows

    target = _target(args)
    check_profile_target(args.command, target)
    columns, rows = _reading(
        args, lambda store: profile_rows(store, args.command, args.domain, target)
    )
    _write(args, columns, rows)
    return 0
