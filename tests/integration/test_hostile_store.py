"""Issue 14: a store that misbehaves gives one clear line in bounded time, never a hang."""

from __future__ import annotations

import time

from tests.helpers.e2e import linkgraph, one_clear_error
from tests.helpers.hostile import SilentServer


def test_unresponsive_clickhouse_fails_in_seconds() -> None:
    """A port that accepts and never answers: refused within ~10 s (it hung 301 s), naming why."""
    with SilentServer() as server:
        url = f"clickhouse://{server.address}/db"
        started = time.monotonic()
        proc = linkgraph(["sql", "SELECT 1", "--clickhouse", url], check=False, timeout=60)
        took = time.monotonic() - started
        assert server.accepted, "the CLI never connected"
    assert proc.returncode == 1
    one_clear_error(proc.stderr, f"ClickHouse at {url}", "did not answer within 5 s")
    assert took < 12, took
