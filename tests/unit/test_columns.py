"""The insert columns' Arrow encoding (pipelines.columns.arrow_arrays) on both paths: the C
module (pipelines._fastcolumns) and the pure Python one (`columnar` + `arrow_array`) give the
exact values the tables are to hold."""

from __future__ import annotations

import pytest

from crawler.records import OutLink, Page
from pipelines.columns import LINK_COLUMNS, PAGE_COLUMNS, Column, arrow_arrays

pytestmark = pytest.mark.usefixtures("speed_path")  # each test on the C and the Python path


def _encoded(records: list, columns: list[Column]) -> dict[str, list]:
    arrays = arrow_arrays(records, columns)
    return {name: array.to_pylist() for (name, _, _), array in zip(columns, arrays, strict=True)}


def test_link_columns() -> None:
    links = [
        OutLink(src_url="http://ä.com/ü", dst_url="http://b.com/€", anchor="日本 ",
                rel=("ugc", "nofollow"), ordinal=3, is_image=True, src_host="ä.com",
                dst_host="b.com", dst_domain="b.com", is_external=True, crawl_id="c1",
                fetched_at=1_700_000_000.25, kind="area", section="footer", dom_path="body>a"),
        OutLink(src_url="", dst_url="", rel=("sponsored",), fetched_at=2.5, page_nofollow=True,
                hreflang="de"),
    ]  # fmt: skip
    assert _encoded(links, LINK_COLUMNS) == {
        "dst_domain": ["b.com", ""],
        "dst_url": ["http://b.com/€", ""],
        "src_url": ["http://ä.com/ü", ""],
        "fetch_us": [1_700_000_000_250_000, 2_500_000],
        "ordinal": [3, 0],
        "dst_host": ["b.com", ""],
        "src_host": ["ä.com", ""],
        "src_domain": ["", ""],
        "anchor": ["日本 ", ""],
        "rel": [["ugc", "nofollow"], ["sponsored"]],
        "nofollow": [1, 0],
        "ugc": [1, 0],
        "sponsored": [0, 1],
        "kind": ["area", "a"],
        "section": ["footer", "unknown"],
        "dom_path": ["body>a", ""],
        "is_image": [1, 0],
        "hreflang": ["", "de"],
        "is_external": [1, 0],
        "page_nofollow": [0, 1],
        "fetched_at": [1_700_000_000, 2],
        "crawl_id": ["c1", ""],
    }


def test_page_columns() -> None:
    pages = [
        Page(url="http://a.com/", host="a.com", domain="a.com", status=404, title="x" * 3,
             noindex=True, outlink_count=7, depth=2, size=2**40, fetched_at=1_700_000_001.5,
             ip="::1", meta_robots="noindex", emails=["a@b.com", "c@d.com"]),
    ]  # fmt: skip
    assert _encoded(pages, PAGE_COLUMNS) == {
        "url": ["http://a.com/"],
        "fetch_us": [1_700_000_001_500_000],
        "host": ["a.com"],
        "domain": ["a.com"],
        "status": [404],
        "content_type": [""],
        "title": ["xxx"],
        "lang": [""],
        "canonical": [""],
        "redirect_to": [""],
        "meta_robots": ["noindex"],
        "x_robots_tag": [""],
        "noindex": [1],
        "nofollow": [0],
        "outlink_count": [7],
        "depth": [2],
        "size": [2**40],
        "fetched_at": [1_700_000_001],
        "crawl_id": [""],
        "error": [""],
        "ip": ["::1"],
        "emails": [["a@b.com", "c@d.com"]],
    }
