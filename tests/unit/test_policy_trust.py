"""Issue 14: the safety policy comes only from the local command line; crawl options given on a
resume are refused when they differ, never ignored; the stop hint is a command that resumes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crawler.cli.app import build_parser
from crawler.cli.options import crawl_config
from crawler.config import CrawlConfig
from crawler.errors import ConfigError

RECORDED = CrawlConfig(seeds=["http://a.com/"], crawl_id="c1").policy()


def _resumed(*args: str, command: str = "crawl") -> CrawlConfig:
    parsed = build_parser().parse_args([command, *args])
    return crawl_config(parsed)


@pytest.mark.parametrize("command", ["crawl", "worker"])
def test_tampered_allow_private_is_refused(command: str) -> None:
    """Someone wrote "allow_private": true into the frontier's meta: the local command line
    (no --allow-private) wins, and the mismatch stops the command with the fix."""
    tampered = {**RECORDED, "allow_private": True}
    with pytest.raises(ConfigError) as refused:
        _resumed(command=command).with_policy(tampered)
    assert str(refused.value) == (
        "crawl c1 was started with the safety options --allow-private, this command gives "
        "none: they come only from the command line, so give the crawl's own again to resume "
        "or join it"
    )


@pytest.mark.parametrize(
    ("recorded", "args"),
    [
        ({"obey_robots": False}, ["--ignore-robots"]),
        ({"include": ["/b/"], "exclude": ["pdf$"]}, ["--include", "/b/", "--exclude", "pdf$"]),
        ({"allow_private": True}, ["--allow-private"]),
    ],
)  # fmt: skip
def test_the_same_safety_options_join(recorded: dict[str, Any], args: list[str]) -> None:
    config = _resumed(*args, command="worker").with_policy({**RECORDED, **recorded})
    assert [getattr(config, n) for n in recorded] == list(recorded.values())


@pytest.mark.parametrize(
    ("recorded", "args"),
    [
        ({}, ["--ignore-robots"]),
        ({}, ["--include", "x"]),
        ({"exclude": ["a"]}, ["--exclude", "b"]),
        ({"obey_robots": False}, []),
    ],
)
def test_other_safety_options_are_refused(recorded: dict[str, Any], args: list[str]) -> None:
    with pytest.raises(ConfigError, match="safety options"):
        _resumed(*args).with_policy({**RECORDED, **recorded})


def test_a_new_max_pages_on_resume_is_refused_not_ignored() -> None:
    recorded = {**RECORDED, "max_pages": 5}
    with pytest.raises(ConfigError) as refused:
        _resumed("--max-pages", "10").with_policy(recorded)
    assert "--max-pages 10 (the crawl's: 5)" in str(refused.value)
    assert _resumed().with_policy(recorded).max_pages == 5  # not given: the crawl's
    assert _resumed("--max-pages", "5").with_policy(recorded).max_pages == 5


def test_the_resume_hint_is_the_command_that_resumes() -> None:
    config = CrawlConfig(
        data=Path("my data"),
        clickhouse="clickhouse://u:pw@h:9000/db",
        allow_private=True,
        obey_robots=False,
        include=["/a b/"],
    )
    config.redis = "redis://:secret@127.0.0.1:5/0"  # the embedded one's, while it runs
    assert config.resume_command("") == (
        "linkgraph crawl --data 'my data' --clickhouse 'clickhouse://u:***@h:9000/db' "
        "--allow-private --ignore-robots --include '/a b/'"
    )
    assert "--redis 'redis://:***@h:5/0'" in config.resume_command("redis://:pw@h:5/0")
    # The proxy is no part of the crawl's policy, yet a resume without it would fetch directly.
    proxied = CrawlConfig(data=Path("d"), proxy="http://u:pw@127.0.0.1:3128")
    assert (
        proxied.resume_command("")
        == "linkgraph crawl --data d --proxy 'http://u:***@127.0.0.1:3128'"
    )


@pytest.mark.parametrize("seed", ["http://127.0.0.1:8080/", "http://10.1.2.3/", "http://[::1]/"])
def test_a_private_seed_needs_allow_private(seed: str) -> None:
    with pytest.raises(ConfigError) as refused:
        CrawlConfig(seeds=[seed]).validate()
    assert str(refused.value).startswith(f"seed {seed}: ")
    assert str(refused.value).endswith("is not a public address; add --allow-private to crawl it")
    assert CrawlConfig(seeds=[seed], allow_private=True).validate().seeds == [seed]
    assert CrawlConfig(seeds=["http://93.184.216.34/", "http://a.com/"]).validate()
