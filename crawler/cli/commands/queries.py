"""The query commands: backlinks, refdomains, anchors, gap, broken, changes, local.

Each runs one named query of schema/queries/ (the file name is in its help) and writes the rows
with --format table|csv|jsonl|xlsx and --out. Domains are reduced to their registrable domain;
dates are UTC, `YYYY-MM-DD` or ISO 8601 (`2026-03-01T12:00`).

    linkgraph backlinks example.com --dofollow --section main --new-since 2026-03-01
    linkgraph gap example.com --vs rival.com --vs other.co.uk --min 2 --exclude-disavow d.txt
    linkgraph broken example.com --prospects --vs rival.com --format xlsx --out prospects.xlsx
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.cli.app import connection_options, open_query_store, output_options
from crawler.cli.output import write_rows
from crawler.errors import ConfigError
from pipelines.store import Result, Store

EXACT_MATCH_WARNING = 0.30  # share of links above which `anchors` warns about exact-match text
ANCHOR_TYPES = ("exact", "branded", "url", "generic", "other", "empty")
_ALL_ROWS = 2**63 - 1
_NEVER = datetime(2106, 1, 1, tzinfo=UTC)  # past any fetch; DateTime ends in 2106
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_AUTHORITY_QUERIES = ("backlinks_report", "refdomains_report", "gap_report")


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    _add_backlinks(sub)
    _add_refdomains(sub)
    _add_anchors(sub)
    _add_gap(sub)
    _add_broken(sub)
    _add_changes(sub)
    _add_local(sub)


# -- argument types ---------------------------------------------------------------------------


def domain_arg(text: str) -> str:
    """A registrable domain from a domain, host or URL as typed."""
    from crawler.urls.canonical import registrable_domain

    name = text.strip().lower()
    if "://" in name:
        name = name.split("://", 1)[1]
    name = name.split("/", 1)[0].rpartition("@")[2].partition(":")[0].rstrip(".")
    if not name or " " in name:
        raise argparse.ArgumentTypeError(f"not a domain: {text!r}")
    return registrable_domain(name)


def date_arg(text: str) -> datetime:
    """A UTC datetime from `YYYY-MM-DD` or ISO 8601 (a given offset is converted to UTC)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"not a date: {text!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
        ) from exc
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if value.year < 1971:
        raise argparse.ArgumentTypeError(f"date before 1971: {text!r}")
    return value


def country_arg(text: str) -> str:
    if not text:
        return ""
    if not _COUNTRY.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"not a two-letter country code: {text!r}")
    code = text.strip().upper()
    return "GB" if code == "UK" else code


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _nonnegative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"authority is 0-100, not {text}")
    return value


# -- running ----------------------------------------------------------------------------------


def run_named(store: Store, name: str, params: dict[str, Any]) -> Result:
    """Run a named query, creating the (empty) authority tables first if it reads them."""
    if name in _AUTHORITY_QUERIES:
        from crawler.analysis.authority import authority_ddl

        for statement in authority_ddl():
            store.execute(statement)
    return store.named(name, params)


def _query(args: argparse.Namespace, name: str, params: dict[str, Any]) -> tuple[Store, Result]:
    store = open_query_store(args)
    return store, run_named(store, name, params)


def _write(args: argparse.Namespace, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    write_rows(columns, rows, args.format, args.out)
    return 0


def _parser(sub: argparse._SubParsersAction, name: str, help_text: str, query: str) -> Any:
    p = sub.add_parser(
        name,
        help=help_text,
        description=f"{help_text[0].upper()}{help_text[1:]}. Named query: schema/queries/{query}.",
    )
    p.add_argument("domain", metavar="DOMAIN", type=domain_arg)
    connection_options(p)
    output_options(p)
    return p


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
        metavar="S",
        help="header, nav, main, aside, footer, comment or unknown",
    )
    p.add_argument(
        "--kind",
        default="",
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
        type=_nonnegative_float,
        default=0.0,
        metavar="X",
        help="source domain authority at least X (0-100, `linkgraph authority`)",
    )
    p.add_argument(
        "--country",
        type=country_arg,
        default="",
        metavar="XX",
        help="source domain's country (ISO code, see `linkgraph local`)",
    )
    p.add_argument(
        "--new-since", type=date_arg, metavar="DATE", help="live links first seen at or after DATE"
    )
    p.add_argument(
        "--lost-since",
        type=date_arg,
        metavar="DATE",
        help="links lost at or after DATE (with --new-since: both)",
    )
    p.add_argument(
        "--one-per-domain", action="store_true", help="one link per source domain (its first row)"
    )
    p.add_argument("--limit", type=_positive, metavar="N", help="at most N rows")
    p.set_defaults(func=_backlinks)


