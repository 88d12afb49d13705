"""Real servers for tests, on 127.0.0.1 and free ports: Debian's clickhouse-server, redis-server
and zookeeper (for a ClickHouse cluster).

Each test session (or a test that kills one) gets its own server under a temporary directory.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from crawler.run.embedded import EmbeddedRedis, free_port

CLICKHOUSE_BINARY = "/usr/sbin/clickhouse-server"
REDIS_BINARY = shutil.which("redis-server") or "/usr/bin/redis-server"
JAVA_BINARY = shutil.which("java") or "/usr/bin/java"
ZOOKEEPER_JAR = "/usr/share/java/zookeeper.jar"
# Debian's zookeeper package ships only jars and /etc/zookeeper/conf (log4j); no systemd here,
# so the tests start the server class on the classpath the package's own init script uses.
_ZOOKEEPER_CLASSPATH = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/*"

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
  <mark_cache_size>268435456</mark_cache_size>{cluster}
</yandex>
"""
# A cluster node's extra config: the cluster's topology, ZooKeeper, this node's macros (replica
# names must be unique cluster-wide: ZooKeeper paths of a table hold {shard} but the replica
# name alone tells a replica apart in the DDL queue) and its own replication port. A replica
# SIGKILLed mid-insert holds a part ZooKeeper never committed; with little data that part is
# most of the table and 18.16 refuses to start ("the local set of parts ... doesn't look like
# the set of parts in ZooKeeper") above replicated_max_ratio_of_wrong_parts (0.5): at 1 it
# detaches the part and starts, and the sink re-sends the insert it never saw acknowledged.
_CLUSTER_CONFIG = """
  <interserver_http_port>{interserver}</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <remote_servers><{cluster}>{shards}</{cluster}></remote_servers>
  <zookeeper><node><host>127.0.0.1</host><port>{zookeeper}</port></node></zookeeper>
  <macros><cluster>{cluster}</cluster><shard>{shard}</shard><replica>{replica}</replica></macros>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
  <merge_tree><replicated_max_ratio_of_wrong_parts>1</replicated_max_ratio_of_wrong_parts></merge_tree>"""
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

_PASSWORD_USER = """<linkgraph><password>{password}</password><networks><ip>127.0.0.1</ip>
    </networks><profile>default</profile><quota>default</quota></linkgraph>"""


def have_clickhouse_server() -> bool:
    return os.access(CLICKHOUSE_BINARY, os.X_OK)


def have_redis_server() -> bool:
    return os.access(REDIS_BINARY, os.X_OK)


def have_zookeeper() -> bool:
    return os.access(JAVA_BINARY, os.X_OK) and os.path.exists(ZOOKEEPER_JAR)


class ClickHouseServer:
    """Debian's clickhouse-server (18.16) as a child process; data survives restarts."""

    def __init__(self, base: Path, cluster_config: str = "", password: str = "") -> None:
        self.dir = Path(base).resolve()
        self.port = free_port()
        self.http_port = free_port()
        self.cluster_config = cluster_config  # _CLUSTER_CONFIG filled in, for a cluster node
        # With a password, a user `linkgraph` that needs it (deploy/'s); default stays open to
        # loopback for the readiness check.
        self.password = password
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"clickhouse://127.0.0.1:{self.port}/default"

    def url_for(self, database: str) -> str:
        return f"clickhouse://127.0.0.1:{self.port}/{database}"

    def start(self, timeout: float = 30.0) -> ClickHouseServer:
        self.dir.mkdir(parents=True, exist_ok=True)
        users = _USERS
        if self.password:
            users = users.replace("</default></users>", "</default>" + _PASSWORD_USER.format(
                password=self.password) + "</users>")  # fmt: skip
        (self.dir / "users.xml").write_text(users)
        config = _CONFIG.format(
            dir=self.dir, tcp=self.port, http=self.http_port, cluster=self.cluster_config
        )
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
        _stop(self.process, sig)


