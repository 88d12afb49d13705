"""Issue 14: a robots.txt of 20 MB, a gzip bomb, or a redirect to a private address: the crawl
reads what it may (the first 500 KiB), takes the rest as no robots.txt, and never pauses the
host for it (a pause is 300 s: the crawl ends in seconds)."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

from crawler.records import ROBOTS_BLOCKED
from pipelines.store import open_store
from tests.helpers.e2e import linkgraph
from tests.helpers.hostile import Answer, FixedSite

HOME = b'<html><body><a href="/blocked">b</a> <a href="/open">o</a></body></html>'
TEXT = {"Content-Type": "text/plain"}
BIG_ROBOTS = b"User-agent: *\nDisallow: /blocked\n" + b"# padding\n" * 2_000_000  # 20 MB
BOMB = gzip.compress(b"\n" * 50_000_000)  # 50 MB of new lines in ~50 KB


def _site(host: str, robots: Answer) -> dict[str, Answer]:
    pages = {
        f"http://{host}/{path}": b"<html><body>ok</body></html>" for path in ("blocked", "open")
    }
    return {f"http://{host}/": HOME, f"http://{host}/robots.txt": robots, **pages}


def test_hostile_robots_files(tmp_path: Path) -> None:
    pages = {
        **_site("big.example", (200, TEXT, BIG_ROBOTS)),
        **_site("bomb.example", (200, {**TEXT, "Content-Encoding": "gzip"}, BOMB)),
        **_site("away.example", (302, {"Location": "http://10.0.0.1/robots.txt"}, b"")),
    }
    data = tmp_path / "data"
    with FixedSite(pages) as proxy:
        started = time.monotonic()
        linkgraph(["crawl", "http://big.example/", "http://bomb.example/", "http://away.example/",
                   "--proxy", f"http://127.0.0.1:{proxy.port}", "--data", str(data)],
                  timeout=240)  # fmt: skip
        took = time.monotonic() - started
    with open_store(str(data / "store")) as store:
        rows = store.query("SELECT url, error FROM page_fetches").rows
    # The URL the big file's first lines forbid is stored unfetched (status 0, the error says why).
    assert [url for url, error in rows if error == ROBOTS_BLOCKED] == ["http://big.example/blocked"]
    fetched = sorted(url for url, error in rows if error != ROBOTS_BLOCKED)
    assert fetched == sorted(
        [f"http://{host}/{path}" for host in ("bomb.example", "away.example")
         for path in ("", "blocked", "open")] + ["http://big.example/", "http://big.example/open"]
    )  # fmt: skip
    assert took < 90, took
