"""Issue 14: the embedded frontier server dies with its crawl, is never doubled on one directory,
and answers only to whoever can read the data directory (real processes, no mocks)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from crawler.errors import FrontierError
from crawler.run import embedded
from crawler.run.embedded import EmbeddedRedis
from crawler.testweb import WebServer, build_web, truth
from pipelines.store import open_store
from tests.helpers.e2e import linkgraph, seeds_file, truth_pages
from tests.helpers.hostile import SilentServer
from tests.helpers.servers import ClickHouseServer

ROOT = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for init to reap it has exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.1)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.serial
def test_kill_9_of_the_crawl_takes_its_valkey_along(tmp_path: Path) -> None:
    """A crawl killed with SIGKILL mid-download (a host that never answers): its Valkey gets
    SIGTERM from the kernel, writes its AOF and exits; the next server on the directory starts
    at once and finds the crawl."""
    data = tmp_path / "data"
    frontier_dir = data / "frontier"
    with SilentServer() as site:
        command = [sys.executable, "-m", "crawler.cli.app", "crawl", f"http://{site.address}/",
                   "--allow-private", "--ignore-robots", "--data", str(data)]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        crawl = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
        try:
            _wait_for(lambda: bool(site.accepted), 90, "the crawl's first request")
            server_pid = int((frontier_dir / embedded.PID_FILE).read_text())
            assert _alive(server_pid)
            assert _mode(data) == 0o700
            assert _mode(frontier_dir / "url") == 0o600
            assert _mode(frontier_dir / embedded.CONFIG_FILE) == 0o600
            os.kill(crawl.pid, signal.SIGKILL)
            crawl.wait(10)
        finally:
            if crawl.poll() is None:
                crawl.kill()
                crawl.wait()
            assert crawl.stderr is not None
            crawl.stderr.close()
    _wait_for(lambda: not _alive(server_pid), 10, f"valkey pid {server_pid} to exit")
    started = time.monotonic()
    with EmbeddedRedis(frontier_dir, password=True) as server:
        assert time.monotonic() - started < 5
        client = redis.Redis.from_url(server.url)
        assert client.get("lg:current") is not None
        client.close()


def test_never_two_servers_on_one_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedded, "DYING_SERVER_WAIT", 1.0)
    with EmbeddedRedis(tmp_path / "frontier") as first:
        second = EmbeddedRedis(tmp_path / "frontier")
        with pytest.raises(FrontierError, match=f"pid {first.process.pid}.* already runs on"):
            second.start()
        assert second.process is None
        assert redis.Redis(port=first.port).ping()


def test_the_embedded_frontier_needs_its_password(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path / "frontier", password=True) as server:
        assert _mode(tmp_path / "frontier") == 0o700
        assert _mode(tmp_path / "frontier" / embedded.CONFIG_FILE) == 0o600
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=server.port).ping()
        assert redis.Redis.from_url(server.url).ping()
        assert server.password not in " ".join(server.command())


@pytest.mark.server
def test_child_workers_read_the_password_from_the_data_directory(
    tmp_path: Path, clickhouse: ClickHouseServer
) -> None:
    """With --clickhouse the workers are child processes: the embedded frontier's URL (and its
    password) reaches them through DATA/frontier/url, not their command line, and they crawl
    every page of the web."""
    web = build_web(2, 5, 3)
    url = clickhouse.url_for("hostile_children")
    with WebServer(web) as server:
        linkgraph(["crawl", "--seeds-file", str(seeds_file(web, tmp_path)), "--workers", "2",
                   "--clickhouse", url, "--data", str(tmp_path / "data"),
                   "--proxy", server.proxy])  # fmt: skip
    pages = set(truth_pages(truth(web)))  # robots-blocked URLs too (status 0)
    with open_store(url) as store:
        stored = {row[0] for row in store.query("SELECT DISTINCT url FROM page_fetches").rows}
    assert stored == pages
