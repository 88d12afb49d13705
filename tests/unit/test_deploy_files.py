"""deploy/cluster/: the templates schema/cluster/DEPLOY.md and the compose file share.

render.sh expands only ${NAME} (it evaluates a here-document), so a template must hold nothing
else the shell would run; a variable left unset stops it instead of writing an empty value."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.helpers.runbook import CH_NODES, DEPLOY, LoopbackDeploy, render, template_files

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
