"""WPT's URL parsing tests (web-platform-tests urltestdata.json) through the crawler's href
resolution, read from ../shared/conformance (skipped with a reason when absent).

A case with a base is an href on a page at that base: `Resolver(base).resolve(input)` (what
the extractor calls for every link, C and Python paths alike) must give the expected `href`
in our canonical form (docs/LINKS.md), or no link when the case is a failure, its URL is not
http(s), or the href is empty or a fragment (a link to the page itself). A case without a base
whose input is an absolute http(s) URL goes through `canonicalize`.
"""

from __future__ import annotations

from typing import Any

import pytest

from crawler.urls import canonical as urls
from tests.helpers.conformance import wpt_url_cases

pytestmark = pytest.mark.usefixtures("speed_path")  # each test on the C and the Python path


def _expected(case: dict[str, Any]) -> str | None:
    """The case's expected href in our canonical form; None: not a link."""
    if case.get("failure"):
        return None
    href = case["input"].strip(urls._C0_SPACE)
    if case.get("base") is not None and (not href or href[0] == "#"):
        return None
    return urls._canonical_of(case["href"])  # the data's href, already as WHATWG writes it


def _answer(case: dict[str, Any]) -> str | None:
    if case.get("base") is not None:
        found = urls.Resolver(case["base"]).resolve(case["input"])
        return found[0] if found else None
    try:
        return urls.canonicalize(case["input"])
    except ValueError:
        return None


def _absolute_http(case: dict[str, Any]) -> bool:
    return case.get("base") is None and case["input"].strip(urls._C0_SPACE).lower().startswith(
        ("http:", "https:")
    )


def test_wpt_url_cases() -> None:
    cases = [c for c in wpt_url_cases() if c.get("base") is not None or _absolute_http(c)]
    with_base = [c for c in cases if c.get("base") is not None]
    differ = [c for c in cases if _answer(c) != _expected(c)]
    passed = len(cases) - len(differ)
    base_passed = len(with_base) - len([c for c in differ if c.get("base") is not None])
    print(
        f"WPT urltestdata: {passed} of {len(cases)} ({base_passed} of {len(with_base)} with a"
        f" base, {passed - base_passed} of {len(cases) - len(with_base)} absolute http(s))"
    )
    assert (len(with_base), len(cases)) == (336, 615)
    assert [(c["input"], c.get("base")) for c in differ] == []


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("http:\\\\www.google.com\\foo", "http://www.google.com/foo"),
        ("..\\img\\a.html", "http://a.com/img/a.html"),
        ("http://example.com/a/../b", "http://example.com/b"),
        ("http://0x7f.1/", "http://127.0.0.1/"),
        ("https:example.com/", "https://example.com/"),
        ("https:/example.com/", "https://example.com/"),
        ("http://straße.de/", "http://xn--strae-oqa.de/"),
        ("http://faß.de/", "http://xn--fa-hia.de/"),
        ("http://example example.com/", None),
        ("http://256.256.256.256/", None),
        ("http://1.2.3.4.5/", None),
        ("http://./", None),
        ("http://a.com./x?", "http://a.com/x"),
        ("http://user:pw@a.com:80/x#f", "http://a.com/x"),
    ],
)
def test_issue_examples(href: str, expected: str | None) -> None:
    """The hrefs issue 15 names, on a page at http://a.com/dir/p.html."""
    found = urls.Resolver("http://a.com/dir/p.html").resolve(href)
    assert (found[0] if found else None) == expected


def test_invalid_hrefs_are_counted() -> None:
    before = dict(urls.STATS)
    resolver = urls.Resolver("http://a.com/")
    for href in ("http://256.256.256.256/", "http://a b/", "http://./"):
        assert resolver.resolve(href) is None
    assert urls.STATS["invalid_url"] - before.get("invalid_url", 0) == 2
    assert urls.STATS["invalid_host"] - before.get("invalid_host", 0) == 1
