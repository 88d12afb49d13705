"""The optional C-speed modules (Cython, built by `make setup`): one way to load them.

Each has a pure Python twin giving the same answers; `speedup` returns the C module, or None
when it was not built (no compiler) or LINKGRAPH_PURE_PYTHON=1 asks for the Python code.

    >>> speedup("crawler._no_such_module") is None
    True
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType


def pure_python() -> bool:
    """LINKGRAPH_PURE_PYTHON is set (to anything but 0): run the Python twins."""
    return os.environ.get("LINKGRAPH_PURE_PYTHON", "") not in ("", "0")


def speedup(name: str) -> ModuleType | None:
    """The C module `name` (e.g. "crawler.urls._fasturls"), or None: not built, or pure_python()."""
    if pure_python():
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None
