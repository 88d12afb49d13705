"""`linkgraph report DOMAIN --html out.html [--vs COMPETITOR ...]`: a one-page backlink report.

    linkgraph report example.com --vs rival.com --html report.html

One self-contained HTML file (inline SVG charts, no network): see `crawler.analysis.report`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from crawler import params
from crawler.cli import options
from crawler.errors import ConfigError


def add_subcommand(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report",
        help="write a one-page HTML backlink report of DOMAIN",
        description="Referring domains over time, dofollow share, sections, anchors, top "
        "linked pages and (with --vs) a gap summary, in one self-contained HTML file.",
    )
    p.add_argument("domain", metavar="DOMAIN", type=params.domain)
    p.add_argument("--html", type=Path, required=True, metavar="FILE", help="the report file")
    p.add_argument(
        "--vs",
        action="append",
        default=[],
        type=params.domain,
        metavar="COMPETITOR",
        help="repeatable: gap summary",
    )
    options.connection(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from crawler.analysis.queries import open_link_graph
    from crawler.analysis.report import collect, render_html

    store = open_link_graph(args.data, args.clickhouse)
    try:
        data = collect(store, args.domain, args.vs)
    finally:
        store.close()
    try:
        args.html.write_text(render_html(data), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {args.html}: {exc}") from exc
    print(f"report: {args.domain}, {data.totals['ref_domains']:,} referring domains, "
          f"{data.totals['links']:,} links; written to {args.html}")  # fmt: skip
    return 0
