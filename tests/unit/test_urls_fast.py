"""crawler.urls._fasturls.join (the C join) against Resolver._fast (its Python original): same
answers.

Hrefs are generated from the characters that decide the grammar's branches (every URL
delimiter, dot segments, ports, upper case, whitespace, non-ASCII), so both sides are asked
about every kind of href: on ASCII hrefs both say the same, a non-ASCII href always goes to
the slow path in C, and every fast answer equals the slow path's (the WHATWG parser, ada,
through ada-url: the reference).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.urls import canonical as urls
from tests.helpers.examples import examples

try:
    from crawler.urls import _fasturls as FAST
except ImportError:  # not built: the speed_path fixture fails every test here, saying why
    FAST = None
join = FAST.join if FAST is not None else None
CANONICAL_MAX = FAST.CANONICAL_MAX if FAST is not None else 0
# Each test compares the C join with its Python original itself: on the "c" path only.
pytestmark = [
    pytest.mark.usefixtures("speed_path"),
    pytest.mark.parametrize("speed_path", ["c"], indirect=True),
]

BASES = [
    "http://a.com/",
    "http://a.com/d/p.html",
    "https://www.b.co.uk:8443/x/y/z?q=1",
    "http://c.net/deep/er/index",
]
_PIECES = [
    "a", "B", "z9", "-", ".", "..", "/", "//", "?", "#", ":", ";", "%20", "%zz", "'", "~", "@",
    "=", "&", "+", " ", "\t", "\x1c", "http", "HTTPS", "https://", "http://x.org", "www.e-x.com",
    ":80", ":443", ":8080", ":99999", ":000443", "é", "\u017f", "\u212a", "[", "]", "|", "\\",
    "x" * 64, "mailto:", "javascript:",
    "%2e", "%2E.", "0x7f", "1", "256", "01", ".1", "xn--", "XN--a", "\x01", "\x00", "\u3000",
]  # fmt: skip
hrefs = st.lists(st.sampled_from(_PIECES), max_size=8).map("".join)


def _python(resolver: urls.Resolver, href: str) -> tuple[str, str] | None:
    return resolver._fast(href)


@settings(max_examples=examples(3000), deadline=None)
@given(base=st.sampled_from(BASES), href=hrefs)
def test_join_equals_python(base: str, href: str) -> None:
    resolver = urls.Resolver(base)
    assert resolver.scheme, base
    c_answer = join(href, resolver.scheme, resolver.origin, resolver.path, resolver.directory)
    python_answer = _python(resolver, href)
    if href.isascii():
        assert c_answer == python_answer
    else:  # the C join leaves every non-ASCII href (even one in a fragment) to the slow path
        assert c_answer is None
    if python_answer is not None:
        slow = urls.resolve(base, href)
        assert slow == python_answer[0]
        assert urls.host_of(slow) == python_answer[1]


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("b?x=1#f", ("http://a.com/d/b?x=1", "a.com")),
        ("/r", ("http://a.com/r", "a.com")),
        ("//c.org:8080", ("http://c.org:8080/", "c.org")),
        ("HTTPS://e.com:443/x?", ("https://e.com/x", "e.com")),
        ("?q", ("http://a.com/d/p.html?q", "a.com")),
        ("  x  ", ("http://a.com/d/x", "a.com")),
        ("http://e.com:65536/", None),
        ("http://E.xAmple.com/", ("http://e.xample.com/", "e.xample.com")),
        ("http\u017f://e.com/", None),  # the regex's old (?i:) let U+017F through
        ("../x", ("http://a.com/x", "a.com")),  # dot segments merged as urljoin does
        ("./a/../../../b/.?q#f", ("http://a.com/b/?q", "a.com")),
        ("/a/./b/..", ("http://a.com/a/", "a.com")),
        (".\t./a", None),  # urlsplit drops the tab: a ".." the C join would not see
        # an empty segment among dot segments: urljoin "/", WHATWG "//" (ada, the slow path)
        ("/..//", None),
        ("/a/.//b", None),
        ("#top", None),
        ("", None),
        # urljoin drops the empty params of a URL with a host: the slow path's to say
        ("http://x.org/;", None),
        ("//x.org/a;?q", None),
        ("http://x.org/a?b;", ("http://x.org/a?b;", "x.org")),
        # the WHATWG parser's to read: dot segments, IPv4 forms, punycode, backslashes
        ("http://x.org/a/../b", None),
        ("/a/%2e%2E/b", None),
        ("http://0x7f.1/", None),
        ("http://1.2.3.4.5/", None),
        ("http://010.1.1.1/", None),
        ("http://xn--strae-oqa.de/", None),
        ("..\\img\\a.html", None),
        ("http://127.0.0.1:8080/x", ("http://127.0.0.1:8080/x", "127.0.0.1")),
        ("\x01/r\x00", ("http://a.com/r", "a.com")),
    ],
)
def test_join_examples(href: str, expected: tuple[str, str] | None) -> None:
    resolver = urls.Resolver("http://a.com/d/p.html")
    assert (
        join(href, resolver.scheme, resolver.origin, resolver.path, resolver.directory) == expected
    )
    assert resolver._fast(href) == expected


def test_an_empty_segment_after_dot_segments_is_joined_as_whatwg_says() -> None:
    """hypothesis found "/..//" on "http://a.com/": both fast paths merged it as urljoin does
    ("http://a.com/"), the WHATWG parser keeps the empty segment; they leave it to ada now."""
    resolver = urls.Resolver("http://a.com/")
    assert resolver.resolve("/..//") == ("http://a.com//", "a.com")
    assert urls.resolve("http://a.com/", "/..//") == "http://a.com//"


@settings(max_examples=examples(3000), deadline=None)
@given(
    scheme=st.sampled_from(["http://", "HTTPS://", "https://", "hTtP://", "http:/", "ftp://", ""]),
    rest=hrefs,
)
def test_c_canonical_equals_regex(scheme: str, rest: str) -> None:
    """The C pass of `_simple_canonical` answers as its regex on every ASCII URL; others
    (and URLs over its length) go to the regex."""
    url = scheme + rest
    expected = urls._regex_canonical(url)
    if url.isascii():
        assert FAST.canonical(url) == expected
    assert urls._simple_canonical(url) == expected


@pytest.mark.parametrize("length", [CANONICAL_MAX - 1, CANONICAL_MAX + 1])
def test_canonical_of_long_urls(length: int) -> None:
    url = "http://a.com/" + "x" * (length - len("http://a.com/"))
    assert urls._simple_canonical(url) == urls._regex_canonical(url) == (url, "a.com")


@settings(max_examples=examples(2000), deadline=None)
@given(scheme=st.sampled_from(["http://", "HTTPS://", "https://"]), rest=hrefs)
def test_canonicalize_fast_path_equals_whatwg(scheme: str, rest: str) -> None:
    """canonicalize's regex fast path answers exactly as the WHATWG path, or leaves it to it."""
    url = scheme + rest
    try:
        slow = urls._canonicalize(url.strip(urls._C0_SPACE))
    except ValueError:
        slow = None
    simple = urls._simple_canonical(url.strip(urls._C0_SPACE))
    if simple is not None:
        assert simple[0] == slow
