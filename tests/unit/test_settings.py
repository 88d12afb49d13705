"""crawler/settings.py is the one home of every default: each path a crawl can start from
(`scrapy crawl`, the CLI, CrawlConfig, the frontier, the components' fallbacks) gets the same
value, and the LINKGRAPH_* environment is checked once, at start, with one clear line."""

from __future__ import annotations

import ast
import inspect
import logging
import os
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler import settings as defaults
from crawler.cli.app import build_parser
from crawler.config import CrawlConfig
from crawler.errors import ConfigError
from crawler.extract import extractor
from crawler.frontier.queue import Frontier
from crawler.frontier.scheduler import FrontierScheduler
from crawler.guard.middlewares import (
    GUARD_MIDDLEWARES,
    GUARD_SETTINGS,
    GuardedResolver,
    PageLimitsMiddleware,
)
from crawler.run.embedded import free_port
from crawler.run.worker import WorkerPool, crawl_settings
from pipelines.sink import LinkSink
from tests.helpers.e2e import linkgraph

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No LINKGRAPH_* variable from the shell running the tests."""
    for name in [name for name in os.environ if name.startswith("LINKGRAPH_")]:
        monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def scrapy_crawl_settings(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The settings `scrapy crawl links` starts from: scrapy.cfg's module, found from the root."""
    monkeypatch.chdir(ROOT)
    # get_project_settings sets SCRAPY_SETTINGS_MODULE itself: set it here first so that the
    # monkeypatch restores the variable's absence after the test.
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "")
    monkeypatch.delenv("SCRAPY_SETTINGS_MODULE")
    return get_project_settings()


def _cli_defaults() -> Any:
    return build_parser().parse_args(["crawl", "a.com"])


def _scheduler_fallbacks() -> Frontier:
    """The frontier a scheduler makes from settings that leave our defaults out."""
    crawler = get_crawler(
        settings_dict={"LINKGRAPH_REDIS_URL": "redis://127.0.0.1:1/0", "LINKGRAPH_CRAWL_ID": "c"}
    )
    return FrontierScheduler.from_crawler(crawler).frontier


def _queue_default(name: str) -> Any:
    return inspect.signature(Frontier).parameters[name].default


def test_one_host_concurrency_everywhere(scrapy_crawl_settings: Any) -> None:
    values = {
        "scrapy crawl": scrapy_crawl_settings.getint("LINKGRAPH_HOST_CONCURRENCY"),
        "linkgraph crawl": _cli_defaults().host_concurrency,
        "CrawlConfig": CrawlConfig().host_concurrency,
        "CrawlConfig.settings()": CrawlConfig().settings()["LINKGRAPH_HOST_CONCURRENCY"],
        "Frontier": _queue_default("host_concurrency"),
        "FrontierScheduler": _scheduler_fallbacks().host_concurrency,
    }
    assert values == dict.fromkeys(values, 2)  # the value README.md and `--help` promise


def test_one_lease_timeout_everywhere(scrapy_crawl_settings: Any) -> None:
    values = {
        "scrapy crawl": scrapy_crawl_settings.getfloat("LINKGRAPH_LEASE_TIMEOUT"),
        "linkgraph crawl": _cli_defaults().lease_timeout,
        "CrawlConfig": CrawlConfig().lease_timeout,
        "Frontier": _queue_default("lease_timeout"),
        "FrontierScheduler": _scheduler_fallbacks().lease_timeout,
    }
    assert values == dict.fromkeys(values, 60.0)


def test_one_page_size_cap_everywhere(scrapy_crawl_settings: Any) -> None:
    guard = PageLimitsMiddleware.from_crawler(get_crawler(settings_dict={}))
    values = {
        "scrapy crawl": scrapy_crawl_settings.getint("LINKGRAPH_MAX_PAGE_BYTES"),
        "scrapy crawl DOWNLOAD_MAXSIZE": scrapy_crawl_settings.getint("DOWNLOAD_MAXSIZE"),
        "linkgraph crawl": _cli_defaults().max_page_bytes,
        "CrawlConfig": CrawlConfig().max_page_bytes,
        "guard": guard.max_bytes,
        "extractor": extractor.MAX_BODY_BYTES,
    }
    assert values == dict.fromkeys(values, 10 * 1024 * 1024)


