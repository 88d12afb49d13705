"""Issue 14: a store that misbehaves gives one clear line in bounded time, never a hang."""

from __future__ import annotations

import json
import time

import pytest

from pipelines.store import open_store
from tests.helpers.e2e import Engine, linkgraph, one_clear_error
from tests.helpers.hostile import SilentServer
from tests.helpers.samples import GRAPH


@pytest.mark.serial
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


def _loaded(engine: Engine) -> None:
    with open_store(engine.target) as store:
        store.migrate()
        for pages, links in GRAPH:
            store.insert(pages, links)


def _refdomains(engine: Engine) -> list[str]:
    proc = linkgraph(["refdomains", "c2.com", "--format", "jsonl", *engine.args])
    return sorted(json.loads(line)["ref_domain"] for line in proc.stdout.splitlines())


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TABLE link_fetches",
        "TRUNCATE TABLE link_fetches",
        "INSERT INTO page_fetches (url) VALUES ('x')",
        "SELECT * FROM file('/etc/passwd', 'CSV', 'line String')",
    ],
)
def test_sql_is_read_only_without_write(engine: Engine, statement: str) -> None:
    _loaded(engine)
    proc = linkgraph(["sql", statement, *engine.args], check=False)
    assert proc.returncode == 2
    one_clear_error(proc.stderr, "read-only", "--write")
    assert _refdomains(engine) == ["a.com", "b.com", "c1.com", "f.com"]


def test_a_dropped_view_is_rebuilt(engine: Engine) -> None:
    """`sql --write` may drop referring_domains; the next migration check (crawl, import,
    authority) creates it again (a view holds no data), with every row back."""
    _loaded(engine)
    query = (
        "SELECT src_domain FROM referring_domains WHERE dst_domain = 'c2.com' ORDER BY src_domain"
    )
    linkgraph(["sql", "--write", "DROP TABLE referring_domains", *engine.args])
    gone = linkgraph(["sql", query, *engine.args], check=False)
    one_clear_error(gone.stderr, "referring_domains")
    with open_store(engine.target) as store:
        assert store.migrate() == []
    back = linkgraph(["sql", query, "--format", "csv", *engine.args])
    assert back.stdout.split() == ["src_domain", "a.com", "b.com", "c1.com", "f.com"]
