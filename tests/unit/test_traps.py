"""Crawler traps: what the frontier queues for real-world-looking URLs, and generated strings."""

from __future__ import annotations

import doctest
from datetime import date

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crawler.scope import traps
from crawler.scope.traps import Verdict, check, crawl_url, trap_reason
from tests.helpers.examples import examples

NOW = date(2026, 6, 15)

ORDINARY = [
    "https://example.com/",
    "https://example.com/2024/05/my-post/",
    "https://example.com/2009/05/my-old-post/",
    "https://example.com/2026/05/",
    "https://example.com/blog/page/2/",
    "https://example.com/a/b/c/d",
    "https://example.com/products?id=7&sort=asc",
    "https://example.com/products/1234",
    "https://example.com/item/2100",
    "https://example.com/img/2048/1536/photo.jpg",
    "https://example.com/news/2026-06-14/story",
    "https://example.com/events/2010/05/annual-meeting",
    "https://example.com/calendar/2028/06/",
    "https://example.com/calendar/2024/06/",
    "https://example.com/cal?year=2028&month=6",
    "https://example.com/events?date=2026-07-01",
    "https://example.com/list?start=1500&count=50",
    "https://example.com/search?s=hello+world",
    "https://example.com/x?sid=7",
    "https://example.com/sidebar?sidebar=1&utm=x",
    "https://example.com/a;b=c/d",
    "https://example.com/docs/api/docs/api/",
    "https://example.com/en/en/page",
    "https://tiles.example/tiles/0/0/0/",
    "https://tiles.example/tiles/0/0/0.png",
    "https://forum.example/t/some-topic/2000/5",
    "https://example.com/" + "/".join(f"s{i}" for i in range(16)),
]

TRAPS = [
    ("https://example.com/" + "a" * 2064, "too_long"),
    ("https://example.com/" + "/".join(f"s{i}" for i in range(17)), "path_too_deep"),
    ("https://example.com/x" + "/" * 17, "path_too_deep"),
    ("https://example.com/a/b/a/b/a/b/", "repeated_segments"),
    ("https://example.com/foo/bar/foo/bar/foo/bar/baz", "repeated_segments"),
    ("https://example.com/x/x/x/page", "repeated_segments"),
    ("https://example.com/en/page/en/list/en/item/en/", "repeated_segments"),
    (
        "https://example.com/wp-content/themes/wp-content/themes/wp-content/themes/a",
        "repeated_segments",
    ),
    ("https://example.com/calendar/2031/12/", "calendar"),
    ("https://example.com/calendar/2028/07/", "calendar"),
    ("https://example.com/calendar/2024/05/", "calendar"),
    ("https://example.com/calendar/1999/01/", "calendar"),
    ("https://example.com/calendar/month/2100/5", "calendar"),
    ("https://example.com/2019/05/", "calendar"),
    ("https://example.com/2019/05/31/", "calendar"),
    ("https://example.com/2031/12/05/some-event", "calendar"),
    ("https://example.com/events/2031/", "calendar"),
    ("https://example.com/day/2031-12-05", "calendar"),
    ("https://example.com/cal?year=2100&month=5", "calendar"),
    ("https://example.com/cal?year=2029", "calendar"),
    ("https://example.com/cal?month=1&yr=1900", "calendar"),
    ("https://example.com/events?date=2031-12-05", "calendar"),
    ("https://example.com/events/?tribe-bar-date=2031-05", "calendar"),
    ("https://example.com/?tx_cal_controller[year]=2035&tx_cal_controller[month]=3", "calendar"),
    ("https://example.com/agenda?start=2031-01-01T00:00:00&view=week", "calendar"),
    ("https://example.com/agenda?ym=203105", "calendar"),
    ("https://example.com/agenda?month=2030-01", "calendar"),
    ("https://example.com/agenda?date=2031%2F12%2F05", "calendar"),
    ("https://example.com/calendar/2100/01/?sid=0123456789abcdef0123", "calendar"),
]

