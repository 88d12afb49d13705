"""Bad input and unreachable servers: one clear line naming what was wrong, never a traceback,
and nothing started or lost."""

from __future__ import annotations

from pathlib import Path

from crawler.run.embedded import free_port
from tests.helpers.e2e import linkgraph, one_clear_error


def test_bad_seed_line_names_file_and_line_and_starts_nothing(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("example.com\n# a comment\nhttp://ok.co.uk/\nnot a seed at all\n")
    data = tmp_path / "data"
    proc = linkgraph(["crawl", "--seeds-file", str(seeds), "--data", str(data)], check=False)
    assert proc.returncode == 2
    one_clear_error(proc.stderr, f"{seeds}:4:", "neither a URL nor a domain")
    assert not data.exists(), "the crawl started despite a bad seed"


def test_bad_seed_argument(tmp_path: Path) -> None:
    proc = linkgraph(["crawl", "ftp://x.com/", "--data", str(tmp_path / "d")], check=False)
    assert proc.returncode == 2
    one_clear_error(proc.stderr, "not an http(s) URL")


def test_unreachable_clickhouse(tmp_path: Path) -> None:
    url = f"clickhouse://127.0.0.1:{free_port()}/db"
    proc = linkgraph(["crawl", "a.com", "--clickhouse", url, "--data", str(tmp_path)], check=False)
    assert proc.returncode == 1  # a runtime error, not a usage error
    one_clear_error(proc.stderr, "ClickHouse", f"127.0.0.1:{url.split(':')[2].split('/')[0]}")


def test_bad_option_value(tmp_path: Path) -> None:
    proc = linkgraph(
        ["crawl", "a.com", "--include", "([", "--data", str(tmp_path / "d")], check=False
    )
    assert proc.returncode == 2
    one_clear_error(proc.stderr, "--include", "not a valid regular expression")


def test_query_without_data(tmp_path: Path) -> None:
    proc = linkgraph(["backlinks", "a.com", "--data", str(tmp_path / "none")], check=False)
    assert proc.returncode == 2
    one_clear_error(proc.stderr, "no link graph at")


def test_worker_without_redis() -> None:
    proc = linkgraph(["worker"], check=False)
    assert proc.returncode == 2
    one_clear_error(proc.stderr, "--redis")
