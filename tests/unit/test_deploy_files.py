"""deploy/cluster/: the templates schema/cluster/DEPLOY.md and the compose file share.

render.sh expands only ${NAME} (it evaluates a here-document), so a template must hold nothing
else the shell would run; a variable left unset stops it instead of writing an empty value."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.helpers.compose_file import env_file, load
from tests.helpers.runbook import (
    CH_NODES,
    DEPLOY,
    LoopbackDeploy,
    declared_names,
    render,
    runbook_blocks,
    template_files,
)

LOOPBACK = LoopbackDeploy(Path("/nonexistent-unused"))


def test_templates_hold_nothing_but_variables_for_the_shell() -> None:
    assert {p.name for p in template_files()} == {"cluster.xml", "node.xml", "users.xml",
                                                  "node.conf", "zoo.cfg"}  # fmt: skip
    for template in template_files():
        text = template.read_text()
        for bad in ("`", "\\", "$(", "__LINKGRAPH_TEMPLATE_END__"):
            assert bad not in text, f"{template}: {bad!r} would be run or end the template"


def test_render_fills_in_values_as_given_and_refuses_an_unset_one(tmp_path: Path) -> None:
    template = tmp_path / "t.conf"
    template.write_text('port ${PORT}\npass "${PASSWORD}"\n')
    # A value is pasted as is, never run: $(...), quotes and backquotes stay text.
    assert render(template, {"PORT": "1", "PASSWORD": "a$(id)`b`'\""}) == (
        'port 1\npass "a$(id)`b`\'""\n'
    )
    proc = subprocess.run(
        ["sh", str(DEPLOY / "render.sh"), str(template)],
        env={"PORT": "1"}, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode != 0 and "PASSWORD" in proc.stderr


@pytest.mark.parametrize("shard,replica", CH_NODES)
def test_clickhouse_files_make_cluster_lg_of_two_shards_of_two_replicas(
    shard: str, replica: str
) -> None:
    env = LOOPBACK.env(CH_SHARD=shard, CH_REPLICA=replica)
    cluster = ET.fromstring(render(DEPLOY / "clickhouse" / "cluster.xml", env))
    shards = cluster.findall("remote_servers/lg/shard")
    assert [s.findtext("internal_replication") for s in shards] == ["true", "true"]
    ports = [[r.findtext("port") for r in s.findall("replica")] for s in shards]
    assert ports == [[str(LOOPBACK.ch_ports[r]) for s, r in CH_NODES if s == name]
                     for name in ("s1", "s2")]  # fmt: skip
    assert {r.findtext("user") for r in cluster.iter("replica")} == {"linkgraph"}
    assert cluster.findtext("distributed_ddl/path") == "/clickhouse/task_queue/ddl"
    assert cluster.findtext("zookeeper/node/port") == str(LOOPBACK.zk_port)
    node = ET.fromstring(render(DEPLOY / "clickhouse" / "node.xml", env))
    macros = {m.tag: m.text for m in node.find("macros") or []}
    assert macros == {"cluster": "lg", "shard": shard, "replica": replica}
    users = ET.fromstring(render(DEPLOY / "clickhouse" / "users.xml", env))
    profile = users.find("profiles/linkgraph")
    assert profile is not None
    assert profile.findtext("insert_distributed_sync") == "1"
    assert profile.findtext("distributed_product_mode") == "global"
    assert users.findtext("users/linkgraph/password") == LOOPBACK.ch_password


# deploy/docker-compose.yml, profile cluster: the runbook's cluster from the same files.
COMPOSE_DIR = DEPLOY.parent
COMPOSE = load((COMPOSE_DIR / "docker-compose.yml").read_text())["services"]
PASSWORDS = {"CH_PASSWORD": "chpw1", "REDIS_PASSWORD": "redispw1"}
MOUNT = "./cluster:/linkgraph-deploy:ro"  # deploy/cluster, where each container reads it


def _profile(name: str) -> dict[str, dict[str, Any]]:
    return {key: s for key, s in COMPOSE.items() if name in s.get("profiles", [])}


def _compose_value(value: str) -> str:
    """What compose makes of a value: ${NAME:-} from the shell (the passwords), $$ a $."""
    value = re.sub(r"\$\{(\w+):-\}", lambda m: PASSWORDS[m[1]], value)
    assert "${" not in value, value
    return value.replace("$$", "$")


def _env(service: dict[str, Any]) -> dict[str, str]:
    """A container's environment: its env_files, then its `environment`."""
    env: dict[str, str] = {}
    for name in service.get("env_file", []):
        env.update(env_file((COMPOSE_DIR / name).read_text()))
    env.update({k: _compose_value(v) for k, v in service.get("environment", {}).items()})
    return env


def _run(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(DEPLOY / script), *args],
        env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True,
    )  # fmt: skip


