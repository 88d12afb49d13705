"""Unit fixtures: `speed_path` runs a test on both implementations of the C-speed modules.

As markupsafe's tests/conftest.py does for its two escapes: the extraction, URL and column tests
use it (module by module, with `pytestmark`), so each runs once with the C modules ("c") and
once with them switched off ("python", crawler.speedups.python_only). The tests that compare
the two paths inside one test ask for "c" only (indirect parametrization).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawler import speedups


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
