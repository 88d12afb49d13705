"""Issue 14 point 2: a crawl whose only work left waits on paused hosts (robots.txt 502, a
closed --proxy port) ends in seconds, not 10 minutes, saying what it waited on and how many URLs
it deferred per reason (exit code 4); a resume with the host fixed fetches exactly those URLs.
A loopback seed without --allow-private is refused at start, in one line."""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pytest

from pipelines.store import open_store
from tests.helpers.e2e import linkgraph, one_clear_error
from tests.helpers.hostile import Answer, FixedSite
from tests.helpers.paused import closed_port, deferred_counts, site_on

DEFERRED_EXIT = 4
PAUSED = re.compile(r"^  paused: (\d+) hosts? until \d\d:\d\d:\d\d \(([^)]+)\)$", re.M)


def _html(*hrefs: str) -> bytes:
    return (
        "<html><body>" + "".join(f'<a href="{h}">x</a>' for h in hrefs) + "</body></html>"
    ).encode()


def _fetches(data: Path) -> Counter[str]:
    with open_store(str(data / "store")) as store:
        return Counter(row[0] for row in store.query("SELECT url FROM page_fetches").rows)


@pytest.mark.serial  # asserts the crawl's elapsed time
def test_robots_502_defers_its_host_and_a_resume_fetches_it(tmp_path: Path) -> None:
    pages: dict[str, Answer] = {
        "http://ok.example/": _html("/a", "http://down.example/x", "http://down.example/y"),
        "http://ok.example/a": _html(),
        "http://down.example/robots.txt": (502, {}, b"bad gateway"),
        "http://down.example/": _html("/z"),
        **{f"http://down.example/{p}": _html() for p in ("x", "y", "z")},
    }
    data = tmp_path / "data"
    with FixedSite(pages) as proxy:
        crawl = ["crawl", "--data", str(data), "--proxy", f"http://127.0.0.1:{proxy.port}"]
        started = time.monotonic()
        first = linkgraph([*crawl, "http://ok.example/", "http://down.example/"], check=False)
        took = time.monotonic() - started
        assert first.returncode == DEFERRED_EXIT, first.stderr[-4000:]
        assert took < 45, took
        assert deferred_counts(first.stderr) == {"robots.txt 502": 3}
        assert PAUSED.findall(first.stderr)[-1] == ("1", "robots.txt 502"), first.stderr[-3000:]
        hint = f"resume with: linkgraph crawl --data {data} --proxy http://127.0.0.1:{proxy.port}"
        assert hint in first.stderr
        assert _fetches(data) == Counter({"http://ok.example/": 1, "http://ok.example/a": 1})
        assert not [p for p in proxy.requested if "down.example" in p and "robots" not in p]

        status = linkgraph(["status", "--data", str(data)]).stdout
        assert re.match(r"crawl \w+: deferred", status), status
        assert PAUSED.findall(status) == [("1", "robots.txt 502")], status
        assert deferred_counts(status) == {"robots.txt 502": 3}, status

        pages["http://down.example/robots.txt"] = (404, {}, b"")  # the host is back
        resumed = linkgraph(crawl, check=False)
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    assert "retrying 1 paused host(s): 3 URLs deferred" in resumed.stderr, resumed.stderr
    assert "paused:" not in resumed.stderr.split("retrying", 1)[1], resumed.stderr
    assert _fetches(data) == Counter(
        f"http://{url}" for url in ("ok.example/", "ok.example/a", "down.example/",
                                    "down.example/x", "down.example/y", "down.example/z")
    )  # fmt: skip
    status = linkgraph(["status", "--data", str(data)]).stdout
    assert re.match(r"crawl \w+: done", status) and "deferred" not in status, status


def test_a_closed_proxy_defers_the_crawl_and_a_resume_through_it_fetches(tmp_path: Path) -> None:
    port = closed_port()
    proxy = f"http://127.0.0.1:{port}"
    data = tmp_path / "data"
    crawl = ["crawl", "--data", str(data), "--proxy", proxy]
    started = time.monotonic()
    first = linkgraph([*crawl, "http://a.example/", "http://b.example/"], check=False)
    assert first.returncode == DEFERRED_EXIT, first.stderr[-4000:]
    assert time.monotonic() - started < 45
    assert deferred_counts(first.stderr) == {"proxy refused": 2}
    assert PAUSED.findall(first.stderr)[-1] == ("2", "proxy refused"), first.stderr[-3000:]
    status = linkgraph(["status", "--data", str(data)]).stdout
    assert PAUSED.findall(status) == [("2", "proxy refused")], status

    pages: dict[str, Answer] = {
        "http://a.example/": _html("/1", "http://b.example/2"),
        "http://b.example/": _html("/2"),
        **{f"http://{u}": _html() for u in ("a.example/1", "b.example/2")},
    }
    with site_on(port, pages):
        resumed = linkgraph(crawl, check=False)
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    assert _fetches(data) == Counter(
        f"http://{url}" for url in ("a.example/", "a.example/1", "b.example/", "b.example/2")
    )


def test_a_loopback_seed_without_allow_private_is_refused_at_start(tmp_path: Path) -> None:
    started = time.monotonic()
    refused = linkgraph(["crawl", "http://127.0.0.1:9/", "--data", str(tmp_path / "d")],
                        check=False)  # fmt: skip
    assert refused.returncode == 2 and time.monotonic() - started < 30
    one_clear_error(refused.stderr, "127.0.0.1 is not a public address", "--allow-private")
