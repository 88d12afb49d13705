"""End-to-end crawl throughput of the simulated web, beside `scrapy bench`, in one session.

Three measurements, each a real `linkgraph crawl` child process against `crawler.testweb` served
in this process (an HTTP proxy on 127.0.0.1):

- one worker, no latency: embedded (Valkey + chDB), and on Debian's redis-server +
  clickhouse-server when installed; pages/s beside `scrapy bench` (Scrapy's own
  follow-every-link spider on its local server, the same machine, the same session);
- one vs two workers at 100 ms per response, with enough hosts and per-host slots that the
  latency (`--concurrency` requests in flight per worker), not politeness, bounds the rate:
  embedded (two workers in one process, one core) and, with the Debian servers, worker
  processes (`linkgraph worker` children, one core each).

Two rates per crawl: its summary line's (pages over the wall time from the frontier's start to
the end, the workers' start-up included) and the steady one compared with `scrapy bench`
(whose rate lines also leave its start-up and its end out): the middle 80% of the responses
over the time they took, read from the simulated web's request log.

    python -m bench.bench_crawl            # the figures in bench/RESULTS.md
    python -m bench.bench_crawl --quick    # smaller webs, a shorter scrapy bench (~1 min)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from crawler.testweb import WebServer, build_web
from tests.helpers.servers import (
    ClickHouseServer,
    have_clickhouse_server,
    have_redis_server,
    redis_server,
)

ROOT = Path(__file__).resolve().parents[1]
SEED = 7
SIZES = {  # (sites, pages per site) of the no-latency web and of the 100 ms one
    "full": ((20, 50), (60, 25)),  # 873 pages; ~1,200 at 100 ms: 60 hosts x 8 slots >> 2 x 8
    "quick": ((10, 30), (20, 15)),
}
LATENCY_MS = 100.0
SLOW_CONCURRENCY = 8
HOST_CONCURRENCY = 8
SUMMARY = re.compile(r"crawl finished: ([\d,]+) pages.* in ([\d.]+) s \(([\d.]+) pages/s\)")
SCRAPY_LINE = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\)")


def crawl(sites: int, pages: int, args: list[str], latency_ms: float = 0.0) -> dict[str, float]:
    """One `linkgraph crawl` of a fresh simulated web: pages, seconds, pages/s (summary and
    steady)."""
    web = build_web(sites, pages, SEED)
    with tempfile.TemporaryDirectory() as tmp:
        requests = Path(tmp) / "requests.jsonl"
        with WebServer(web, latency_ms=latency_ms, log_path=str(requests)) as server:
            seeds = Path(tmp) / "seeds.txt"
            seeds.write_text("".join(site.home + "\n" for site in web.sites))
            command = [sys.executable, "-m", "crawler.cli.app", "crawl", "--seeds-file", str(seeds)]
            command += ["--data", str(Path(tmp) / "data"), "--proxy", server.proxy, *args]
            proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
        rows = [json.loads(line) for line in requests.read_text().splitlines()]
    match = SUMMARY.search(proc.stderr)
    if match is None:
        raise RuntimeError(f"crawl did not finish ({proc.returncode}): {proc.stderr[-2000:]}")
    ends = sorted(r["t_end"] for r in rows)
    first, last = len(ends) // 10, len(ends) * 9 // 10
    return {
        "pages": int(match[1].replace(",", "")),
        "seconds": float(match[2]),
        "pages_per_s": float(match[3]),
        "requests": len(rows),
        "steady_per_s": (last - first) / (ends[last] - ends[first]),
    }


def scrapy_bench(seconds: int = 10) -> float:
    """`scrapy bench` pages/s: the mean of its per-minute rate lines after the first."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = ["-s", f"CLOSESPIDER_TIMEOUT={seconds}", "-s", "LOG_LEVEL=INFO"]
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "bench", *settings],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=seconds * 10,
        )
    rates = [int(m[2]) for m in SCRAPY_LINE.finditer(proc.stderr)]
    if len(rates) < 2:
        raise RuntimeError(f"no rate lines from scrapy bench: {proc.stderr[-2000:]}")
    steady = rates[1:]
    return sum(steady) / len(steady) / 60


def external(
    sites: int, pages: int, args: list[str], latency_ms: float = 0.0
) -> dict[str, float] | None:
    """The same crawl on Debian's redis-server and clickhouse-server (None when missing)."""
    if not (have_redis_server() and have_clickhouse_server()):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        redis = redis_server(Path(tmp) / "redis").start()
        clickhouse = ClickHouseServer(Path(tmp) / "ch").start()
        try:
            target = ["--redis", redis.url, "--clickhouse", clickhouse.url_for("bench")]
            return crawl(sites, pages, [*args, *target], latency_ms)
        finally:
            clickhouse.stop()
            redis.stop()


def main(quick: bool = False) -> dict[str, Any]:
    # clickhouse-driver logs a traceback per refused connection while the server starts.
    logging.getLogger("clickhouse_driver").setLevel(logging.CRITICAL)
    (sites, pages), (slow_sites, slow_pages) = SIZES["quick" if quick else "full"]
    fast = ["--host-concurrency", str(HOST_CONCURRENCY)]
    slow = ["--host-concurrency", str(HOST_CONCURRENCY), "--concurrency", str(SLOW_CONCURRENCY)]
    result: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, Python "
        f"{platform.python_version()}, load {os.getloadavg()[0]:.1f} at start",
        "scrapy_bench": scrapy_bench(5 if quick else 10),
        "embedded": crawl(sites, pages, fast),
        "external": external(sites, pages, fast),
        "one_worker_100ms": crawl(slow_sites, slow_pages, slow, LATENCY_MS),
        "two_workers_100ms": crawl(slow_sites, slow_pages, [*slow, "--workers", "2"], LATENCY_MS),
        "one_process_100ms": external(slow_sites, slow_pages, slow, LATENCY_MS),
        "two_processes_100ms": external(
            slow_sites, slow_pages, [*slow, "--workers", "2"], LATENCY_MS
        ),
    }
    scrapy = result["scrapy_bench"]
    print(f"scrapy bench: {scrapy:.1f} pages/s ({result['machine']})")
    for name in ("embedded", "external"):
        run = result[name]
        if run is None:
            print(f"{name}: skipped (Debian's redis-server / clickhouse-server not installed)")
            continue
        print(
            f"{name}, 1 worker: {run['pages']} pages in {run['seconds']:.1f} s "
            f"({run['pages_per_s']:.1f} pages/s with start-up); steady {run['steady_per_s']:.1f} "
            f"pages/s, x{run['steady_per_s'] / scrapy:.2f} scrapy bench"
        )
    for how, one_name, two_name in (
        ("in one process (embedded)", "one_worker_100ms", "two_workers_100ms"),
        ("as processes (Debian servers)", "one_process_100ms", "two_processes_100ms"),
    ):
        one, two = result[one_name], result[two_name]
        if one is None or two is None:
            continue
        print(
            f"100 ms latency, {SLOW_CONCURRENCY} in flight per worker, {one['pages']} pages, "
            f"workers {how}: 1 worker {one['steady_per_s']:.1f} pages/s "
            f"({one['pages_per_s']:.1f} with start-up), 2 workers {two['steady_per_s']:.1f} "
            f"pages/s ({two['pages_per_s']:.1f}), x{two['steady_per_s'] / one['steady_per_s']:.2f}"
        )
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Crawl throughput beside scrapy bench.")
    parser.add_argument("--quick", action="store_true", help="smaller webs (about a minute)")
    main(quick=parser.parse_args().quick)
