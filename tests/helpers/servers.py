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
    {"clickhouse", "ch_url", "redis_debian", "own_clickhouse", "own_redis", "redis_cluster"}
)


def unmarked_server_tests(items: Iterable[Any]) -> list[str]:
    """The node ids of collected tests using a Debian-server fixture without the `server` mark."""
    return [
        item.nodeid
        for item in items
        if DEBIAN_SERVER_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("server") is None
    ]


class RedisClusterServers:
    """A Redis Cluster of Debian's redis-server on loopback: `masters` masters, each with
    `replicas` replicas, joined by `redis-cli --cluster create`; stopped by PID."""

    def __init__(self, base: Path, masters: int = 3, replicas: int = 0) -> None:
        self.dir = Path(base).resolve()
        self.nodes = [
            _ClusterNode(self.dir / f"node{i}", binary=REDIS_BINARY)
            for i in range(masters * (1 + replicas))
        ]
        self.replicas = replicas

    @property
    def url(self) -> str:
        """Any node's URL: the crawl must find the cluster from one."""
        return f"redis://127.0.0.1:{self.nodes[0].port}/0"

    def start(self, timeout: float = 30.0) -> RedisClusterServers:
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, timeout: float) -> None:
        for node in self.nodes:
            node.start()
        addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
        replicas = ["--cluster-replicas", str(self.replicas)]
        subprocess.run(
            ["redis-cli", "--cluster", "create", *addresses, *replicas, "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
        self._wait_ok(timeout)

    def _wait_ok(self, timeout: float) -> None:
        import redis

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = [
                redis.Redis(port=node.port, socket_timeout=1).execute_command("CLUSTER INFO")
                for node in self.nodes
            ]
            if all(_cluster_ok(state) for state in states):
                return
            time.sleep(0.1)
        raise RuntimeError(f"Redis Cluster under {self.dir} did not reach cluster_state:ok")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def __enter__(self) -> RedisClusterServers:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _ClusterNode(EmbeddedRedis):
    """One node of a test cluster: the embedded server's command with cluster mode on."""

    def command(self) -> list[str]:
        conf = str(self.data_dir / "nodes.conf")
        # The bus port defaults to port + 10000, out of range for a free port above 55535.
        bus = ["--cluster-port", str(free_port())]
        return [*super().command(), "--cluster-enabled", "yes", "--cluster-config-file", conf, *bus]


def _cluster_ok(info: Any) -> bool:
    if isinstance(info, dict):
        return info.get("cluster_state") == "ok"
    text = info.decode() if isinstance(info, bytes) else str(info)
    return "cluster_state:ok" in text
