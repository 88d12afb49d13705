"""`crawl_status` while `serve --crawl`'s own crawl starts or stops its embedded frontier server.

The API's status endpoint must never answer 404 for a crawl that exists because its server was
between states (CI saw it at a resumed crawl's end): it reads again until the server settles,
and only after the wait answers FrontierUnavailable (503, try again).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import redis

from crawler.errors import CrawlNotFound, FrontierUnavailable
from crawler.frontier import Frontier
from crawler.run.crawl import frontier_url_file
from crawler.run.embedded import EmbeddedRedis, private_file
from crawler.run.status import crawl_status


def _crawl_server(data: Path) -> EmbeddedRedis:
    """The crawl's server, holding the directory's lock, its URL not written yet."""
    server = EmbeddedRedis(data / "frontier", password=True).start()
    Frontier(redis.Redis.from_url(server.url), "c1").create({"scope": "test"})
    return server


def test_a_crawl_writing_its_url_late_is_read_not_refused(tmp_path: Path) -> None:
    crawling = threading.Event()
    crawling.set()
    server = _crawl_server(tmp_path)
    try:
        writer = threading.Timer(0.5, private_file, (frontier_url_file(tmp_path), server.url))
        writer.start()
        report = crawl_status(tmp_path, "", crawling=crawling, wait=20.0)
        writer.join()
        assert report["crawl_id"] == "c1"
    finally:
        server.stop()


def test_a_server_that_never_settles_is_unavailable_not_missing(tmp_path: Path) -> None:
    server = _crawl_server(tmp_path)  # the lock held, no URL: a server starting
    try:
        started = time.monotonic()
        with pytest.raises(FrontierUnavailable, match="starting or stopping"):
            crawl_status(tmp_path, "", crawling=None, wait=0.5)
        assert time.monotonic() - started >= 0.5
    finally:
        server.stop()


def test_a_server_stopping_under_the_read_is_read_again(tmp_path: Path) -> None:
    # The crawl's end: its URL removed, its server stopping; the read waits, then reads the
    # frontier with a server of its own (the crawl's lock released).
    server = _crawl_server(tmp_path)
    stopper = threading.Timer(0.5, server.stop)
    stopper.start()
    report = crawl_status(tmp_path, "", crawling=None, wait=20.0)
    stopper.join()
    assert report["crawl_id"] == "c1"


def test_no_crawl_is_still_not_found(tmp_path: Path) -> None:
    with pytest.raises(CrawlNotFound, match="no crawl at"):
        crawl_status(tmp_path, "", wait=0.5)
