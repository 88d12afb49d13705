"""Python runs this at start in every child of a unit test (this folder leads their PYTHONPATH):
the child refuses servers and chDB as its parent does (tests/helpers/server_guard.py).

Loaded by path, not as tests.helpers.server_guard: a child's sys.path need not hold the repo.
"""

import importlib.util
import os
from pathlib import Path

if os.environ.get("UNIT_TEST_SERVER_GUARD"):
    _spec = importlib.util.spec_from_file_location(
        "_unit_server_guard", Path(__file__).resolve().parents[1] / "server_guard.py"
    )
    assert _spec is not None and _spec.loader is not None
    _guard = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_guard)
    _guard.install_in_child()
