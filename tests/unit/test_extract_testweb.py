"""The extractor against the simulated web's ground truth: every link of every page, exact.

Each status-200 page of the default crawl (HTML whatever its declared type, and files) is
rendered by the test server's own code and extracted; the complete list of (dst_url, anchor,
rel, section, kind, is_image, hreflang, ordinal) must equal the truth's. Redirect links are the
spider's (the parser never sees them).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from crawler.extract.extractor import extract
from crawler.testweb import build_web, truth
from crawler.testweb.render import respond

pytestmark = pytest.mark.usefixtures("speed_path")  # each test on the C and the Python path

Row = tuple[str, str, tuple[str, ...], str, str, bool, str, int]


def _truth_rows(args: tuple[int, int, int]) -> tuple[Any, dict[str, list[Row]]]:
    web = build_web(*args)
    pages: dict[str, list[Row]] = {}
    links: dict[str, list[Row]] = defaultdict(list)
    for record in truth(web):
        if record["type"] == "page":
            # Files too (PDF, a PNG served as octet-stream): the truth gives them no links.
            if record["status"] == 200:
                pages[record["url"]] = []
        elif record["type"] == "link" and record["kind"] != "redirect":
            links[record["src_url"]].append(
                (
                    record["dst_url"],
                    record["anchor"],
                    tuple(record["rel"]),
                    record["section"],
                    record["kind"],
                    record["is_image"],
                    record["hreflang"],
                    record["ordinal"],
                )
            )
    for url in pages:
        pages[url] = links.get(url, [])
    return web, pages


@pytest.mark.parametrize("args", [(20, 50, 1), (8, 40, 3)])
def test_every_page_matches_the_truth(args: tuple[int, int, int]) -> None:
    web, pages = _truth_rows(args)
    assert len(pages) > 100
    # Bodies the extractor must sniff: HTML with links, and a binary without, as octet-stream.
    served = {url: dict(respond(web, url).headers).get("Content-Type", "") for url in pages}
    assert {served[url] for url, rows in pages.items() if rows} >= {"", "application/octet-stream"}
    assert "application/octet-stream" in {served[url] for url, rows in pages.items() if not rows}
    mismatched = []
    for url, expected in pages.items():
        answer = respond(web, url)
        assert answer.status == 200, url
        _, links = extract(answer.body, url, headers=dict(answer.headers))
        found = [
            (x.dst_url, x.anchor, x.rel, x.section, x.kind, x.is_image, x.hreflang, x.ordinal)
            for x in links
        ]
        if found != expected:
            mismatched.append((url, found, expected))
    assert not mismatched, f"{len(mismatched)} of {len(pages)} pages differ, first: {mismatched[0]}"
