"""The web app's tables escape crawled text: a hostile anchor shows as text, never as markup, and
no crawled value becomes a link (issue 17, step 3)."""

from __future__ import annotations

import html
import re

from multidict import MultiDict

from crawler.serve.pages import PAGE_ROWS, _rows_table

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    '=HYPERLINK("http://evil")',
    "a & b < c",
]


def _cells(table: str) -> list[str]:
    return [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", table, re.S)]


def test_hostile_text_is_escaped_and_shown_as_stored() -> None:
    rows = [(text, ["nofollow", "<b>"]) for text in HOSTILE]
    pager, table = _rows_table(
        ["anchor", "rel"], rows, MultiDict(domain="a.com"), {"page": "", "sort": "", "order": ""}
    )
    assert "<script" not in table and "<img" not in table and "<b>" not in table
    assert _cells(table) == [c for text in HOSTILE for c in (text, "nofollow;<b>")]
    links = re.findall(r'href="([^"]*)"', pager + table)
    assert all(link.startswith("?domain=a.com") for link in links), links


def test_pages_sort_and_page() -> None:
    rows = [(f"d{i:03d}.com", i % 7) for i in range(PAGE_ROWS + 5)]
    query = MultiDict(domain="a.com")
    pager, table = _rows_table(
        ["ref_domain", "links"], rows, query, {"page": "2", "sort": "links", "order": "desc"}
    )
    ordered = sorted(rows, key=lambda r: r[1], reverse=True)[PAGE_ROWS:]
    assert _cells(table) == [str(v) for row in ordered for v in row]
    assert f"{PAGE_ROWS + 5} rows; page 2 of 2" in pager
    assert 'id="prev" href="?domain=a.com&amp;sort=links&amp;order=desc&amp;page=1"' in pager
    assert 'id="next"' not in pager
