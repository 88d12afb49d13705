"""The lines that say what a crawl waits on: paused hosts per reason, deferred URLs per reason."""

from __future__ import annotations

import time

import pytest

from crawler.config import CrawlConfig
from crawler.errors import ConfigError
from crawler.run.progress import deferred_line, paused_line


def test_paused_line_groups_by_reason_in_local_time() -> None:
    at = time.mktime((2026, 12, 7, 3, 21, 7, 0, 0, -1))
    assert paused_line([("robots.txt 502", 2, at), ("proxy refused", 1, at + 60.4)]) == (
        "paused: 2 hosts until 03:21:07 (robots.txt 502), 1 host until 03:22:07 (proxy refused)"
    )
    assert paused_line([]) == ""


def test_deferred_line_counts_urls_per_reason() -> None:
    assert deferred_line({"robots.txt 502": 1200, "proxy refused": 1}) == (
        "1,201 URLs deferred on paused hosts: 1 proxy refused, 1,200 robots.txt 502"
    )
    assert deferred_line({"Retry-After 503": 1}) == (
        "1 URL deferred on paused hosts: 1 Retry-After 503"
    )
    assert deferred_line({}) == ""


def test_pause_limit_is_checked_and_reaches_the_workers() -> None:
    with pytest.raises(ConfigError, match="--pause-limit must not be negative"):
        CrawlConfig(seeds=["http://a.example/"], pause_limit=-1).validate()
    config = CrawlConfig(seeds=["http://a.example/"], pause_limit=5).validate()
    assert config.settings()["LINKGRAPH_PAUSE_LIMIT"] == 5
    assert config.policy()["pause_limit"] == 5
