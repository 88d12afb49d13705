"""`linkgraph sql "SELECT ..."`: any SQL against the link graph, written as a query's rows.

linkgraph sql "SELECT section, count() FROM links GROUP BY section" --out sections.csv
"""

from __future__ import annotations

import argparse

from crawler.cli import options
from crawler.cli.output import write_rows


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sql",
        help="run any SQL against the link graph",
        description="Run any SQL against the link graph (tables: schema/README.md).",
    )
    p.add_argument("query", metavar="SQL")
    options.connection(p)
    options.output(p)
    p.set_defaults(func=_sql)


def _sql(args: argparse.Namespace) -> int:
    from crawler.analysis.queries import open_link_graph

    result = open_link_graph(args.data, args.clickhouse).query(args.query)
    write_rows(result.columns, result.rows, args.format, args.out, raw=args.raw)
    return 0