def backlinks_params(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "domain": args.domain,
        "dofollow": int(args.dofollow),
        "rel": args.rel.strip().lower(),
        "section": args.section.strip().lower(),
        "kind": args.kind.strip().lower(),
        "anchor_contains": args.anchor_contains,
        "min_authority": args.min_authority,
        "country": args.country,
        "new_since": args.new_since or 0,
        "lost_since": args.lost_since or 0,
        "one_per_domain": int(args.one_per_domain),
        "limit": args.limit or _ALL_ROWS,
    }


def _backlinks(args: argparse.Namespace) -> int:
    store, result = _query(args, "backlinks_report", backlinks_params(args))
    if args.min_authority > 0:
        _warn_without_authority(store)
    return _write(args, result.columns, result.rows)


def _warn_without_authority(store: Store) -> None:
    if not store.execute("SELECT count() FROM domain_authority").rows[0][0]:
        print(
            "linkgraph: warning: no authority scores yet (run `linkgraph authority`): "
            "every domain counts as 0",
            file=sys.stderr,
        )


# -- refdomains and local ---------------------------------------------------------------------


def _add_refdomains(sub: argparse._SubParsersAction) -> None:
    p = _parser(
        sub, "refdomains", "domains linking to DOMAIN, with link counts", "refdomains_report.sql"
    )
    p.add_argument(
        "--country",
        type=country_arg,
        default="",
        metavar="XX",
        help="only referring domains of this country (see `linkgraph local`)",
    )
    p.set_defaults(func=_refdomains)


def _refdomains(args: argparse.Namespace) -> int:
    params = {"domain": args.domain, "country": args.country}
    _, result = _query(args, "refdomains_report", params)
    return _write(args, result.columns, result.rows)


LOCAL_COLUMNS = ("ref_domain", "country", "country_source", "lang", "links", "dofollow_links")


def _add_local(sub: argparse._SubParsersAction) -> None:
    p = _parser(
        sub,
        "local",
        "the country of each domain linking to DOMAIN, from its ccTLD and its pages' language",
        "refdomains_report.sql",
    )
    p.add_argument(
        "--country",
        type=country_arg,
        default="",
        metavar="XX",
        help="only this country (ISO 3166 alpha-2, e.g. DE; UK means GB)",
    )
    p.set_defaults(func=_local)


def _local(args: argparse.Namespace) -> int:
    _, result = _query(args, "refdomains_report", {"domain": args.domain, "country": args.country})
    picks = [result.columns.index(c) for c in LOCAL_COLUMNS]
    rows = [tuple(row[i] for i in picks) for row in result.rows]
    rows.sort(key=lambda r: (r[1] == "", r[1], -r[4], r[0]))
    return _write(args, LOCAL_COLUMNS, rows)


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


def keywords_param(values: Sequence[str]) -> list[str]:
    terms = (" ".join(term.split()) for value in values for term in value.split(","))
    return sorted({term.lower() for term in terms if term})


