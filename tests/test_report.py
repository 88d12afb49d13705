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

from tests.e2e import linkgraph
from tests.test_authority_cmd import crawled_web

CHARTS = ["timeline", "dofollow", "sections", "anchors", "pages", "gap"]
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


def test_report_renders_every_chart(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path):
    chromium = _chromium()
    web, records, data = crawled_web(tmp_path_factory)
    counts: dict[str, int] = {}
    for r in records:
        if r["type"] == "link" and r["src_domain"] != r["dst_domain"]:
            counts[r["dst_domain"]] = counts.get(r["dst_domain"], 0) + 1
    ranked = sorted((d for d in counts if d in web.domains), key=lambda d: (-counts[d], d))
    domain, rivals = ranked[-1], ranked[:2]
    out = tmp_path / "report.html"
    linkgraph(["report", domain, "--vs", rivals[0], "--vs", rivals[1], "--html", str(out),
               "--data", str(data)])  # fmt: skip
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
