"""`linkgraph --version`: the package version and which path (C or pure Python) each of
extraction, URLs and insert columns runs, so a slow run's cause shows in one line each.

    linkgraph 0.1.0
    extraction: C (crawler.extract._fastlinks)
    urls: C (crawler.urls._fasturls)
    insert columns: Python (pipelines._fastcolumns not importable (...; `make setup` builds it))
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from crawler import __version__, speedups


def version_text() -> str:
    """The lines `--version` prints (the C modules are loaded to tell)."""
    paths = speedups.active_paths()
    return "\n".join([f"linkgraph {__version__}", *(f"{k}: {v}" for k, v in paths.items())])


class VersionAction(argparse.Action):
    """argparse's version action, told lazily: the paths are known only once loaded, and no
    other command should pay for loading them."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", "print the version and the active C-speed paths, and exit")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> NoReturn:
        sys.stdout.write(version_text() + "\n")  # on stdout, as argparse's own version action
        parser.exit()