def anchor_summary(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> dict[str, float]:
    """Share of links per anchor type (0..1), every type present."""
    kind, links = columns.index("anchor_type"), columns.index("links")
    total = sum(int(row[links]) for row in rows)
    counts = dict.fromkeys(ANCHOR_TYPES, 0)
    for row in rows:
        counts[row[kind]] = counts.get(row[kind], 0) + int(row[links])
    return {k: (v / total if total else 0.0) for k, v in counts.items()}


def _anchors(args: argparse.Namespace) -> int:
    params = {"domain": args.domain, "keywords": keywords_param(args.keywords)}
    _, result = _query(args, "anchors", params)
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
    elif not params["keywords"]:
        print("linkgraph: no --keywords given: no anchor counts as exact-match", file=sys.stderr)
    return 0


# -- gap --------------------------------------------------------------------------------------


def _add_gap(sub: argparse._SubParsersAction) -> None:
    p = _parser(
        sub,
        "gap",
        "domains linking to at least K competitors and never to DOMAIN",
        "gap_report.sql",
    )
    p.add_argument(
        "--vs",
        action="append",
        required=True,
        type=domain_arg,
        metavar="COMPETITOR",
        help="a competitor's domain (repeatable)",
    )
    p.add_argument(
        "--min",
        type=_positive,
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


def gap_params(args: argparse.Namespace) -> dict[str, Any]:
    domains: list[str] = []
    urls: list[str] = []
    if args.exclude_disavow:
        from crawler.analysis.disavow import read_disavow

        disavow = read_disavow(args.exclude_disavow)
        domains, urls = sorted(disavow.domains), sorted(disavow.urls)
    competitors = sorted(set(args.vs) - {args.domain})
    if not competitors:
        raise ConfigError("--vs needs a competitor other than DOMAIN")
    return {
        "domain": args.domain,
        "competitors": competitors,
        "min_k": args.min,
        "disavow_domains": domains,
        "disavow_urls": urls,
    }


def _gap(args: argparse.Namespace) -> int:
    _, result = _query(args, "gap_report", gap_params(args))
    return _write(args, result.columns, result.rows)


# -- broken -----------------------------------------------------------------------------------


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
    p.add_argument(
        "--vs",
        action="append",
        default=[],
        type=domain_arg,
        metavar="COMPETITOR",
        help="a competitor's domain (repeatable; with --prospects)",
    )
    p.set_defaults(func=_broken)


def broken_params(args: argparse.Namespace) -> dict[str, Any]:
    if args.prospects:
        competitors = sorted(set(args.vs) - {args.domain})
        if not competitors:
            raise ConfigError("--prospects needs --vs COMPETITOR (one or more)")
        return {"domains": competitors, "exclude_domain": args.domain}
    if args.vs:
        raise ConfigError("--vs goes with --prospects")
    return {"domains": [args.domain], "exclude_domain": ""}


def _broken(args: argparse.Namespace) -> int:
    _, result = _query(args, "broken", broken_params(args))
    return _write(args, result.columns, result.rows)


# -- changes ----------------------------------------------------------------------------------


def _add_changes(sub: argparse._SubParsersAction) -> None:
    p = _parser(
        sub,
        "changes",
        "new and lost backlinks of DOMAIN, in a time window or between two crawls",
        "changes.sql, changes_crawls.sql",
    )
    p.add_argument("--since", type=date_arg, metavar="DATE", help="window start (inclusive)")
    p.add_argument(
        "--until", type=date_arg, metavar="DATE", help="window end (exclusive; default: no end)"
    )
    p.add_argument("--from-crawl", default="", metavar="ID", help="compare this crawl ...")
    p.add_argument("--to-crawl", default="", metavar="ID", help="... with this later one")
    p.set_defaults(func=_changes)


def changes_query(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    crawls = bool(args.from_crawl or args.to_crawl)
    if crawls == bool(args.since or args.until):
        raise ConfigError(
            "changes needs --since DATE [--until DATE], or --from-crawl A --to-crawl B"
        )
    if crawls:
        if not (args.from_crawl and args.to_crawl):
            raise ConfigError("--from-crawl and --to-crawl go together")
        return "changes_crawls", {
            "domain": args.domain,
            "from_crawl": args.from_crawl,
            "to_crawl": args.to_crawl,
        }
    if not args.since:
        raise ConfigError("--until needs --since")
    until = args.until or _NEVER
    if until <= args.since:
        raise ConfigError("--until must be after --since")
    return "changes", {"domain": args.domain, "since": args.since, "until": until}


def _changes(args: argparse.Namespace) -> int:
    name, params = changes_query(args)
    _, result = _query(args, name, params)
    return _write(args, result.columns, result.rows)


__all__ = [
    "ANCHOR_TYPES",
    "EXACT_MATCH_WARNING",
    "add_subcommand",
    "anchor_summary",
    "backlinks_params",
    "date_arg",
    "domain_arg",
    "run_named",
]
