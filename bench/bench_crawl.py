"""End-to-end crawl throughput of the simulated web, beside `scrapy bench`, in one session.

Three measurements, each a real `linkgraph crawl` child process against `crawler.testweb` served
in this process (an HTTP proxy on 127.0.0.1):

- one worker, no latency: embedded (Valkey + chDB), and on Debian's redis-server +
  clickhouse-server when installed; pages/s beside `scrapy bench` (Scrapy's own
  follow-every-link spider on its local server, the same machine, the same session);
- one vs two workers at 100 ms per response, with enough hosts and per-host slots that the
  latency (`--concurrency` requests in flight per worker), not politeness, bounds the rate.

A crawl's rate is its summary line's (pages over the wall time from the frontier's start to the
end, Scrapy's start-up included).

    python -m bench.bench_crawl
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from crawler.testweb import WebServer, build_web
from tests.servers import ClickHouseServer, have_clickhouse_server, have_redis_server, redis_server

ROOT = Path(__file__).resolve().parents[1]
SITES, PAGES_PER_SITE, SEED = 20, 50, 7  # 1,000 pages, no latency
LATENCY_MS = 100.0
SLOW_SITES, SLOW_PAGES = 40, 10  # 400 pages at 100 ms: 40 hosts x 8 slots >> 2 x 8 in flight
SLOW_CONCURRENCY = 8
HOST_CONCURRENCY = 8
SUMMARY = re.compile(r"crawl finished: ([\d,]+) pages.* in ([\d.]+) s \(([\d.]+) pages/s\)")
SCRAPY_LINE = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\)")


def crawl(sites: int, pages: int, args: list[str], latency_ms: float = 0.0) -> dict[str, float]:
    """One `linkgraph crawl` of a fresh simulated web; its pages, seconds and pages/s."""
    web = build_web(sites, pages, SEED)
    with tempfile.TemporaryDirectory() as tmp, WebServer(web, latency_ms=latency_ms) as server:
        seeds = Path(tmp) / "seeds.txt"
        seeds.write_text("".join(site.home + "\n" for site in web.sites))
        command = [sys.executable, "-m", "crawler.cli", "crawl", "--seeds-file", str(seeds)]
        command += ["--data", str(Path(tmp) / "data"), "--proxy", server.proxy, *args]
        proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    match = SUMMARY.search(proc.stderr)
    if match is None:
        raise RuntimeError(f"crawl did not finish ({proc.returncode}): {proc.stderr[-2000:]}")
    return {
        "pages": int(match[1].replace(",", "")),
        "seconds": float(match[2]),
        "pages_per_s": float(match[3]),
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


def external(args: list[str]) -> dict[str, float] | None:
    """The same crawl on Debian's redis-server and clickhouse-server (None when missing)."""
    if not (have_redis_server() and have_clickhouse_server()):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        redis = redis_server(Path(tmp) / "redis").start()
        clickhouse = ClickHouseServer(Path(tmp) / "ch").start()
        try:
            target = ["--redis", redis.url, "--clickhouse", clickhouse.url_for("bench")]
            return crawl(SITES, PAGES_PER_SITE, [*args, *target])
        finally:
            clickhouse.stop()
            redis.stop()


def main() -> dict[str, Any]:
    fast = ["--host-concurrency", str(HOST_CONCURRENCY)]
    slow = ["--host-concurrency", str(HOST_CONCURRENCY), "--concurrency", str(SLOW_CONCURRENCY)]
    result: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, Python "
        f"{platform.python_version()}",
        "scrapy_bench": scrapy_bench(),
        "embedded": crawl(SITES, PAGES_PER_SITE, fast),
        "external": external(fast),
        "one_worker_100ms": crawl(SLOW_SITES, SLOW_PAGES, slow, LATENCY_MS),
        "two_workers_100ms": crawl(SLOW_SITES, SLOW_PAGES, [*slow, "--workers", "2"], LATENCY_MS),
    }
    scrapy = result["scrapy_bench"]
    print(f"scrapy bench: {scrapy:.1f} pages/s ({result['machine']})")
    for name in ("embedded", "external"):
        run = result[name]
        if run is None:
            print(f"{name}: skipped (Debian's redis-server / clickhouse-server not installed)")
            continue
        print(
            f"{name}, 1 worker: {run['pages']} pages in {run['seconds']:.1f} s, "
            f"{run['pages_per_s']:.1f} pages/s, x{run['pages_per_s'] / scrapy:.2f} scrapy bench"
        )
    one, two = result["one_worker_100ms"], result["two_workers_100ms"]
    print(
        f"100 ms latency, concurrency {SLOW_CONCURRENCY}/worker: 1 worker "
        f"{one['pages_per_s']:.1f} pages/s, 2 workers {two['pages_per_s']:.1f} pages/s, "
        f"x{two['pages_per_s'] / one['pages_per_s']:.2f}"
    )
    return result


if __name__ == "__main__":
    main()