def test_the_cluster_profile_keeps_its_ports_inside_and_sets_both_passwords() -> None:
    cluster = {**_profile("cluster"), **_profile("cluster-crawl")}
    assert len(cluster) == 1 + 4 + 6 + 1 + 2  # zookeeper, ClickHouse, Redis, init, workers
    assert [name for name, s in cluster.items() if "ports" in s or "network_mode" in s] == []
    for service in _profile("single").values():
        assert all(p.startswith("127.0.0.1:") for p in service.get("ports", [])), service
    for name, service in cluster.items():
        if name == "zookeeper":
            continue  # no users: only ClickHouse reaches it, inside the compose network
        env = service.get("environment", {})
        needs = [n for n in PASSWORDS if any(f"${{{n}:-}}" in v for v in env.values())]
        assert needs, f"{name} gets no password"


def test_compose_clickhouse_nodes_are_the_runbooks_cluster(tmp_path: Path) -> None:
    nodes = {n: s for n, s in _profile("cluster").items() if "clickhouse" in s.get("image", "")}
    topology: dict[str, list[str]] = {}
    for name, service in nodes.items():
        assert MOUNT in service["volumes"]
        assert service["entrypoint"][-1].startswith(
            "sh /linkgraph-deploy/clickhouse-config.sh /etc/clickhouse-server && exec "
        )
        env = _env(service)
        assert env["CH_INTERSERVER_HOST"] == service["hostname"] == name
        # The very script and templates the runbook test ran on loopback, with compose's values.
        etc = tmp_path / name
        assert _run("clickhouse-config.sh", env, str(etc)).returncode == 0
        config = ET.parse(etc / "config.d" / "linkgraph-cluster.xml").getroot()
        hosts = [[r.findtext("host") for r in s.findall("replica")]
                 for s in config.findall("remote_servers/lg/shard")]  # fmt: skip
        assert config.findtext("zookeeper/node/host") in _profile("cluster")
        macros = ET.parse(etc / "config.d" / "linkgraph-node.xml").getroot().find("macros")
        assert macros is not None and macros.findtext("cluster") == "lg"
        topology.setdefault(str(macros.findtext("shard")), []).append(name)
        assert (macros.findtext("shard"), macros.findtext("replica")) in CH_NODES
    assert [sorted(names) for names in topology.values()] == hosts
    assert sorted((_env(s)["CH_SHARD"], _env(s)["CH_REPLICA"]) for s in nodes.values()) == sorted(
        CH_NODES
    )


def test_compose_redis_zookeeper_and_workers_use_the_runbooks_files(tmp_path: Path) -> None:
    redis_nodes = {
        name: service
        for name, service in _profile("cluster").items()
        if service.get("image", "").startswith("redis") and name != "redis-cluster-init"
    }
    assert len(redis_nodes) == 6
    for service in redis_nodes.values():
        assert service["entrypoint"] == ["sh", "/linkgraph-deploy/redis-node.sh"]
        assert MOUNT in service["volumes"]
        conf = render(DEPLOY / "redis" / "node.conf", _env(service))
        assert "cluster-enabled yes\n" in conf and "requirepass redispw1\n" in conf
    init = COMPOSE["redis-cluster-init"]
    assert init["entrypoint"] == ["sh", "/linkgraph-deploy/redis-cluster-create.sh"]
    listed = _env(init)["REDIS_NODES"].split()
    assert sorted(listed) == sorted(f"{n}:6379" for n in redis_nodes) and set(
        init["depends_on"]
    ) == set(redis_nodes)
    zookeeper = COMPOSE["zookeeper"]
    assert "render.sh /linkgraph-deploy/zookeeper/zoo.cfg" in zookeeper["entrypoint"][-1]
    assert f"clientPort={_env(zookeeper)['ZK_PORT']}\n" in render(
        DEPLOY / "zookeeper" / "zoo.cfg", _env(zookeeper)
    )
    for name in ("cluster-worker", "cluster-crawl"):
        env = _env(COMPOSE[name])
        redis_url, ch_url = urlsplit(env["LINKGRAPH_REDIS"]), urlsplit(env["LINKGRAPH_CLICKHOUSE"])
        assert redis_url.hostname in redis_nodes and redis_url.password == "redispw1"
        assert ch_url.hostname in _profile("cluster") and ch_url.query == "cluster=lg"
        assert (ch_url.username, ch_url.password) == ("linkgraph", "chpw1")


def test_compose_speaks_the_runbooks_variables() -> None:
    declared = declared_names(runbook_blocks()["variables"])
    for name, service in {**_profile("cluster"), **_profile("cluster-crawl")}.items():
        names = {n for n in _env(service) if not n.startswith("LINKGRAPH_")}
        assert names - declared == set(), f"{name}: not in the runbook's variables"


def test_servers_refuse_to_start_without_a_password(tmp_path: Path) -> None:
    env = {**LOOPBACK.env(), "CH_PASSWORD": "", "REDIS_PASSWORD": ""}
    for script, args in (("clickhouse-config.sh", [str(tmp_path)]), ("redis-node.sh", [])):
        proc = _run(script, env, *args)
        assert proc.returncode != 0 and "PASSWORD" in proc.stderr, (script, proc.stderr)
    assert not (tmp_path / "config.d").exists()
