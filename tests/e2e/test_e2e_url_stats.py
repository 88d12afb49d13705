"""A crawl of the simulated web counts, in Scrapy's stats, exactly the invalid hrefs its truth
plants: each fetched /urls/browser.html holds crawler.testweb.browser.INVALID_HOSTS, hrefs the
WHATWG parser refuses (`linkgraph/urls/invalid_url`) or leaves with no host once the trailing
dots go (`linkgraph/urls/invalid_host`, `http://./`), and nothing else in the web is one.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from crawler.testweb import WebServer, build_web, truth
from crawler.testweb.browser import INVALID_HOSTS
from tests.helpers.e2e import linkgraph, seeds_file

WEB = (3, 20, 7)  # sites, pages per site, seed: two sites with the browser page
# Each stats dump (one per worker) prints its keys as `'name': value,` lines.
STAT = re.compile(r"'(linkgraph/(?:urls|extract)/\w+)': (\d+)")


def _dumped_stats(log: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for name, value in STAT.findall(log):
        found[name] += int(value)
    return found


def test_crawl_counts_exactly_the_invalid_hrefs_of_the_truth(tmp_path: Path) -> None:
    web = build_web(*WEB)
    browser_pages = [
        r["url"]
        for r in truth(web)
        if r["type"] == "page" and r["status"] == 200 and r["url"].endswith("/urls/browser.html")
    ]
    assert len(browser_pages) == 2
    assert INVALID_HOSTS[-1] == "http://./"  # the one a parser takes, with an empty host
    with WebServer(web) as server:
        proc = linkgraph(["crawl", "--seeds-file", str(seeds_file(web, tmp_path)),
                          "--data", str(tmp_path / "data"), "--proxy", server.proxy,
                          "--log-level", "INFO"])  # fmt: skip
    assert "Dumping Scrapy stats" in proc.stderr
    stats = _dumped_stats(proc.stderr)
    urls = {k: v for k, v in stats.items() if k.startswith("linkgraph/urls/")}
    assert urls == {
        "linkgraph/urls/invalid_url": (len(INVALID_HOSTS) - 1) * len(browser_pages),
        "linkgraph/urls/invalid_host": len(browser_pages),
    }
    assert stats["linkgraph/extract/not_links"] >= len(INVALID_HOSTS) * len(browser_pages)
