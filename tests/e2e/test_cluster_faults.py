"""Issue 13's first "done when": a crawl of the simulated web on a Redis Cluster of three masters
with a replica each (the runbook's, cluster-node-timeout 1 s) and the 2-shard ClickHouse
cluster (shard s1 with 2 replicas, ZooKeeper), by three `linkgraph worker` processes beside the
crawl's own, stores exactly the truth although one worker is SIGKILLed mid-crawl and the
master holding the crawl's meta is SIGKILLed and replaced by its replica: 0 pages lost,
0 links doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from redis.crc import key_slot

from crawler.testweb import WebServer, build_web, truth
from tests.helpers.e2e import (
    diff,
    seeds_file,
    stored,
    truth_links,
    truth_pages,
    wait_for,
)
from tests.helpers.runbook import ROOT, LoopbackDeploy
from tests.helpers.servers import ClickHouseCluster, have_redis_server

pytestmark = [pytest.mark.server, pytest.mark.cluster]

SITES, PAGES_PER_SITE, SEED = 10, 40, 17
# Politeness stretches the crawl (a host fetched at most every 0.4 s, 35 pages a site) past the
# workers' start-up, so each fault strikes a crawl in full swing.
HOST_DELAY = "0.4"
CRAWL_ID = "faults"


@pytest.fixture(scope="module")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackDeploy]:
    """The runbook's Redis Cluster (3 masters + 3 replicas, password), started by its blocks."""
    if not have_redis_server():
        pytest.skip("Debian's redis-server is not installed (make test installs it)")
    deploy = LoopbackDeploy(tmp_path_factory.mktemp("faults-redis"))
    try:
        deploy.start_redis()
        yield deploy
    finally:
        deploy.stop()


def test_a_worker_killed_and_a_master_failed_over_lose_no_page_and_double_no_link(
    tmp_path: Path, redis_cluster: LoopbackDeploy, ch_cluster: ClickHouseCluster,
    ch_cluster_url: str,
) -> None:  # fmt: skip
    store = ch_cluster_url + "?cluster=lg"
    web = build_web(SITES, PAGES_PER_SITE, SEED)
    records: list[dict[str, Any]] = list(truth(web))
    expected_pages, expected_links = truth_pages(records), truth_links(records)
    database = ch_cluster_url.rsplit("/", 1)[1]
    stored_pages = _stored_pages(ch_cluster.nodes[0].port, database)
    client = redis.RedisCluster(
        host="127.0.0.1", port=redis_cluster.redis_ports[1], password=redis_cluster.redis_password
    )
    processes: list[subprocess.Popen[str]] = []
    with WebServer(web, latency_ms=20) as server:
        common = ["--redis", redis_cluster.redis_url, "--clickhouse", store]
        common += ["--proxy", server.proxy]
        policy = ["--lease-timeout", "3", "--host-delay", HOST_DELAY, "--crawl-id", CRAWL_ID]
        seeds = str(seeds_file(web, tmp_path))
        try:
            crawl = _start(
                ["crawl", "--seeds-file", seeds, *common, *policy, "--workers", "1",
                 "--data", str(tmp_path / "crawl")],
                tmp_path / "crawl.log",
            )  # fmt: skip
            processes.append(crawl)
            wait_for("the crawl in the frontier", lambda: client.get("lg:current") is not None)
            for i in range(3):
                spool = str(tmp_path / f"w{i}")
                args = ["worker", *common, "--worker-id", f"w{i}", "--data", spool]
                processes.append(_start(args, tmp_path / f"worker{i}.log"))
            workers = processes[1:]
            # Killed while it holds leases (its heartbeat says how many), mid-crawl.
            wait_for("w0 holding leases", lambda: _heartbeat(client, "w0").get("held", 0) > 0)
            os.killpg(workers[0].pid, signal.SIGKILL)
            assert crawl.poll() is None and stored_pages() < len(expected_pages)
            wait_for("half of the pages", lambda: stored_pages() >= len(expected_pages) // 2)
            master = _master_of(redis_cluster, f"{{{CRAWL_ID}}}", exclude=0)
            os.kill(redis_cluster.redis_pids[master], signal.SIGKILL)
            # Mid-crawl indeed: pages were still to come when the master died.
            assert crawl.poll() is None and stored_pages() < len(expected_pages)
            wait_for(
                "its replica promoted",
                lambda: _master_of(redis_cluster, f"{{{CRAWL_ID}}}", exclude=master) != master,
                timeout=60,
            )
            assert crawl.wait(300) == 0, (tmp_path / "crawl.log").read_text()[-6000:]
            for i, worker in enumerate(workers[1:], 1):
                assert worker.wait(120) == 0, (tmp_path / f"worker{i}.log").read_text()[-6000:]
        finally:
            for proc in processes:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
    pages, links = stored(store)
    lost = sorted(set(expected_pages) - set(pages))
    doubled = links - expected_links
    assert (len(lost), sum(doubled.values())) == (0, 0), (lost[:12], doubled.most_common(12))
    assert pages == expected_pages, diff(Counter(expected_pages.items()), Counter(pages.items()))
    assert links == expected_links, diff(expected_links, links)


def _start(args: list[str], log: Path) -> subprocess.Popen[str]:
    """`linkgraph ARGS` in its own process group (a SIGKILL to the group is a machine lost)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "crawler.cli.app", *args],
            stdout=out, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT,
            start_new_session=True,
        )  # fmt: skip


def _stored_pages(port: int, database: str) -> Any:
    """A count of the distinct pages the cluster holds (0 before the schema exists)."""
    from clickhouse_driver import Client

    client = Client("127.0.0.1", port=port)

    def count() -> int:
        try:
            rows = client.execute(f"SELECT uniqExact(url) FROM {database}.page_fetches")
        except Exception:  # the crawl has not created the schema yet
            return 0
        return int(rows[0][0])

    return count


def _heartbeat(client: redis.RedisCluster, worker: str) -> dict[str, Any]:
    """`worker`'s last heartbeat in the crawl's frontier ({} before its first): pages, held."""
    raw = client.hget(f"lg:{{{CRAWL_ID}}}:workers", worker)
    return dict(json.loads(raw)) if raw else {}


def _master_of(deploy: LoopbackDeploy, key: str, exclude: int) -> int:
    """The port of the master serving `key`'s slot, as a node other than `exclude` sees it."""
    slot = key_slot(key.encode())
    for port in deploy.redis_ports:
        if port == exclude:
            continue
        try:
            node = redis.Redis(port=port, password=deploy.redis_password, socket_timeout=1)
            for start, end, master, *_ in node.execute_command("CLUSTER SLOTS"):
                if int(start) <= slot <= int(end):
                    return int(master[1])
        except redis.RedisError:
            continue
    raise AssertionError("no node answers CLUSTER SLOTS")
