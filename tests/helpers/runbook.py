"""schema/cluster/DEPLOY.md as a script: its fenced `sh ROLE` blocks, run on loopback.

`runbook_blocks()` reads the runbook's blocks by role (`variables`, `zookeeper`,
`clickhouse-node`, ...); `LoopbackDeploy` gives every variable of the `variables` block a
loopback value (127.0.0.1, free ports, directories under the test's temporary folder), runs a
role's block with them through bash, and stops every server the blocks started, by the PID in
its pid file:

    >>> deploy = LoopbackDeploy(tmp_path)                               # doctest: +SKIP
    >>> deploy.start_zookeeper(); deploy.start_clickhouse()             # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from crawler.run.embedded import free_port
from tests.helpers.servers import _CONFIG, _USERS

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = ROOT / "schema" / "cluster" / "DEPLOY.md"
DEPLOY = ROOT / "deploy" / "cluster"
# The cluster the runbook and deploy/ build: shard -> replicas, in remote_servers' order.
CH_NODES = (("s1", "s1-r1"), ("s1", "s1-r2"), ("s2", "s2-r1"), ("s2", "s2-r2"))
REDIS_NODES = 6  # 3 masters + 3 replicas
# A master is failed over after this long silent: short, so the fault test's stall is short.
REDIS_NODE_TIMEOUT_MS = 1000
_FENCE = re.compile(r"^```sh (?P<role>[\w-]+)\n(?P<code>.*?)^```$", re.M | re.S)
_NAME = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_EXPORT = re.compile(r"\b([A-Z][A-Z0-9_]*)=")


def runbook_blocks(path: Path = RUNBOOK) -> dict[str, str]:
    """Role -> code of every fenced `sh ROLE` block; a role used twice is an error."""
    blocks: dict[str, str] = {}
    for match in _FENCE.finditer(path.read_text(encoding="utf-8")):
        role = match["role"]
        assert role not in blocks, f"two `sh {role}` blocks in {path}"
        blocks[role] = match["code"]
    return blocks


def declared_names(variables: str) -> set[str]:
    """The names the `variables` block exports."""
    names: set[str] = set()
    for line in variables.splitlines():
        if line.startswith("export "):
            names.update(_EXPORT.findall(line.split("#")[0]))
    return names


def used_names(text: str) -> set[str]:
    """The variables `text` (a block or a template) reads: `$NAME` and `${NAME}`."""
    return set(_NAME.findall(text))


def template_files() -> list[Path]:
    """The templates deploy/cluster/render.sh fills in."""
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".xml", ".conf", ".cfg"})


def render(template: Path, env: Mapping[str, str]) -> str:
    """`template` through deploy/cluster/render.sh with exactly `env` (and PATH)."""
    return subprocess.run(
        ["sh", str(DEPLOY / "render.sh"), str(template)],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


@dataclass
class LoopbackDeploy:
    """The runbook's servers on 127.0.0.1: ZooKeeper, the four ClickHouse nodes, the six Redis
    nodes; `env()` holds every variable of the `variables` block for loopback."""

    base: Path
    blocks: dict[str, str] = field(default_factory=runbook_blocks)
    ch_ports: dict[str, int] = field(default_factory=dict)
    redis_ports: list[int] = field(default_factory=list)
    redis_pids: dict[int, int] = field(default_factory=dict)  # port -> pid
    pids: list[int] = field(default_factory=list)
    background: list[subprocess.Popen[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base = self.base.resolve()
        self.bin = self.base / "bin"
        self.ch_ports = {replica: free_port() for _, replica in CH_NODES}
        self.redis_ports = [free_port() for _ in range(REDIS_NODES)]
        self.zk_port = free_port()
        self.ch_password = "chpass0loopback"
        self.redis_password = "redispass0loopback"

    @property
    def ch_url(self) -> str:
        port = self.ch_ports["s1-r1"]
        return f"clickhouse://linkgraph:{self.ch_password}@127.0.0.1:{port}/linkgraph?cluster=lg"

    @property
    def redis_url(self) -> str:
        return f"redis://:{self.redis_password}@127.0.0.1:{self.redis_ports[0]}/0"

    def env(self, **extra: str) -> dict[str, str]:
        """Every variable of the runbook's `variables` block, for loopback (node s1-r1 and the
        first Redis node as "this node"), updated with `extra`."""
        env = {
            "ZK_HOST": "127.0.0.1", "ZK_PORT": str(self.zk_port), "ZK_LISTEN_HOST": "127.0.0.1",
            "ZK_DIR": str(self.base / "zookeeper"),
            "CH_PASSWORD": self.ch_password, "CH_NETWORK": "127.0.0.1",
            "REDIS_NODES": " ".join(f"127.0.0.1:{port}" for port in self.redis_ports),
            "REDIS_PASSWORD": self.redis_password,
            "REDIS_NODE_TIMEOUT": str(REDIS_NODE_TIMEOUT_MS),
            "REDIS_URL": self.redis_url, "CH_URL": self.ch_url,
            "SEEDS": str(self.base / "seeds.txt"), "LG_DATA": str(self.base / "linkgraph-data"),
            "CRAWL_OPTIONS": "", "WORKER_OPTIONS": "", "DOMAIN": "example.com",
        }  # fmt: skip
        for _, replica in CH_NODES:
            key = replica.upper().replace("-", "_")
            env[f"CH_{key}_HOST"] = "127.0.0.1"
            env[f"CH_{key}_PORT"] = str(self.ch_ports[replica])
        env.update(self._ch_node_env(*CH_NODES[0]))
        env.update(self._redis_node_env(0))
        env.update(extra)
        return env

    def run(self, role: str, env: Mapping[str, str], timeout: float = 120) -> str:
        """Run the runbook's `role` block with bash -e from the checkout; its stdout."""
        proc = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", self.blocks[role]],
            env=self._process_env(env), cwd=ROOT, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
        assert proc.returncode == 0, f"`sh {role}` exited {proc.returncode}:\n{proc.stderr}"
        return proc.stdout

    def start(self, role: str, env: Mapping[str, str], log: Path) -> subprocess.Popen[str]:
        """Start the runbook's `role` block in the background (stopped by `stop`)."""
        with log.open("w") as out:
            proc = subprocess.Popen(
                ["bash", "-euo", "pipefail", "-c", self.blocks[role]],
                env=self._process_env(env), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                text=True, start_new_session=True,
            )  # fmt: skip
        self.background.append(proc)
        return proc

    def start_zookeeper(self) -> None:
        self.run("zookeeper", self.env())
        self._track(Path(self.env()["ZK_DIR"]) / "data" / "zookeeper_server.pid")
        _wait("zookeeper", lambda: _zk_ok(self.zk_port), 60)

    def start_clickhouse(self) -> None:
        for shard, replica in CH_NODES:
            env = self.env(**self._ch_node_env(shard, replica))
            etc = Path(env["CH_ETC"])
            etc.mkdir(parents=True, exist_ok=True)
            # What Debian's package puts in /etc/clickhouse-server, with the data under base.
            node = etc.parent
            config = _CONFIG.format(
                dir=node, tcp=env["CH_PORT"], http=env["CH_HTTP_PORT"], cluster=""
            )
            (etc / "config.xml").write_text(config.replace(f"{node}/users.xml", f"{etc}/users.xml"))
            (etc / "users.xml").write_text(_USERS)
            self.run("clickhouse-node", env)
            self._track(Path(env["CH_PID_FILE"]))
        for replica, port in self.ch_ports.items():
            _wait(f"clickhouse {replica}", partial(self._ch_ok, port), 60)

    def start_redis(self) -> None:
        for index in range(REDIS_NODES):
            env = self.env(**self._redis_node_env(index))
            self.run("redis-node", env)
            self.redis_pids[self.redis_ports[index]] = self._track(
                Path(env["REDIS_DIR"]) / "redis.pid"
            )
        self.run("redis-cluster", self.env())
        _wait("the Redis Cluster", self.redis_cluster_ok, 60)

    def redis_cluster_ok(self) -> bool:
        import redis

        for port in self.redis_ports:
            try:
                client = redis.Redis(port=port, password=self.redis_password, socket_timeout=1)
                if "cluster_state:ok" not in _text(client.execute_command("CLUSTER INFO")):
                    return False
            except redis.RedisError:
                return False
        return True

    def ch_client(self, replica: str) -> Any:
        from clickhouse_driver import Client

        port = self.ch_ports[replica]
        return Client("127.0.0.1", port=port, user="linkgraph", password=self.ch_password)

    def stop(self) -> None:
        """Stop what the blocks started: background blocks by process group, servers by PID."""
        for proc in self.background:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for pid in reversed(self.pids):  # ClickHouse before the ZooKeeper it talks to
            _end(pid)

    def _track(self, pid_file: Path) -> int:
        # A server makes its PID file, then writes it: an empty file is not a PID yet.
        _wait(f"a PID in {pid_file}", lambda: _pid_in(pid_file) is not None, 30)
        pid = _pid_in(pid_file)
        assert pid is not None
        self.pids.append(pid)
        return pid

    def _ch_node_env(self, shard: str, replica: str) -> dict[str, str]:
        node = self.base / "clickhouse" / replica
        return {
            "CH_SHARD": shard, "CH_REPLICA": replica, "CH_ETC": str(node / "etc"),
            "CH_LISTEN_HOST": "127.0.0.1", "CH_INTERSERVER_HOST": "127.0.0.1",
            "CH_PORT": str(self.ch_ports[replica]), "CH_HTTP_PORT": str(free_port()),
            "CH_INTERSERVER_PORT": str(free_port()), "CH_PID_FILE": str(node / "server.pid"),
        }  # fmt: skip

    def _redis_node_env(self, index: int) -> dict[str, str]:
        return {
            "REDIS_BIND": "127.0.0.1", "REDIS_PORT": str(self.redis_ports[index]),
            # The default bus port (port + 10000) is out of range above 55535.
            "REDIS_BUS_PORT": str(free_port()),
            "REDIS_DIR": str(self.base / "redis" / f"node{index}"),
        }  # fmt: skip

    def _process_env(self, env: Mapping[str, str]) -> dict[str, str]:
        # `linkgraph` as the runbook types it, running this checkout (not the venv's install).
        shim = self.bin / "linkgraph"
        if not shim.exists():
            self.bin.mkdir(parents=True, exist_ok=True)
            shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m crawler.cli.app "$@"\n')
            shim.chmod(0o755)
        path = f"{self.bin}:{os.environ.get('PATH', '/usr/bin:/bin')}:/usr/sbin:/sbin"
        return {**os.environ, **env, "PATH": path, "PYTHONPATH": str(ROOT)}

    def _ch_ok(self, port: int) -> bool:
        from clickhouse_driver import Client

        try:
            client = Client(
                "127.0.0.1", port=port, user="linkgraph", password=self.ch_password,
                connect_timeout=1,
            )  # fmt: skip
            client.execute("SELECT 1")
            return True
        except Exception:  # not up yet
            return False


def _zk_ok(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"ruok")
            return sock.recv(16) == b"imok"
    except OSError:
        return False


def _text(info: Any) -> str:
    if isinstance(info, dict):
        return f"cluster_state:{info.get('cluster_state')}"
    return info.decode() if isinstance(info, bytes) else str(info)


def _pid_in(pid_file: Path) -> int | None:
    """The PID `pid_file` holds, or None while it is missing or not written yet."""
    try:
        text = pid_file.read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


def _wait(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _end(pid: int) -> None:
    """SIGTERM `pid`, SIGKILL after 20 s; a process already gone is fine."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