SESSIONS = [
    ("https://shop.example/cart;jsessionid=A1B2C3?item=7", "https://shop.example/cart?item=7"),
    ("https://shop.example/cart;JSESSIONID=A1B2C3", "https://shop.example/cart"),
    ("https://shop.example/a;jsessionid=X/b?c=1", "https://shop.example/a/b?c=1"),
    ("https://shop.example/a;v=2;jsessionid=X;w=3", "https://shop.example/a;v=2;w=3"),
    (
        "https://example.com/index.php?PHPSESSID=0123abcd&page=2",
        "https://example.com/index.php?page=2",
    ),
    ("https://example.com/?page=2&phpsessid=abc", "https://example.com/?page=2"),
    (
        "https://forum.example/viewtopic.php?f=2&t=7&sid=0123456789abcdef0123456789abcdef",
        "https://forum.example/viewtopic.php?f=2&t=7",
    ),
    (
        "https://forum.example/showthread.php?s=0123456789abcdef0123456789abcdef&t=5",
        "https://forum.example/showthread.php?t=5",
    ),
    ("https://example.com/p?sessionid=1&session_id=2&x=3", "https://example.com/p?x=3"),
    (
        "https://example.com/default.asp?ASPSESSIONIDQQGGQGPD=ABCDEF&id=4",
        "https://example.com/default.asp?id=4",
    ),
    ("https://example.com/p.cfm?CFID=123&CFTOKEN=456&id=9", "https://example.com/p.cfm?id=9"),
    (
        "https://shop.example/index.php?main_page=product_info&products_id=5&zenid=abc123",
        "https://shop.example/index.php?main_page=product_info&products_id=5",
    ),
    (
        "https://shop.example/product_info.php?products_id=42&osCsid=abc123",
        "https://shop.example/product_info.php?products_id=42",
    ),
    (
        "http://x.example/(S(lit3py55t21z5v55vlm25s55))/default.aspx?a=1",
        "http://x.example/default.aspx?a=1",
    ),
    (
        "http://x.example/app/(X(1)S(lit3py55t21z5v55vlm25s55))/page.aspx",
        "http://x.example/app/page.aspx",
    ),
    ("http://x.example/(S(lit3py55t21z5v55vlm25s55))", "http://x.example/"),
    (
        "https://example.com/p;jsessionid=1?utm_source=x&a=1&&sid=0123456789abcdef0",
        "https://example.com/p?a=1",
    ),
]

TRACKING = [
    (
        "https://example.com/post?utm_source=twitter&utm_medium=social&id=3",
        "https://example.com/post?id=3",
    ),
    ("https://example.com/?gclid=abc", "https://example.com/"),
    ("https://example.com/p?a=1&fbclid=IwAR0&b=2", "https://example.com/p?a=1&b=2"),
    ("https://example.com/p?MSCLKID=x&q=shoes", "https://example.com/p?q=shoes"),
    ("https://example.com/p?utm%5Fsource=x&q=1", "https://example.com/p?q=1"),
    ("https://example.com/p?b=2&_ga=2.1.3&a=1", "https://example.com/p?b=2&a=1"),
]


@pytest.mark.parametrize("url", ORDINARY)
def test_ordinary_urls_are_queued_as_they_are(url: str) -> None:
    assert check(url, now=NOW) == Verdict(url, None)


@pytest.mark.parametrize(("url", "reason"), TRAPS)
def test_traps_are_refused_with_their_reason(url: str, reason: str) -> None:
    assert check(url, now=NOW) == Verdict(None, reason)
    assert crawl_url(url, now=NOW) is None
    assert trap_reason(url, now=NOW) == reason


@pytest.mark.parametrize(("url", "expected"), SESSIONS)
def test_session_ids_are_stripped(url: str, expected: str) -> None:
    assert check(url, now=NOW) == Verdict(expected, "session_id")
    assert trap_reason(url, now=NOW) is None


@pytest.mark.parametrize(("url", "expected"), TRACKING)
def test_tracking_parameters_are_stripped(url: str, expected: str) -> None:
    assert check(url, now=NOW) == Verdict(expected, "tracking")


def test_calendar_window_follows_now_and_years() -> None:
    url = "https://example.com/calendar/2031/12/"
    assert crawl_url(url, now=date(2030, 1, 1)) == url
    assert crawl_url(url, now=NOW, years=10) == url
    assert crawl_url("https://example.com/calendar/2999/01/") is None  # now: today


def test_the_module_examples_hold() -> None:
    assert doctest.testmod(traps).failed == 0


_PIECES = [
    "http://",
    "https://",
    "example.com",
    "/",
    "/",
    "/a",
    "/b",
    "/calendar",
    "/2031",
    "/12",
    "/05",
    "/2024-05-01",
    "/(S(abc))",
    ";jsessionid=X",
    ";sid=0123456789abcdef0",
    ";",
    "=",
    "?",
    "&",
    "#",
    "%",
    "%5F",
    "year=2100",
    "month=5",
    "date=2031-12-05",
    "utm_source=x",
    "sid=0123456789abcdef0",
    "PHPSESSID=1",
    "s=0123456789abcdef0123456789abcdef",
    "id=7",
    "://",
    "(",
    ")",
    "\n",
    "K",
]
URLISH = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)
ANY = st.one_of(st.text(), URLISH, URLISH.flatmap(lambda u: st.text().map(lambda t: u + t)))


@settings(max_examples=examples(2000))
@given(ANY)
@example("http://x/(S(a))\n/(S(a))")  # "$" would match before the newline
@example("/a:;jsessionid=1//b/b/b")
def test_never_raises_and_is_idempotent(url: str) -> None:
    queued, reason = check(url, now=NOW)
    assert queued == crawl_url(url, now=NOW)
    assert (queued is None) == (trap_reason(url, now=NOW) is not None)
    if queued is not None:
        assert len(queued) <= len(url)
        assert check(queued, now=NOW) == Verdict(queued, None)
    else:
        assert reason in ("too_long", "path_too_deep", "repeated_segments", "calendar")
