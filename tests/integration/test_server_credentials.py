"""Issue 14, point 6: the URLs deploy/ hands its workers, `redis://:PASSWORD@host:port/0` and
`clickhouse://linkgraph:PASSWORD@host:port/db`, work against Debian's redis-server asking for a
password and a clickhouse-server whose user `linkgraph` has one; a wrong password is one clear
error, never a crawl without its frontier or store."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.run.embedded import EmbeddedRedis
from pipelines.store import open_store
from tests.helpers.e2e import linkgraph, one_clear_error
from tests.helpers.hostile import FixedSite
from tests.helpers.servers import (
    ClickHouseServer,
    have_clickhouse_server,
    have_redis_server,
    redis_server,
)

pytestmark = pytest.mark.server

PAGES = {
    "/": b'<html><body><a href="/a">a</a><a href="http://out.example/x">x</a></body></html>',
    "/a": b'<html><body><a href="/">home</a></body></html>',
}
CH_PASSWORD = secrets.token_hex(12)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[EmbeddedRedis, ClickHouseServer]]:
    if not (have_redis_server() and have_clickhouse_server()):
        pytest.skip("Debian's redis-server and clickhouse-server are not installed")
    redis = redis_server(tmp_path / "redis", password=True).start()
    clickhouse = ClickHouseServer(tmp_path / "clickhouse", password=CH_PASSWORD)
    try:
        clickhouse.start()
        yield redis, clickhouse
    finally:
        clickhouse.stop()
        redis.stop()


def _ch_url(clickhouse: ClickHouseServer, password: str) -> str:
    return f"clickhouse://linkgraph:{password}@127.0.0.1:{clickhouse.port}/linkgraph"


def test_a_crawl_with_password_urls_stores_every_page(
    servers: tuple[EmbeddedRedis, ClickHouseServer], tmp_path: Path
) -> None:
    redis, clickhouse = servers
    assert redis.password and redis.url.startswith(f"redis://:{redis.password}@127.0.0.1:")
    ch_url = _ch_url(clickhouse, CH_PASSWORD)
    with FixedSite(PAGES) as site:
        linkgraph(["crawl", site.url, "--allow-private", "--ignore-robots", "--redis", redis.url,
                   "--clickhouse", ch_url, "--data", str(tmp_path / "data")])  # fmt: skip
        with open_store(ch_url) as store:
            pages = store.query("SELECT url, status FROM page_fetches ORDER BY url").rows
            links = store.query(
                "SELECT src_url, dst_url FROM link_fetches ORDER BY src_url, ordinal"
            )
        home, a = site.url, site.url + "a"
        assert pages == [(home, 200), (a, 200)]
        assert links.rows == [(home, a), (home, "http://out.example/x"), (a, home)]


@pytest.mark.parametrize("wrong", ["redis", "clickhouse"])
def test_a_wrong_password_is_one_clear_error(
    servers: tuple[EmbeddedRedis, ClickHouseServer], tmp_path: Path, wrong: str
) -> None:
    redis, clickhouse = servers
    redis_url = redis.url.replace(redis.password, "wrong") if wrong == "redis" else redis.url
    ch_url = _ch_url(clickhouse, "wrong" if wrong == "clickhouse" else CH_PASSWORD)
    with FixedSite(PAGES) as site:
        proc = linkgraph(["crawl", site.url, "--allow-private", "--ignore-robots", "--redis",
                          redis_url, "--clickhouse", ch_url, "--data", str(tmp_path / "data")],
                         check=False)  # fmt: skip
        assert site.requested == []
    assert proc.returncode != 0
    one_clear_error(proc.stderr, "Redis" if wrong == "redis" else "ClickHouse")
    assert "wrong" not in proc.stderr  # the URL is shown without its password
