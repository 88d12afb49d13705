"""Real servers for tests, on 127.0.0.1 and free ports: Debian's clickhouse-server and redis-server.

Each test session (or a test that kills one) gets its own server under a temporary directory.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from crawler.run.embedded import EmbeddedRedis, free_port

CLICKHOUSE_BINARY = "/usr/sbin/clickhouse-server"
REDIS_BINARY = shutil.which("redis-server") or "/usr/bin/redis-server"

_CONFIG = """<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{dir}/server.log</log><errorlog>{dir}/error.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>{tcp}</tcp_port>
  <http_port>{http}</http_port>
  <path>{dir}/data/</path>
  <tmp_path>{dir}/tmp/</tmp_path>
  <user_files_path>{dir}/user_files/</user_files_path>
  <format_schema_path>{dir}/format_schemas/</format_schema_path>
  <users_config>{dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
</yandex>
"""
_USERS = """<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
  </interval></default></quotas>
</yandex>
"""


def have_clickhouse_server() -> bool:
    return os.access(CLICKHOUSE_BINARY, os.X_OK)


def have_redis_server() -> bool:
    return os.access(REDIS_BINARY, os.X_OK)


class ClickHouseServer:
    """Debian's clickhouse-server (18.16) as a child process; data survives restarts."""

    def __init__(self, base: Path) -> None:
        self.dir = Path(base).resolve()
        self.port = free_port()
        self.http_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"clickhouse://127.0.0.1:{self.port}/default"

    def url_for(self, database: str) -> str:
        return f"clickhouse://127.0.0.1:{self.port}/{database}"

    def start(self, timeout: float = 30.0) -> ClickHouseServer:
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "users.xml").write_text(_USERS)
        config = _CONFIG.format(dir=self.dir, tcp=self.port, http=self.http_port)
        (self.dir / "config.xml").write_text(config)
        self.process = subprocess.Popen(
            [CLICKHOUSE_BINARY, f"--config-file={self.dir / 'config.xml'}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        from clickhouse_driver import Client

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                Client("127.0.0.1", port=self.port, connect_timeout=1).execute("SELECT 1")
                return
            except Exception:  # not up yet
                time.sleep(0.1)
        raise RuntimeError(f"clickhouse-server did not start; see {self.dir}/error.log")

    def stop(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def _signal(self, sig: int) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def redis_server(base: Path, appendonly: bool = True) -> EmbeddedRedis:
    """Debian's redis-server, not started yet."""
    return EmbeddedRedis(base, binary=REDIS_BINARY, appendonly=appendonly)


# Fixtures that start Debian's servers (tests/conftest.py and the fault tests' own ones).
DEBIAN_SERVER_FIXTURES = frozenset(
    {"clickhouse", "ch_url", "redis_debian", "own_clickhouse", "own_redis"}
)


def unmarked_server_tests(items: Iterable[Any]) -> list[str]:
    """The node ids of collected tests using a Debian-server fixture without the `server` mark."""
    return [
        item.nodeid
        for item in items
        if DEBIAN_SERVER_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("server") is None
    ]
