"""Issue 14, point 13: politeness as the server sees it. With --host-delay D, each request to a
host starts at least D - MARGIN after the previous one started and after the previous response
ended (MARGIN: the client's own timing, README "--host-delay")."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.helpers.e2e import linkgraph
from tests.helpers.hostile import TimedSite

DELAY = 0.2
MARGIN = 0.02
PAGES = 30


def _page(n: int) -> bytes:
    links = "".join(f'<a href="/p{k}">{k}</a>' for k in range(n * 3, min(n * 3 + 3, PAGES)))
    return f"<html><body>{links}</body></html>".encode()


@pytest.mark.serial
def test_starts_and_ends_at_the_server(tmp_path: Path) -> None:
    pages = {"/": _page(0), **{f"/p{n}": _page(n) for n in range(PAGES)}}
    with TimedSite(pages, latency=0.15) as site:  # slower than DELAY / 2: requests overlap
        linkgraph(["crawl", site.url, "--allow-private", "--ignore-robots", "--host-delay",
                   str(DELAY), "--host-concurrency", "2",
                   "--data", str(tmp_path / "d")])  # fmt: skip
        log = sorted(site.log, key=lambda entry: entry[1])
    assert len(log) == PAGES + 1
    starts = [start for _, start, _ in log]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    after_end = [
        start - max(end for _, s, end in log if s < start and end < start)
        for _, start, _ in log[1:]
        if any(end < start for _, s, end in log if s < start)
    ]
    print(f"start gaps min {min(gaps):.3f}, start after an end min {min(after_end):.3f}")
    assert min(gaps) >= DELAY - MARGIN, sorted(gaps)[:5]
    assert min(after_end) >= DELAY - MARGIN, sorted(after_end)[:5]
