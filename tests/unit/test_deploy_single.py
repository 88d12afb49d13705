"""deploy/ (issue 14, point 6): the compose file publishes no port by default (an opt-in override
publishes the single profile's on the host's loopback), its Redis asks for a password, its
ClickHouse has a user with a password, and the workers' URLs carry both."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.helpers.compose_file import env_file, load

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SERVICES = load((DEPLOY / "docker-compose.yml").read_text())["services"]
OVERRIDE = load((DEPLOY / "docker-compose.ports.yml").read_text())["services"]
SHELL = {"CH_PASSWORD": "chpw1", "REDIS_PASSWORD": "redispw1"}  # what compose reads


def _compose_value(value: str) -> str:
    value = re.sub(r"\$\{(\w+):-\}", lambda m: SHELL[m[1]], value)
    assert "${" not in value, value
    return value.replace("$$", "$")


def _env(service: dict[str, Any]) -> dict[str, str]:
    env: dict[str, str] = {}
    for name in service.get("env_file", []):
        env.update(env_file((DEPLOY / name).read_text()))
    env.update({k: _compose_value(v) for k, v in service.get("environment", {}).items()})
    return env


def _entrypoint(service: dict[str, Any], env: dict[str, str], tmp_path: Path) -> Any:
    """Run a service's `sh -c` entrypoint with the image's own entrypoint stubbed (it prints
    the command it would run)."""
    for stub in ("docker-entrypoint.sh", "entrypoint.sh"):
        (tmp_path / stub).write_text('#!/bin/sh\necho "$@"\n')
        (tmp_path / stub).chmod(0o755)
    script = _compose_value(service["entrypoint"][-1]).replace("/entrypoint.sh", "entrypoint.sh")
    return subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True,
        env={"PATH": f"{tmp_path}:/usr/bin:/bin", **env},
    )  # fmt: skip


def test_no_service_publishes_a_port_unless_the_override_is_added() -> None:
    assert [name for name, s in SERVICES.items() if "ports" in s or "network_mode" in s] == []
    assert set(OVERRIDE) == {"redis", "clickhouse"}
    published = [p for s in OVERRIDE.values() for p in s["ports"]]
    assert published and all(p.startswith("127.0.0.1:") for p in published)


def test_single_redis_asks_for_the_password_and_refuses_to_start_without(tmp_path: Path) -> None:
    redis = SERVICES["redis"]
    started = _entrypoint(redis, _env(redis), tmp_path)
    assert started.returncode == 0, started.stderr
    words = started.stdout.split()
    assert words[0] == "redis-server" and words[words.index("--requirepass") + 1] == "redispw1"
    refused = _entrypoint(redis, {"REDIS_PASSWORD": ""}, tmp_path)
    assert refused.returncode != 0 and "REDIS_PASSWORD" in refused.stderr
    assert refused.stdout == ""


def test_single_clickhouse_has_a_user_with_a_password(tmp_path: Path) -> None:
    clickhouse = SERVICES["clickhouse"]
    mount = "./clickhouse-users.xml:/etc/clickhouse-server/users.d/linkgraph.xml:ro"
    assert mount in clickhouse["volumes"]
    users = ET.parse(DEPLOY / "clickhouse-users.xml").getroot()
    password = users.find("users/linkgraph/password")
    assert password is not None and password.get("from_env") == "CH_PASSWORD"
    default_networks = users.find("users/default/networks")
    assert default_networks is not None and default_networks.get("replace") == "replace"
    assert [ip.text for ip in default_networks] == ["::1", "127.0.0.1"]
    assert _env(clickhouse)["CH_PASSWORD"] == "chpw1"
    assert _entrypoint(clickhouse, _env(clickhouse), tmp_path).returncode == 0
    refused = _entrypoint(clickhouse, {"CH_PASSWORD": ""}, tmp_path)
    assert refused.returncode != 0 and "CH_PASSWORD" in refused.stderr


def test_single_workers_get_urls_with_the_credentials() -> None:
    for name in ("worker", "crawl"):
        env = _env(SERVICES[name])
        redis, ch = urlsplit(env["LINKGRAPH_REDIS"]), urlsplit(env["LINKGRAPH_CLICKHOUSE"])
        assert (redis.hostname, redis.port, redis.password) == ("redis", 6379, "redispw1")
        assert (ch.hostname, ch.port, ch.path) == ("clickhouse", 9000, "/linkgraph")
        assert (ch.username, ch.password) == ("linkgraph", "chpw1")


def test_env_example_names_both_passwords() -> None:
    example = env_file((DEPLOY / "env.example").read_text())
    assert example["REDIS_PASSWORD"] == example["CH_PASSWORD"] == ""  # the operator sets them
    assert urlsplit(example["LINKGRAPH_REDIS"]).password == "REDIS_PASSWORD"
    assert urlsplit(example["LINKGRAPH_CLICKHOUSE"]).username == "linkgraph"
