"""The registry of `linkgraph` commands, in the order `linkgraph --help` lists them.

A command module exposes ``add_subcommand(subparsers) -> None``: it adds its parser with
``set_defaults(func=handler)``, where ``handler(args) -> int`` returns the exit code and raises
a `crawler.errors.LinkgraphError` (printed as one line) for anything that went wrong. It takes
shared options from `crawler.cli.options` and argument types from `crawler.params`, calls the
library and prints; it never imports another command module. A new command is a module here
and a line in COMMANDS.
"""

from __future__ import annotations

import argparse
import importlib

COMMANDS = (
    "crawler.cli.commands.crawl",
    "crawler.cli.commands.worker",
    "crawler.cli.commands.status",
    "crawler.cli.commands.sql",
    "crawler.cli.commands.queries",
    "crawler.cli.commands.authority",
    "crawler.cli.commands.toxicity",
    "crawler.cli.commands.disavow",
    "crawler.cli.commands.report",
    "crawler.cli.commands.watch",
    "crawler.cli.commands.importer",
    "crawler.cli.commands.serve",
    "crawler.cli.commands.bench",
    "crawler.testweb.command",  # also `python -m crawler.testweb`, without the rest of the CLI
)


def add_all(subparsers: argparse._SubParsersAction) -> None:
    for name in COMMANDS:
        importlib.import_module(name).add_subcommand(subparsers)
