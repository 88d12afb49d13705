"""Issue 14: a host that accepts connections and never answers: each URL is tried exactly
retries + 1 times, within its lease, and the crawl ends in bounded time with the URL an error.
A lease of 8 s is shorter than the 3 tries (5 s each at least): the worker's renewals, every
third of the lease, keep it from expiring mid-download (else: fetched again, forever)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from crawler import settings
from pipelines.store import open_store
from tests.helpers.e2e import linkgraph
from tests.helpers.hostile import SilentServer


@pytest.mark.parametrize("lease", ["24", "8"])
def test_a_silent_host_is_tried_retries_plus_one_times(tmp_path: Path, lease: str) -> None:
    data = tmp_path / "data"
    with SilentServer() as site:
        started = time.monotonic()
        linkgraph(["crawl", f"http://{site.address}/", "--max-pages", "1", "--allow-private",
                   "--ignore-robots", "--lease-timeout", lease, "--data", str(data)],
                  timeout=120)  # fmt: skip
        took = time.monotonic() - started
        connections = len(site.accepted)
    assert connections == settings.RETRY_TIMES + 1
    # 3 tries of 6 s (3/4 of the 24 s lease over 3 tries) or 5 s, plus start-up and shut-down.
    assert took < 60, took
    with open_store(str(data / "store")) as store:
        rows = store.query("SELECT url, status, error != '' FROM page_fetches").rows
    assert rows == [(f"http://{site.address}/", 0, 1)]
