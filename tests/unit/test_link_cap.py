"""A page's link cap (issue 14, point 3): the first N links in document order are made, the
rest only counted, on the C and the Python walk alike; the page's facts still read them all."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract import extractor
from crawler.extract.extractor import extract

pytestmark = pytest.mark.usefixtures("speed_path")  # each test on the C and the Python path

FOUND = 50
PAGE = (
    "<html><head><title>T</title></head><body><main>"
    + "".join(f'<a href="/p{i}">a{i}</a><a href="mailto:x@y">not a link</a>' for i in range(FOUND))
    # Past any cap below: still read for the page's facts.
    + '<link rel="canonical" href="/canon"><meta name="robots" content="nofollow">'
    "</main></body></html>"
).encode()
URL = "http://cap.example/"


@pytest.mark.parametrize("cap", [1, 7, FOUND, FOUND + 1, 0])
def test_the_first_cap_links_are_made_and_the_rest_counted(cap: int) -> None:
    whole_facts, whole = extract(PAGE, URL, "text/html")
    assert len(whole) == FOUND + 1  # the a links and the canonical; mailto is no link
    facts, links = extract(PAGE, URL, "text/html", max_links=cap)
    kept = len(whole) if cap == 0 else min(cap, len(whole))
    assert links == whole[:kept]
    assert [link.ordinal for link in links] == list(range(kept))
    assert facts.links_over_cap == len(whole) - kept
    assert whole_facts.links_over_cap == 0
    assert (facts.canonical, facts.nofollow) == ("http://cap.example/canon", True)
    assert all(link.page_nofollow for link in links)


def test_past_the_cap_the_url_memo_is_emptied_and_nothing_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past the cap the resolver's memo is emptied whenever it outgrows `memo_past_cap` (here
    every few links): the records and the count are those of a memo that keeps everything."""
    whole_facts, whole = extract(PAGE, URL, "text/html")
    monkeypatch.setattr(extractor._Page, "memo_past_cap", 3)
    facts, links = extract(PAGE, URL, "text/html", max_links=5)
    assert links == whole[:5] and facts.links_over_cap == len(whole) - 5
    assert (facts.canonical, facts.nofollow) == (whole_facts.canonical, whole_facts.nofollow)


def _rss_kib() -> int:
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0])


@pytest.mark.skipif(extractor._MALLOC_TRIM is None, reason="no malloc_trim in this C library")
def test_a_big_page_gives_its_parse_tree_back_to_the_os() -> None:
    """200k links in 4 MiB: the tree takes ~110 MB; once extracted, the process keeps only the
    capped records (glibc kept the freed tree in its heap before)."""
    body = ("<body>" + "".join(f"<a href=/{i:05x}>x</a>" for i in range(200_000))).encode()
    assert len(body) >= extractor.TRIM_AFTER_BYTES
    before = _rss_kib()
    facts, links = extract(body, URL, "text/html", max_links=1000)
    grown = _rss_kib() - before
    assert (len(links), facts.links_over_cap) == (1000, 199_000)
    assert grown < 40 * 1024, f"{grown // 1024} MiB kept after the parse"
