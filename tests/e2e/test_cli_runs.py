"""Real `linkgraph` runs: the exit codes (0 done, 1 runtime error, 2 usage error, 3 an
interrupted crawl: README.md, "Exit codes") and the output format an --out suffix picks."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import pytest
import redis
from openpyxl import load_workbook

from crawler.run.embedded import EmbeddedRedis
from crawler.testweb import WebServer, build_web
from tests.helpers.e2e import linkgraph, seeds_file, start_linkgraph, wait_for


def _one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if "error:" in line]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small embedded store, made by `linkgraph import` (no crawl needed)."""
    base = tmp_path_factory.mktemp("exit-codes")
    links = base / "links.csv"
    links.write_text("http://a.net/,http://shop.com/\nhttp://b.org/x,http://shop.com/p\n")
    linkgraph(["import", str(links), "--format", "csv", "--data", str(base / "data")])
    return base / "data"


def test_0_done(data: Path) -> None:
    proc = linkgraph(["refdomains", "shop.com", "--data", str(data), "--format", "jsonl"])
    assert proc.returncode == 0
    assert len(proc.stdout.splitlines()) == 2


def test_1_runtime_error_names_the_server_code_and_name(data: Path) -> None:
    proc = linkgraph(["sql", "SELECT * FROM no_such_table", "--data", str(data)], check=False)
    assert proc.returncode == 1
    line = _one_error_line(proc.stderr)
    assert line.startswith("linkgraph: error: chDB at "), line
    assert line.endswith("(ClickHouse code 60 UNKNOWN_TABLE)"), line


@pytest.mark.parametrize(
    "args",
    [
        ["crawl", "--no-such-option"],  # argparse's own
        ["backlinks", "two words"],  # an argument type
        ["crawl", "ftp://x.com/"],  # a UsageError (SeedError)
    ],
)
def test_2_usage_error(args: list[str], tmp_path: Path) -> None:
    proc = linkgraph([*args, "--data", str(tmp_path / "d")], check=False)
    assert proc.returncode == 2, proc.stderr
    _one_error_line(proc.stderr)
    assert not (tmp_path / "d").exists(), "a usage error started something"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_3_interrupted_crawl_stops_cleanly_and_resumes(sig: signal.Signals, tmp_path: Path) -> None:
    web = build_web(4, 40, 3)
    data, log = tmp_path / "data", tmp_path / "crawl.log"
    with WebServer(web, latency_ms=20) as server:
        # Slow on purpose (one request per host every 0.3 s), so the signal comes mid-crawl.
        proc = start_linkgraph(["crawl", "--seeds-file", str(seeds_file(web, tmp_path)),
                                "--data", str(data), "--proxy", server.proxy, "--host-delay",
                                "0.3", "--host-concurrency", "1"], log)  # fmt: skip
        try:
            fetched = re.compile(r"\] pages [1-9]")
            wait_for("pages fetched", lambda: bool(fetched.search(log.read_text())), timeout=120)
            proc.send_signal(sig)
            proc.wait(120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        output = log.read_text()
        assert proc.returncode == 3, output[-4000:]
        assert "Traceback" not in output, output[-4000:]
        hint = f"resume with: linkgraph crawl --data {data} --proxy {server.proxy}\n"
        assert hint in output, output[-4000:]
        resumed = linkgraph(["crawl", "--data", str(data), "--proxy", server.proxy], check=False)
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    assert "resuming crawl" in resumed.stderr + resumed.stdout


def test_out_suffix_picks_the_format(data: Path, tmp_path: Path) -> None:
    query = ["backlinks", "shop.com", "--data", str(data)]
    for suffix in ("xlsx", "csv", "jsonl"):
        linkgraph([*query, "--out", str(tmp_path / f"b.{suffix}")])
    sheet = load_workbook(tmp_path / "b.xlsx").active
    assert sheet is not None
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert "src_url" in header and sheet.max_row == 3
    csv_lines = (tmp_path / "b.csv").read_text().splitlines()
    assert csv_lines[0].startswith(header[0] + ",") and len(csv_lines) == 3
    rows = [json.loads(line) for line in (tmp_path / "b.jsonl").read_text().splitlines()]
    assert sorted(r["src_url"] for r in rows) == ["http://a.net/", "http://b.org/x"]
    plain = linkgraph([*query, "--out", str(tmp_path / "b.txt")])
    assert plain.returncode == 0 and "(2 rows)" in (tmp_path / "b.txt").read_text()


def test_a_format_the_suffix_contradicts_is_a_usage_error(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    proc = linkgraph(
        ["backlinks", "shop.com", "--data", str(data), "--out", str(out), "--format", "csv"],
        check=False,
    )
    assert proc.returncode == 2
    line = _one_error_line(proc.stderr)
    assert line == (
        f"linkgraph: error: --out {out} names the xlsx format, but --format is csv: "
        "change the suffix, or leave --format out"
    )
    assert not out.exists()


@pytest.mark.server
def test_3_interrupted_worker_leaves_the_crawl_running(
    tmp_path: Path, valkey: EmbeddedRedis, ch_url: str
) -> None:
    """`linkgraph worker` stopped by SIGTERM exits 3; the crawl it joined still ends with 0."""
    web = build_web(4, 40, 5)
    crawl_id = f"w3-{tmp_path.name[-8:]}"
    joined = ["--redis", valkey.url, "--clickhouse", ch_url, "--crawl-id", crawl_id]
    with WebServer(web, latency_ms=20) as server:
        crawl = start_linkgraph(["crawl", "--seeds-file", str(seeds_file(web, tmp_path)),
                                 *joined, "--data", str(tmp_path / "crawl"), "--proxy",
                                 server.proxy, "--host-delay", "0.2", "--host-concurrency", "1"],
                                tmp_path / "crawl.log")  # fmt: skip
        client = redis.Redis.from_url(valkey.url, decode_responses=True)
        created = f"lg:{{{crawl_id}}}:stats"
        wait_for("the crawl's frontier", lambda: bool(client.exists(created)), timeout=120)
        worker = start_linkgraph(["worker", *joined, "--worker-id", "extra", "--proxy",
                                  server.proxy, "--data", str(tmp_path / "worker")],
                                 tmp_path / "worker.log")  # fmt: skip
        try:
            key = f"lg:{{{crawl_id}}}:workers"
            wait_for("the worker's heartbeat", lambda: client.hexists(key, "extra"), timeout=120)
            # Mid-crawl: the worker holds leases when the signal comes.
            pages = lambda: int(client.hget(created, "pages") or 0)  # noqa: E731
            wait_for("pages fetched", lambda: pages() >= 10, timeout=120)
            worker.send_signal(signal.SIGTERM)
            worker.wait(120)
            crawl.wait(240)
        finally:
            for proc in (worker, crawl):
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    assert worker.returncode == 3, (tmp_path / "worker.log").read_text()[-4000:]
    assert crawl.returncode == 0, (tmp_path / "crawl.log").read_text()[-4000:]