# crawler.frontier.middleware is not imported here: it installs Twisted's default reactor.
def test_scrapy_crawl_gets_the_guard_and_the_frontier_as_workers_do(
    scrapy_crawl_settings: Any, tmp_path: Path
) -> None:
    worker = crawl_settings(CrawlConfig(seeds=["http://a.com/"], data=tmp_path).validate())
    for settings in (scrapy_crawl_settings, worker):
        chain = settings.getdict("DOWNLOADER_MIDDLEWARES")
        assert chain == defaults.DOWNLOADER_MIDDLEWARES
        assert GUARD_MIDDLEWARES.items() <= chain.items()
        assert load_object(settings["TWISTED_DNS_RESOLVER"]) is GuardedResolver
        assert settings.getdict("DOWNLOAD_HANDLERS") == GUARD_SETTINGS["DOWNLOAD_HANDLERS"]
    assert [load_object(name).__name__ for name, order in chain.items() if order] == [
        "HostSlotMiddleware",
        "PageLimitsMiddleware",
        "CappedCompressionMiddleware",
        "ProxyMiddleware",
        "AddressGuardMiddleware",
        "DownloadGateMiddleware",
    ]


def test_crawl_config_defaults_are_the_settings_defaults() -> None:
    # Computed per crawl (a path, the CLI's quieter log level), not defaults of their own.
    computed = {"LINKGRAPH_STORE", "LOG_LEVEL"}
    given = {k: v for k, v in CrawlConfig().settings().items() if k not in computed}
    assert given == {name: getattr(defaults, name) for name in given}


def test_cli_defaults_are_the_settings_defaults() -> None:
    args = _cli_defaults()
    worker = build_parser().parse_args(["worker"])
    assert (args.host_delay, args.concurrency, worker.concurrency) == (
        defaults.LINKGRAPH_HOST_DELAY,
        defaults.CONCURRENT_REQUESTS,
        defaults.CONCURRENT_REQUESTS,
    )


def test_settings_are_alphabetized_and_typed() -> None:
    names = [name for name in vars(defaults) if name.isupper()]
    assert names == sorted(names, key=lambda name: name.split("_"))  # LOG_LEVEL < LOGSTATS_...
    assert set(names) <= set(defaults.__annotations__)


def test_every_setting_has_a_comment_saying_why() -> None:
    source = inspect.getsource(defaults)
    lines = source.splitlines()
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            above = node.lineno - 2  # the line above, 0-based
            while lines[above].strip() and not lines[above].lstrip().startswith("#"):
                above -= 1  # a setting of the same group, or its value's lines
            assert lines[above].lstrip().startswith("#"), node.target.id


# -- the environment -------------------------------------------------------------------------


