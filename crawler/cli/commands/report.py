"""`linkgraph report DOMAIN --html out.html [--vs COMPETITOR ...]`: a one-page backlink report.

    linkgraph report example.com --vs rival.com --html report.html

One self-contained HTML file (inline SVG charts, no network): see `crawler.analysis.report`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from crawler.analysis.report import collect, render_html
from crawler.cli.app import connection_options, open_query_store
from crawler.errors import ConfigError
from crawler.urls.canonical import registrable_domain


def add_subcommand(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report",
        help="write a one-page HTML backlink report of DOMAIN",
        description="Referring domains over time, dofollow share, sections, anchors, top "
        "linked pages and (with --vs) a gap summary, in one self-contained HTML file.",
    )
    p.add_argument("domain", metavar="DOMAIN")
    p.add_argument("--html", type=Path, required=True, metavar="FILE", help="the report file")
    p.add_argument(
        "--vs", action="append", default=[], metavar="COMPETITOR", help="repeatable: gap summary"
    )
    connection_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    domain = registrable_domain(args.domain.strip().lower())
    competitors = [registrable_domain(c.strip().lower()) for c in args.vs]
    store = open_query_store(args)
    try:
        data = collect(store, domain, competitors)
    finally:
        store.close()
    try:
        args.html.write_text(render_html(data), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {args.html}: {exc}") from exc
    print(f"report: {domain}, {data.totals['ref_domains']:,} referring domains, "
          f"{data.totals['links']:,} links; written to {args.html}")  # fmt: skip
    return 0
