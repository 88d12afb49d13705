"""An unreachable Redis named in one clear line, after the embedded store (chDB) has opened: the
crawl command reaches its store first, so this one runs with the integration tests."""

from __future__ import annotations

from pathlib import Path

from crawler.run.embedded import free_port
from tests.helpers.e2e import linkgraph, one_clear_error


def test_unreachable_redis(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    proc = linkgraph(["crawl", "a.com", "--redis", url, "--data", str(tmp_path)], check=False)
    assert proc.returncode == 1  # a runtime error, not a usage error
    one_clear_error(proc.stderr, "cannot reach Redis", url)