def test_environment_values_are_typed() -> None:
    environ = {
        "LINKGRAPH_BATCH_ROWS": " 7 ",
        "LINKGRAPH_BATCH_SECONDS": "2.5",
        "LINKGRAPH_PURE_PYTHON": "1",
        "PATH": "/bin",
    }
    assert defaults.from_environment(environ) == {
        "LINKGRAPH_BATCH_ROWS": 7,
        "LINKGRAPH_BATCH_SECONDS": 2.5,
        "LINKGRAPH_PURE_PYTHON": True,
    }
    assert defaults.from_environment({"LINKGRAPH_BATCH_ROWS": ""}) == {}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("LINKGRAPH_BATCH_ROWS", "abc", "LINKGRAPH_BATCH_ROWS=abc: not a positive integer"),
        ("LINKGRAPH_BATCH_ROWS", "0", "LINKGRAPH_BATCH_ROWS=0: not a positive integer"),
        ("LINKGRAPH_BATCH_ROWS", "2.5", "LINKGRAPH_BATCH_ROWS=2.5: not a positive integer"),
        ("LINKGRAPH_BATCH_SECONDS", "-1", "LINKGRAPH_BATCH_SECONDS=-1: not a positive number"),
        ("LINKGRAPH_BATCH_SECONDS", "nan", "LINKGRAPH_BATCH_SECONDS=nan: not a positive number"),
        ("LINKGRAPH_PURE_PYTHON", "false", "LINKGRAPH_PURE_PYTHON=false: not 0 or 1"),
        ("LINKGRAPH_PURE_PYTHON", " 0", "LINKGRAPH_PURE_PYTHON= 0: not 0 or 1"),
    ],
)
def test_bad_environment_value_is_named(name: str, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        defaults.from_environment({name: text})
    assert str(raised.value).startswith(message)


def test_unknown_variable_is_warned_of_and_deploy_ones_are_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    environ = {"LINKGRAPH_BATCH_ROW": "5", **dict.fromkeys(defaults.deploy_variables, "x")}
    with caplog.at_level(logging.WARNING, logger="crawler.settings"):
        assert defaults.from_environment(environ) == {}
    assert [r.getMessage() for r in caplog.records] == [
        "ignoring LINKGRAPH_BATCH_ROW: not a linkgraph environment variable (README.md)"
    ]


def test_crawl_hands_its_checked_values_to_worker_processes(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    clean_environment.setenv("LINKGRAPH_BATCH_SECONDS", "2.5")
    config = CrawlConfig(seeds=["http://a.com/"], batch_rows=7).validate()
    handed = config.environment()
    assert defaults.from_environment(handed) == {
        "LINKGRAPH_BATCH_ROWS": 7,
        "LINKGRAPH_BATCH_SECONDS": 2.5,
    }


def test_bad_environment_stops_the_crawl_before_anything_starts(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("LINKGRAPH_BATCH_ROWS", "abc")
    data = tmp_path / "data"
    proc = linkgraph(["crawl", "a.com", "--data", str(data)], check=False)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("linkgraph: error:")]
    assert errors == ["linkgraph: error: LINKGRAPH_BATCH_ROWS=abc: not a positive integer"]
    assert not data.exists(), "the crawl started servers despite a bad variable"


def test_environment_reaches_an_in_process_workers_sink_as_settings(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("LINKGRAPH_BATCH_ROWS", "7")
    clean_environment.setenv("LINKGRAPH_BATCH_SECONDS", "2.5")
    store = f"clickhouse://127.0.0.1:{free_port()}/db"  # nobody answers: the sink spools
    config = CrawlConfig(seeds=["http://a.com/"], data=tmp_path, clickhouse=store).validate()
    # Read once, at start: what the worker's environment says later does not matter.
    clean_environment.setenv("LINKGRAPH_BATCH_ROWS", "abc")
    pool = WorkerPool(config, 1)
    settings = pool.process.create_crawler(pool.crawlers[0]).settings  # as the worker runs
    # The worker's crawler as the sink sees it, without the stats that would install a reactor.
    sink = LinkSink.from_crawler(SimpleNamespace(settings=settings, stats=None, signals=None))
    try:
        assert (sink.max_rows, sink.max_age) == (7, 2.5)
    finally:
        sink.store.close()


# -- the README's table ----------------------------------------------------------------------

# A LINKGRAPH_ name, not a prefix written as LINKGRAPH_* or LINKGRAPH_BATCH_*.
VARIABLE = re.compile(r"LINKGRAPH_[A-Z_]*[A-Z](?![A-Z_*])")
ROW = re.compile(r"^\| `(LINKGRAPH_\w+)` \| ([^|]+?) \| `([^`]*)` \|", re.MULTILINE)


def _readme_rows() -> dict[str, tuple[str, str]]:
    rows = ROW.findall((ROOT / "README.md").read_text())
    return {name: (kind, default) for name, kind, default in rows}


def test_readme_table_has_every_variable_the_code_and_deploy_read() -> None:
    used = set()
    for folder in ("crawler", "pipelines", "deploy"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".pyx", ".yml", ".example", ""}:
                used |= set(VARIABLE.findall(path.read_text(errors="replace")))
    known = {name for name in vars(defaults) if name.startswith("LINKGRAPH_")}
    known |= set(defaults.environment_variables) | defaults.deploy_variables
    known |= defaults.test_variables
    assert used <= known, "read but not declared in crawler/settings.py"
    assert sorted(_readme_rows()) == sorted(known)


def test_readme_table_gives_each_settings_default_and_type() -> None:
    rows = _readme_rows()
    for name, value in vars(defaults).items():
        if name.startswith("LINKGRAPH_"):
            kind, default = rows[name]
            assert (kind, ast.literal_eval(default)) == (type(value).__name__, value), name
