"""`linkgraph sql "SELECT ..."`: any SQL against the link graph, written as a query's rows.

Read-only unless `--write`: ClickHouse's readonly setting refuses INSERT, DROP, TRUNCATE and the
file()/url() table functions, so one pasted statement cannot wipe or leak the store.

linkgraph sql "SELECT section, count() FROM links GROUP BY section" --out sections.csv
"""

from __future__ import annotations

import argparse

from crawler.cli import options
from crawler.cli.output import write_rows
from crawler.errors import QueryError, StoreError

# ClickHouse's READONLY: the statement would write, and the session reads only.
_READONLY_CODE = 164


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sql",
        help="run any SQL against the link graph",
        description="Run any SQL against the link graph (tables: schema/README.md); read-only "
        "unless --write.",
    )
    p.add_argument("query", metavar="SQL")
    p.add_argument(
        "--write",
        action="store_true",
        help="allow statements that change the store (INSERT, DROP, ...) and file()/url()",
    )
    options.connection(p)
    options.output(p)
    p.set_defaults(func=_sql)


def _sql(args: argparse.Namespace) -> int:
    from crawler.analysis.queries import open_link_graph

    store = open_link_graph(args.data, args.clickhouse)
    if not args.write:
        store.read_only()
    try:
        result = store.query(args.query)
    except StoreError as exc:
        if exc.code == _READONLY_CODE:
            raise QueryError(f"{exc}; `sql` is read-only: add --write to change the store") from exc
        raise
    write_rows(result.columns, result.rows, args.format, args.out, raw=args.raw)
    return 0
