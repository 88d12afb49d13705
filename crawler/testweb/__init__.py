"""A deterministic simulated web on loopback and its ground truth (demo, tests, benchmarks).

>>> from crawler.testweb import build_web, truth
>>> web = build_web(sites=2, pages_per_site=30, seed=1)
>>> next(truth(web))["type"]
'page'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Eager: the function `truth` must shadow its submodule's name, as a plain import leaves it.
from crawler.testweb.truth import truth, write_truth

if TYPE_CHECKING:
    from crawler.testweb.model import Web, build_web
    from crawler.testweb.server import WebServer

__all__ = ["Web", "WebServer", "build_web", "truth", "write_truth"]
_HOMES = {"Web": "model", "build_web": "model", "WebServer": "server"}


def __getattr__(name: str) -> Any:
    # Loaded on first use (PEP 562), not with the package: every `linkgraph` command imports
    # crawler.testweb.command to list `testweb`, and the web's model and server are heavy.
    if name in _HOMES:
        return getattr(importlib.import_module(f"crawler.testweb.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
