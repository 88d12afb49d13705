"""The optional C-speed modules (Cython, built by `make setup`): the one way to load them.

Each has a pure Python twin giving the same answers, ~3x slower. A module that is missing or
refuses to bind (its `bind()` checks the Python rules and lexbor it reads) is logged at WARNING
with the cause, and its users run Python; LINKGRAPH_PURE_PYTHON=1 asks for Python on purpose
(no warning). Every load is recorded: `active_paths()` says which path extraction, URLs and the
insert columns run, and `python_only()` switches the loaded modules off for a while (the tests
run every extraction, URL and column test on both paths with it).

    >>> sorted(PATHS)
    ['extraction', 'insert columns', 'urls']
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType

logger = logging.getLogger(__name__)

# The paths reported, and the modules whose import loads their C modules.
PATHS = {
    "extraction": "crawler.extract.extractor",
    "urls": "crawler.urls.canonical",
    "insert columns": "pipelines.columns",
}


@dataclass
class _Load:
    """One user's load of a C module: what it got and how to switch it."""

    name: str
    path: str
    module: ModuleType | None
    reason: str  # why the Python twin runs; "" when the C module does
    use: Callable[[ModuleType | None], None]


_LOADS: list[_Load] = []
_SWITCHED_OFF = False  # within python_only()


def pure_python() -> bool:
    """LINKGRAPH_PURE_PYTHON is set (to anything but 0): run the Python twins."""
    return os.environ.get("LINKGRAPH_PURE_PYTHON", "") not in ("", "0")


def load(
    name: str,
    path: str,
    use: Callable[[ModuleType | None], None],
    bind: Callable[[ModuleType], object] | None = None,
) -> ModuleType | None:
    """The C module `name` (e.g. "crawler.urls._fasturls") for `path` (a key of PATHS), bound
    by `bind` when given, or None. `use` receives the answer now, and again when
    `python_only` switches it off and back."""
    module, reason = _import(name, bind)
    if reason and not pure_python() and all(entry.reason != reason for entry in _LOADS):
        logger.warning("%s: pure Python path (slower), %s", path, reason)
    _LOADS.append(_Load(name, path, module, reason, use))
    use(module)
    return module


def _import(
    name: str, bind: Callable[[ModuleType], object] | None
) -> tuple[ModuleType | None, str]:
    if pure_python():
        return None, "LINKGRAPH_PURE_PYTHON=1"
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        return None, f"{name} not importable ({exc}; `make setup` builds it)"
    if bind is None:
        return module, ""
    try:
        bind(module)
    except Exception as exc:  # any refusal of the C side: never worse than slower
        return None, f"{name} refused to bind ({type(exc).__name__}: {exc})"
    return module, ""


def active_paths() -> dict[str, str]:
    """Which path each of extraction, URLs and insert columns runs, and why:
    {"extraction": "C (crawler.extract._fastlinks)", "urls": "Python (LINKGRAPH_PURE_PYTHON=1)",
    ...}. Imports the modules that load them."""
    for user in PATHS.values():
        importlib.import_module(user)
    paths = {}
    for path in PATHS:
        loads = [entry for entry in _LOADS if entry.path == path]
        reasons = list(dict.fromkeys(entry.reason for entry in loads if entry.reason))
        if not loads:
            paths[path] = "Python (no C module loaded)"
        elif reasons:
            paths[path] = f"Python ({'; '.join(reasons)})"
        elif _SWITCHED_OFF:
            paths[path] = "Python (switched off by crawler.speedups.python_only)"
        else:
            paths[path] = f"C ({', '.join(dict.fromkeys(entry.name for entry in loads))})"
    return paths


@contextmanager
def python_only() -> Iterator[None]:
    """Within: every loaded C module switched off, its users on their Python twins."""
    global _SWITCHED_OFF
    if _SWITCHED_OFF:  # nested: already off, and the outer one switches back
        yield
        return
    loaded = [entry for entry in _LOADS if entry.module is not None]
    _SWITCHED_OFF = True
    for entry in loaded:
        entry.use(None)
    try:
        yield
    finally:
        _SWITCHED_OFF = False
        for entry in loaded:
            entry.use(entry.module)
