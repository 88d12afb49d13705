"""`linkgraph report`: one self-contained HTML page whose charts render in headless Chromium.

Debian's chromium (`make servers` installs it) opens the file with the network off, takes a
screenshot and dumps the DOM, where the page's script recorded the charts it laid out.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from crawler.analysis.report import collect
from pipelines.store import open_store
from tests.helpers.e2e import CrawledWeb, crawled_web, linkgraph
from tests.helpers.servers import ClickHouseServer

CHARTS = ["timeline", "velocity", "dofollow", "sections", "anchors", "pages", "gap"]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]  # fmt: skip


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("Debian's chromium is not installed (make servers installs it)")
    return found


def _run(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=True)  # fmt: skip


def _domain_and_rivals(crawled: CrawledWeb) -> tuple[str, list[str]]:
    """The simulated web's least linked domain, and its two most linked rivals."""
    counts: dict[str, int] = {}
    for r in crawled.records:
        if r["type"] == "link" and r["src_domain"] != r["dst_domain"]:
            counts[r["dst_domain"]] = counts.get(r["dst_domain"], 0) + 1
    ranked = sorted((d for d in counts if d in crawled.web.domains), key=lambda d: (-counts[d], d))
    return ranked[-1], ranked[:2]


def test_report_renders_every_chart(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path):
    chromium = _chromium()
    crawled = crawled_web(tmp_path_factory)
    records = crawled.records
    domain, rivals = _domain_and_rivals(crawled)
    out = tmp_path / "report.html"
    linkgraph(["report", domain, "--vs", rivals[0], "--vs", rivals[1], "--html", str(out),
               *crawled.args])  # fmt: skip
    page = out.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the report loads nothing"
    refdomains = {r["src_domain"] for r in records if r["type"] == "link"
                  and r["dst_domain"] == domain and r["src_domain"] != domain}  # fmt: skip
    assert f"<b>{len(refdomains):,}</b><span>referring domains</span>" in page
    shot = tmp_path / "report.png"
    _run(chromium, tmp_path / "profile1", "--window-size=1000,3000",
         f"--screenshot={shot}", out.as_uri())  # fmt: skip
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == 1000 and len(png) > 20_000
    dom = _run(chromium, tmp_path / "profile2", "--dump-dom", out.as_uri()).stdout
    check = re.search(r'<div id="render-check"[^>]*>', dom)
    assert check, "the page's script did not run"
    attrs = dict(re.findall(r'data-(\w+)="([^"]*)"', check.group()))
    assert attrs["names"].split() == CHARTS
    assert int(attrs["charts"]) == len(CHARTS)
    assert int(attrs["shapes"]) >= 20


@pytest.mark.server
def test_report_data_is_the_same_on_clickhouse_18(
    tmp_path_factory: pytest.TempPathFactory, clickhouse: ClickHouseServer
) -> None:
    """Every figure of the report, read from a crawl into clickhouse-server 18.16, is the one
    read from the same crawl into chDB (only the days of the timeline may differ)."""
    crawls = [crawled_web(tmp_path_factory), crawled_web(tmp_path_factory, clickhouse)]
    domain, rivals = _domain_and_rivals(crawls[0])
    figures = []
    for crawled in crawls:
        store = open_store(crawled.target)
        try:
            data = collect(store, domain, rivals)
        finally:
            store.close()
        timeline = [n for _, n in data.timeline]
        figures.append((data.totals, timeline, data.sections, data.anchors, data.pages, data.gap))
    assert figures[0] == figures[1]
    refdomains = {r["src_domain"] for r in crawls[0].records if r["type"] == "link"
                  and r["dst_domain"] == domain and r["src_domain"] != domain}  # fmt: skip
    assert figures[0][0]["ref_domains"] == sum(figures[0][1]) == len(refdomains)
    assert figures[0][5], "the gap summary should not be empty"
