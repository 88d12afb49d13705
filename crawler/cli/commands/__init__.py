"""`linkgraph` subcommands beyond crawl/worker/status and the basic queries.

Each module here exposes ``add_subcommand(subparsers) -> None``, adding its parser with
``set_defaults(func=handler)`` where ``handler(args) -> int``; `crawler.cli.app` finds the
modules by itself, in name order. Shared options come from `crawler.cli.app`:
``connection_options(parser)``
(--data, --clickhouse, --log-level), ``output_options(parser)`` (--format, --out) and
``open_query_store(args)``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil


def add_all(subparsers: argparse._SubParsersAction) -> None:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{module.name}").add_subcommand(subparsers)
