"""The unit guard (tests/helpers/server_guard.py) refuses every kind of server, chDB and crawls,
in this process and in its Python children, and fails a test that swallowed the refusal."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.run.embedded import EmbeddedRedis, free_port
from crawler.testweb import WebServer, build_web
from pipelines.embedded_store import EmbeddedStore
from tests.helpers.e2e import linkgraph
from tests.helpers.server_guard import ServerStarted
from tests.helpers.servers import CLICKHOUSE_BINARY, REDIS_BINARY
from tests.unit.conftest import ServerGuard


def test_embedded_valkey_is_refused(tmp_path: Path, server_guard: ServerGuard) -> None:
    with pytest.raises(ServerStarted, match="valkey"):
        EmbeddedRedis(tmp_path / "valkey").start()
    assert [line.split(": ", 1)[1] for line in server_guard.take()] == [
        "a server process (valkey-server)"
    ]


@pytest.mark.parametrize("binary", [REDIS_BINARY, CLICKHOUSE_BINARY, "redis-server --port 0"])
def test_debian_servers_are_refused(binary: str, server_guard: ServerGuard) -> None:
    with pytest.raises(ServerStarted, match="a server process"):
        subprocess.run(binary if " " in binary else [binary, "--version"], shell=" " in binary)
    assert len(server_guard.take()) == 1


def test_chdb_is_refused_even_when_the_caller_catches(
    tmp_path: Path, server_guard: ServerGuard
) -> None:
    # EmbeddedStore itself, not open_store: a store left open by an earlier test in this process
    # would make open_store refuse before chDB is reached.
    with contextlib.suppress(Exception):  # the store may wrap it: the report still holds it
        EmbeddedStore(tmp_path / "store")
    assert any("chDB (chdb." in line for line in server_guard.take())
    import chdb

    with pytest.raises(ServerStarted, match="chDB"):
        chdb.query("SELECT 1")
    server_guard.take()


def test_simulated_web_server_and_crawl_are_refused(server_guard: ServerGuard) -> None:
    from scrapy import Spider
    from scrapy.crawler import Crawler

    with pytest.raises(ServerStarted, match="simulated web"), WebServer(build_web(1, 5, 1)):
        pass
    with pytest.raises(ServerStarted, match="Scrapy crawl"):
        Crawler(type("Nothing", (Spider,), {"name": "nothing"})).crawl()
    assert len(server_guard.take()) == 2


def test_python_children_are_guarded(server_guard: ServerGuard) -> None:
    script = "import subprocess; subprocess.run(['redis-server', '--version'])"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode != 0 and "ServerStarted" in done.stderr
    assert [line.split(": ", 1)[1] for line in server_guard.take()] == [
        "a server process (redis-server)"
    ]


def test_a_linkgraph_command_opening_chdb_is_caught(
    tmp_path: Path, server_guard: ServerGuard
) -> None:
    """`crawl --redis` opens the embedded store before it reaches Redis: that child opens chDB."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    linkgraph(["crawl", "a.com", "--redis", url, "--data", str(tmp_path)], check=False)
    assert any("chDB" in line for line in server_guard.take())


def test_ordinary_children_run(server_guard: ServerGuard) -> None:
    done = subprocess.run([sys.executable, "-c", "print('fine')"], capture_output=True, text=True)
    assert done.stdout == "fine\n"
    assert server_guard.take() == []


def test_a_swallowed_refusal_fails_the_test(tmp_path: Path, server_guard: ServerGuard) -> None:
    with contextlib.suppress(ServerStarted):
        EmbeddedRedis(tmp_path / "valkey").start()
    with pytest.raises(pytest.fail.Exception, match="valkey-server"):
        server_guard.verify()
    assert server_guard.take() == []
