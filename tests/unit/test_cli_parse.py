"""The command line's shape: one type per kind of argument in every command, the output format
from --out's suffix, CrawlConfig built from the options, and commands kept apart."""

from __future__ import annotations

import argparse
import ast
from dataclasses import fields
from pathlib import Path

import pytest

from crawler import params
from crawler.cli.app import build_parser
from crawler.cli.commands import COMMANDS
from crawler.cli.options import crawl_config
from crawler.cli.output import pick_format
from crawler.config import CrawlConfig
from crawler.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_COMMANDS = ("backlinks", "refdomains", "local", "anchors", "gap", "broken", "changes",
                   "toxicity", "disavow", "report", "velocity", "top-pages", "linked-domains",
                   "ips", "contacts")  # fmt: skip
REQUIRED = {"gap": ["--vs", "b.com"], "disavow": ["--min-score", "5"], "report": ["--html", "r"]}


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_every_domain_argument_has_the_one_type() -> None:
    commands = _subparsers(build_parser())
    seen = set()
    for name, parser in commands.items():
        for action in parser._actions:
            if action.dest in ("domain", "vs"):
                assert action.type is params.domain, (name, action.dest)
                seen.add(name)
    assert seen == set(DOMAIN_COMMANDS)


@pytest.mark.parametrize("command", DOMAIN_COMMANDS)
def test_two_words_is_a_usage_error_in_every_command(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args([command, "two words", *REQUIRED.get(command, [])])
    assert info.value.code == 2
    assert "not a domain: 'two words'" in capsys.readouterr().err
    args = build_parser().parse_args(
        [command, "https://WWW.Shop.co.uk/x", *REQUIRED.get(command, [])]
    )
    assert args.domain == "shop.co.uk"


def test_competitors_get_the_same_rule() -> None:
    args = build_parser().parse_args(["gap", "a.com", "--vs", "http://www.b.com/", "--vs", "c.com"])
    assert args.vs == ["b.com", "c.com"]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", "a.com", "--html", "r", "--vs", "b c"])


@pytest.mark.parametrize(
    ("fmt", "out", "picked"),
    [
        (None, None, "table"),
        (None, "x.xlsx", "xlsx"),
        (None, "x.CSV", "csv"),
        (None, "x.jsonl", "jsonl"),
        (None, "x.txt", "table"),
        ("csv", "x.txt", "csv"),
        ("xlsx", "x.xlsx", "xlsx"),
        ("jsonl", None, "jsonl"),
    ],
)
def test_out_suffix_picks_the_format(fmt: str | None, out: str | None, picked: str) -> None:
    assert pick_format(fmt, Path(out) if out else None) == picked


@pytest.mark.parametrize(
    ("fmt", "out"), [("csv", "x.xlsx"), ("table", "x.csv"), ("xlsx", "a.jsonl")]
)
def test_a_format_the_suffix_contradicts_is_refused(fmt: str, out: str) -> None:
    with pytest.raises(
        ConfigError, match=f"--out {out} names the .* format, but --format is {fmt}"
    ):
        pick_format(fmt, Path(out))
    assert ConfigError.exit_code == 2


def test_crawl_config_takes_every_option_by_field_name() -> None:
    args = build_parser().parse_args(
        ["crawl", "a.com", "--workers", "3", "--scope", "host", "--include", "x", "--exclude",
         "y", "--max-pages", "7", "--max-pages-per-host", "5", "--max-depth", "2", "--sitemaps",
         "--recrawl-after", "7d", "--proxy", "http://p:1", "--host-delay", "0.5",
         "--host-concurrency", "4", "--lease-timeout", "9", "--concurrency", "8",
         "--max-page-bytes", "1000", "--allow-private", "--ignore-robots", "--crawl-id", "c1",
         "--redis", "redis://r:1/0", "--clickhouse", "clickhouse://c:9000/d", "--data", "D",
         "--log-level", "INFO"]
    )  # fmt: skip
    config = crawl_config(args, seeds=["http://a.com/"])
    assert config == CrawlConfig(
        seeds=["http://a.com/"], data=Path("D"), redis="redis://r:1/0",
        clickhouse="clickhouse://c:9000/d", workers=3, scope="host", include=["x"],
        exclude=["y"], max_pages=7, max_pages_per_host=5, max_depth=2, proxy="http://p:1",
        host_delay=0.5, host_concurrency=4, lease_timeout=9.0, obey_robots=False,
        allow_private=True, max_page_bytes=1000, sitemaps=True, recrawl_after="7d",
        crawl_id="c1", concurrency=8, log_level="INFO",
    )  # fmt: skip
    unset = {f.name for f in fields(CrawlConfig)} - set(vars(args)) - {"seeds"}
    # `worker`'s alone, and the batch limits, which come from the environment (checked at start)
    assert unset == {"worker_id", "batch_rows", "batch_seconds"}


def test_cli_defaults_are_crawl_configs() -> None:
    for argv in (["crawl", "a.com"], ["worker"]):
        config = crawl_config(build_parser().parse_args(argv))
        assert config == CrawlConfig(seeds=config.seeds), argv


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_command_modules_do_not_import_each_other() -> None:
    for path in (ROOT / "crawler/cli/commands").glob("*.py"):
        if path.name == "__init__.py":
            continue
        others = {n for n in _imports(path) if n.startswith("crawler.cli.commands")}
        assert others == set(), path.name


def test_no_library_module_imports_the_cli() -> None:
    offenders = []
    for path in [*ROOT.glob("crawler/**/*.py"), *ROOT.glob("pipelines/**/*.py")]:
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("crawler/cli/"):
            continue
        if any(n == "crawler.cli" or n.startswith("crawler.cli.") for n in _imports(path)):
            offenders.append(relative)
    assert offenders == []


def test_the_registry_names_every_command_module() -> None:
    modules = {
        f"crawler.cli.commands.{p.stem}" for p in (ROOT / "crawler/cli/commands").glob("*.py")
    }
    assert modules - {"crawler.cli.commands.__init__"} <= set(COMMANDS)
