"""`linkgraph serve` benchmark: the HTTP API's latency beside the CLI's, on one store.

    python -m bench.bench_serve --links 10000000 --data /tmp/lg-serve-10m     # load once, time
    python -m bench.bench_serve --links 100000000 --data /big/lg-serve-100m   # the 100M run
    python -m bench.bench_serve --data /tmp/lg-serve-10m                      # time again
    python -m bench.bench_serve --links 10000000 --clickhouse clickhouse://127.0.0.1:9000/bench

The store holds bench_store's synthetic graph (target0.com is the most linked domain, ~1/8 of
all links); it is loaded when DATA/store does not exist yet (bench_store.load_graph: Arrow
columns, 1M links per INSERT). Then, with `linkgraph serve` on it: p50 of a random domain's
first page of backlinks (`limit=100`, QUERY_SAMPLES domains after one warm-up each), the most
linked domain's first page of backlinks and of its referring domains (`limit=100`) and all of
its referring domains (`_all`; median of 3 each), p50/p95 with
CONCURRENT clients asking random domains' first pages at once, and the server's RSS (now and
its peak). The server stopped (chDB is one process at a time), the CLI answers the same
questions: its wall time includes its 0.6-0.8 s start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

from bench.bench_store import LOAD_BATCHES_PER_INSERT, QUERY_SAMPLES, load_graph
from pipelines.store import open_store

CONCURRENT = 20
REQUESTS_EACH = 10
ROOT = Path(__file__).resolve().parents[1]
_READY = re.compile(r"linkgraph: serving on (http://\S+)")


def store_target(data: Path, clickhouse: str) -> str:
    """The store benchmarked: the --clickhouse URL, else DATA/store (chDB)."""
    return clickhouse or str((data / "store").resolve())


def load(data: Path, links: int, clickhouse: str = "") -> None:
    """bench_store's graph into the store, unless it is there already."""
    if not clickhouse and (data / "store").exists():
        return
    store = open_store(store_target(data, clickhouse))
    try:
        store.migrate()
        if clickhouse and store.query("SELECT count() FROM link_fetches").rows[0][0]:
            return
        start = time.perf_counter()
        rows, _ = load_graph(store, links, LOAD_BATCHES_PER_INSERT)
        print(f"loaded {rows:,} links in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    finally:
        store.close()


def domains(target: str, seed: int = 11) -> list[str]:
    store = open_store(target)
    try:
        rows = int(store.query("SELECT count() FROM link_fetches").rows[0][0])
    finally:
        store.close()
    targets = max(rows // 100, 10)  # as bench_store draws them: target0.com ...
    rng = np.random.default_rng(seed)
    return [f"target{d}.com" for d in rng.choice(targets, QUERY_SAMPLES, replace=False)]


def _store_args(data: Path, clickhouse: str) -> list[str]:
    return ["--data", str(data), *(["--clickhouse", clickhouse] if clickhouse else [])]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


class Server:
    """`linkgraph serve --data DATA [--clickhouse URL] --port 0` in a child process."""

    def __init__(self, data: Path, clickhouse: str = "") -> None:
        command = [sys.executable, "-m", "crawler.cli.app", "serve", *_store_args(data, clickhouse)]
        self.proc = subprocess.Popen(
            [*command, "--port", "0"], stderr=subprocess.PIPE, text=True, env=_env()
        )
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            found = _READY.search(line)
            if found:
                self.url = found.group(1)
                return
        raise RuntimeError("serve did not start")

    def rss_mb(self) -> tuple[float, float]:
        """(VmRSS, VmHWM) in MB: now and the peak."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        found = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
        return int(found["VmRSS"]) / 1024, int(found["VmHWM"]) / 1024

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.communicate(timeout=60)


async def _get(session: aiohttp.ClientSession, url: str) -> float:
    start = time.perf_counter()
    async with session.get(url) as response:
        await response.read()
        assert response.status == 200, (url, response.status)
    return (time.perf_counter() - start) * 1000


async def api_figures(base: str, sample: list[str]) -> dict[str, Any]:
    def backlinks(domain: str) -> str:
        return f"{base}/api/v1/backlinks?domain={domain}&limit=100"

    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        times = []
        for domain in sample:
            await _get(session, backlinks(domain))  # warm-up
            times.append(await _get(session, backlinks(domain)))
        top = [await _get(session, backlinks("target0.com")) for _ in range(3)]
        refs = f"{base}/api/v1/refdomains?domain=target0.com"
        top_refs = [await _get(session, refs + "&limit=100") for _ in range(3)]
        all_refs = [await _get(session, refs) for _ in range(3)]
        rng = np.random.default_rng(5)

        async def client() -> list[float]:
            picks = rng.choice(sample, REQUESTS_EACH)
            return [await _get(session, backlinks(str(d))) for d in picks]

        start = time.perf_counter()
        rounds = await asyncio.gather(*(client() for _ in range(CONCURRENT)))
        wall = time.perf_counter() - start
    together = sorted(t for r in rounds for t in r)
    return {
        "backlinks_p50_ms": statistics.median(times),
        "top_backlinks_ms": statistics.median(top),
        "top_refdomains_ms": statistics.median(top_refs),
        "top_refdomains_all_ms": statistics.median(all_refs),
        "concurrent_p50_ms": statistics.median(together),
        "concurrent_p95_ms": together[int(len(together) * 0.95) - 1],
        "concurrent_requests_per_s": len(together) / wall,
    }


def _cli_ms(store: list[str], *args: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "crawler.cli.app", *args, *store, "--format", "jsonl"],
        check=True,
        stdout=subprocess.DEVNULL,
        env=_env(),
    )
    return (time.perf_counter() - start) * 1000


def cli_figures(data: list[str], sample: list[str]) -> dict[str, Any]:
    some = sample[:5]  # each run pays the start-up: a few say enough
    return {
        "backlinks_p50_ms": statistics.median(
            _cli_ms(data, "backlinks", d, "--limit", "100") for d in some
        ),
        "top_backlinks_ms": statistics.median(
            _cli_ms(data, "backlinks", "target0.com", "--limit", "100") for _ in range(3)
        ),
        "top_refdomains_ms": statistics.median(
            _cli_ms(data, "refdomains", "target0.com", "--limit", "100") for _ in range(3)
        ),
        "top_refdomains_all_ms": statistics.median(
            _cli_ms(data, "refdomains", "target0.com") for _ in range(3)
        ),
    }


def run(data: Path, links: int, clickhouse: str = "") -> dict[str, Any]:
    load(data, links, clickhouse)
    sample = domains(store_target(data, clickhouse))
    load_start = os.getloadavg()[0]
    server = Server(data, clickhouse)
    try:
        api = asyncio.run(api_figures(server.url, sample))
        rss, peak = server.rss_mb()
    finally:
        server.stop()
    cli = cli_figures(_store_args(data, clickhouse), sample)
    return {
        "api": api,
        "cli": cli,
        "server_rss_mb": rss,
        "server_peak_rss_mb": peak,
        "load": [load_start, os.getloadavg()[0]],
    }


def main(quick: bool = False) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="the store's data directory (default: temporary)")
    parser.add_argument("--clickhouse", default="", help="a clickhouse:// store instead of chDB")
    parser.add_argument("--links", type=int, help="links to load if new (default 10M; quick 200k)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()
    links = args.links or (200_000 if quick else 10_000_000)
    with tempfile.TemporaryDirectory(prefix="lg-bench-serve-") as tmp:
        result = run(args.data or Path(tmp), links, args.clickhouse)
    if args.json:
        print(json.dumps(result))
        return
    api, cli = result["api"], result["cli"]
    print(f"{'figure':<34}{'API (serve)':>14}{'CLI':>12}{'CLI/API':>9}")
    for name in (
        "backlinks_p50_ms",
        "top_backlinks_ms",
        "top_refdomains_ms",
        "top_refdomains_all_ms",
    ):
        print(f"{name:<34}{api[name]:>14.1f}{cli[name]:>12.1f}{cli[name] / api[name]:>9.1f}")
    print(
        f"{CONCURRENT} clients: p50 {api['concurrent_p50_ms']:.1f} ms, "
        f"p95 {api['concurrent_p95_ms']:.1f} ms, {api['concurrent_requests_per_s']:.0f} req/s"
    )
    print(f"server RSS {result['server_rss_mb']:.0f} MB (peak {result['server_peak_rss_mb']:.0f})"
          f"; load {result['load'][0]:.1f} -> {result['load'][1]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
