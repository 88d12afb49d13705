"""Unit fixtures.

Unit tests start no server process of any kind, open no chDB and run no crawl: the guard
(tests/helpers/server_guard.py) fails a test that does, naming what it started.

`speed_path` runs a test on both implementations of the C-speed modules, as markupsafe's
tests/conftest.py does for its two escapes: the extraction, URL and column tests use it (module
by module, with `pytestmark`), so each runs once with the C modules ("c") and once with them
switched off ("python", crawler.speedups.python_only). The tests that compare the two paths
inside one test ask for "c" only (indirect parametrization).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.crawler import Crawler

from crawler import speedups
from crawler.testweb.server import WebServer
from tests.helpers.server_guard import (
    REPORT_ENV,
    GuardedPopen,
    refuse,
    refused_modules,
)


class ServerGuard:
    """The refusals of the running test, from its process and its children (one report file)."""

    def __init__(self, report: Path) -> None:
        self.report = report

    def take(self) -> list[str]:
        """The refusals so far, cleared: a test of the guard takes the ones it caused."""
        lines = self.report.read_text(encoding="utf-8").splitlines()
        self.report.write_text("", encoding="utf-8")
        return lines

    def verify(self) -> None:
        refusals = self.take()
        if refusals:
            pytest.fail("a unit test started a server, chDB or a crawl:\n" + "\n".join(refusals))


@pytest.fixture(scope="session")
def _guard_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report = tmp_path_factory.mktemp("server-guard") / "refusals.txt"
    report.touch()
    return report


@pytest.fixture(autouse=True)
def server_guard(_guard_report: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerGuard]:
    guard = ServerGuard(_guard_report)
    monkeypatch.setenv(REPORT_ENV, str(_guard_report))
    monkeypatch.setattr(subprocess, "Popen", GuardedPopen)
    for name, module in refused_modules().items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(WebServer, "start", lambda self: refuse("the simulated web's server"))
    monkeypatch.setattr(Crawler, "crawl", lambda self, *a, **k: refuse("a Scrapy crawl"))
    yield guard
    monkeypatch.undo()  # before verify: its own file access must not be guarded
    guard.verify()


@pytest.fixture(scope="module", params=["c", "python"])
def speed_path(request: pytest.FixtureRequest) -> Iterator[str]:
    """ "c": the C modules, which must be built (a failure, not a skip: two Python runs would
    pass for a C test); skipped only under LINKGRAPH_PURE_PYTHON=1. "python": all switched off.
    Module scope: a module runs all its tests on one path, then on the other."""
    if request.param == "python":
        with speedups.python_only():
            yield "python"
        return
    if speedups.pure_python():
        pytest.skip("LINKGRAPH_PURE_PYTHON=1: the C-speed modules are switched off")
    missing = {k: v for k, v in speedups.active_paths().items() if not v.startswith("C ")}
    if missing:
        pytest.fail(f"C-speed paths not active (`make setup` builds them): {missing}")
    yield "c"