class ZooKeeperServer:
    """Debian's zookeeper, standalone, as a child process (ClickHouse replication needs it)."""

    def __init__(self, base: Path) -> None:
        self.dir = Path(base).resolve()
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> ZooKeeperServer:
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "data").mkdir(exist_ok=True)
        (self.dir / "zoo.cfg").write_text(
            f"tickTime=2000\ndataDir={self.dir / 'data'}\nclientPort={self.port}\n"
            "clientPortAddress=127.0.0.1\nadmin.enableServer=false\n"
            "4lw.commands.whitelist=ruok\n"
        )
        with open(self.dir / "zookeeper.out", "wb") as out:
            self.process = subprocess.Popen(
                [
                    JAVA_BINARY,
                    "-cp",
                    _ZOOKEEPER_CLASSPATH,
                    f"-Dzookeeper.log.dir={self.dir}",
                    "-Xmx256m",
                    "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                    str(self.dir / "zoo.cfg"),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready(timeout)
        return self

    def ruok(self) -> bool:
        """ZooKeeper's four-letter health check: `imok` once it serves clients."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"ruok")
                return sock.recv(16) == b"imok"
        except OSError:
            return False

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ruok():
                return
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"zookeeper did not start; see {self.dir}/zookeeper.out")

    def stop(self) -> None:
        _stop(self.process, signal.SIGTERM)


# The test cluster's topology: shard s1 with two replicas (failover and replication are
# exercised), shard s2 with one (rows really split over two shards).
CLUSTER_NODES = (("s1", "s1-r1"), ("s1", "s1-r2"), ("s2", "s2-r1"))


class ClickHouseCluster:
    """Three clickhouse-server 18.16 processes as cluster `lg` over one ZooKeeper."""

    def __init__(
        self, base: Path, name: str = "lg", topology: tuple[tuple[str, str], ...] = CLUSTER_NODES
    ) -> None:
        self.dir = Path(base).resolve()
        self.name = name
        self.topology = topology  # (shard, replica) of each node, as CLUSTER_NODES
        self.zookeeper = ZooKeeperServer(self.dir / "zookeeper")
        self.nodes: list[ClickHouseServer] = []
        self.shard_of: dict[int, str] = {}  # node index -> shard name

    def start(self) -> ClickHouseCluster:
        self.zookeeper.start()
        try:
            servers = [ClickHouseServer(self.dir / replica) for _, replica in self.topology]
            shards: dict[str, list[int]] = {}
            for (shard, _), server in zip(self.topology, servers, strict=True):
                shards.setdefault(shard, []).append(server.port)
            topology = "".join(
                "<shard><internal_replication>true</internal_replication>"
                + "".join(
                    f"<replica><host>127.0.0.1</host><port>{port}</port></replica>"
                    for port in ports
                )
                + "</shard>"
                for ports in shards.values()
            )
            for index, ((shard, replica), server) in enumerate(
                zip(self.topology, servers, strict=True)
            ):
                server.cluster_config = _CLUSTER_CONFIG.format(
                    interserver=free_port(),
                    cluster=self.name,
                    shards=topology,
                    zookeeper=self.zookeeper.port,
                    shard=shard,
                    replica=replica,
                )
                self.shard_of[index] = shard
                self.nodes.append(server.start())
            for server in self.nodes:
                self._wait_zookeeper(server)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_zookeeper(self, server: ClickHouseServer, timeout: float = 60.0) -> None:
        """Until `server` has its ZooKeeper session: on a loaded machine the first handshake
        can fail, and 18.16's DDL worker then crashes the server on the first ON CLUSTER
        query (a NULL session in zkutil::ZooKeeper::createImpl); restarted once if so."""
        from clickhouse_driver import Client

        deadline = time.monotonic() + timeout
        restarted = False
        while time.monotonic() < deadline:
            if server.process is not None and server.process.poll() is not None and not restarted:
                server.start()
                restarted = True
            try:
                client = Client("127.0.0.1", port=server.port, connect_timeout=2)
                client.execute("SELECT count() FROM system.zookeeper WHERE path = '/'")
                return
            except Exception:  # no session yet
                time.sleep(0.5)
        raise RuntimeError(f"clickhouse-server in {server.dir} has no ZooKeeper session")

    def url_for(self, database: str, node: int = 0) -> str:
        return self.nodes[node].url_for(database)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        self.zookeeper.stop()


def _stop(process: subprocess.Popen[bytes] | None, sig: int) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, sig)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def redis_server(base: Path, appendonly: bool = True, password: bool = False) -> EmbeddedRedis:
    """Debian's redis-server, not started yet (with `password`, it asks for a random one)."""
    return EmbeddedRedis(base, binary=REDIS_BINARY, appendonly=appendonly, password=password)


# Fixtures that start Debian's servers (tests/conftest.py and the fault tests' own ones).
DEBIAN_SERVER_FIXTURES = frozenset(
    {
        "clickhouse",
        "ch_url",
        "redis_debian",
        "own_clickhouse",
        "own_redis",
        "redis_cluster",
        "ch_cluster",
        "ch_cluster_url",
    }
)
# Fixtures that start the ClickHouse cluster (three servers and ZooKeeper): their tests carry
# the `cluster` mark too, so `-m cluster` runs them alone and `-m "not cluster"` skips them.
CLUSTER_FIXTURES = frozenset({"ch_cluster", "ch_cluster_url"})


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


def unmarked_cluster_tests(items: Iterable[Any]) -> list[str]:
    """The node ids of collected tests using the ClickHouse cluster without the `cluster` mark."""
    return [
        item.nodeid
        for item in items
        if CLUSTER_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("cluster") is None
    ]
