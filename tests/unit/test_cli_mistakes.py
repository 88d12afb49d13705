"""Mistakes that gave tracebacks: each is one clear line and the documented exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.cli.app import build_parser
from crawler.cli.output import write_rows
from crawler.config import CrawlConfig
from crawler.errors import ConfigError


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["backlinks", "a.com", "--clickhouse", "clickhouse://h:notaport/db"], "port"),
        (["crawl", "a.com", "--redis", "redis://h:x/0"], "port"),
        (["sql", "SELECT 1", "--clickhouse", "http://h:8123/db"], "clickhouse:// URL"),
        (["status", "--redis", "mysql://h/0"], "redis:// or rediss:// or unix:// URL"),
    ],
)
def test_bad_server_urls_are_usage_errors(
    args: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(args)
    assert stopped.value.code == 2
    assert said in capsys.readouterr().err


def test_config_checks_the_port_too() -> None:
    with pytest.raises(ConfigError, match="port is not a number"):
        CrawlConfig(seeds=["http://a.com/"], clickhouse="clickhouse://h:notaport/db").validate()


def test_good_server_urls_pass() -> None:
    args = build_parser().parse_args(
        ["crawl", "a.com", "--redis", "redis://h:6379/0", "--clickhouse", "clickhouse://h/db"]
    )
    assert (args.redis, args.clickhouse) == ("redis://h:6379/0", "clickhouse://h/db")


@pytest.mark.parametrize("level", ["debug", "Info", "WARNING", "error"])
def test_log_level_in_any_case(level: str) -> None:
    args = build_parser().parse_args(["sql", "SELECT 1", "--log-level", level])
    assert args.log_level == level.upper()


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "jsonl", "table"])
def test_output_into_a_missing_directory(tmp_path: Path, fmt: str) -> None:
    with pytest.raises(ConfigError, match="no directory"):
        write_rows(["a"], [(1,)], fmt, tmp_path / "missing" / f"x.{fmt}")
