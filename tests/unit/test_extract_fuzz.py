"""Generated malformed HTML and hrefs: the extractor never raises and always answers the same."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract.extractor import extract
from crawler.urls.canonical import Resolver, host_of, resolve
from tests.helpers.examples import examples

pytestmark = pytest.mark.usefixtures("speed_path")  # each test on the C and the Python path

_TAGS = [
    "a",
    "area",
    "iframe",
    "frame",
    "link",
    "meta",
    "base",
    "div",
    "nav",
    "main",
    "p",
    "img",
    "table",
    "td",
    "header",
    "footer",
    "aside",
    "article",
    "script",
    "svg",
    "map",
]
_ATTRS = [
    "href",
    "src",
    "rel",
    "class",
    "id",
    "role",
    "alt",
    "hreflang",
    "http-equiv",
    "content",
    "name",
    "charset",
    "lang",
]
_VALUES = [
    "/x",
    "../y?q=1",
    "//h.com/z",
    "#f",
    "javascript:x",
    "nofollow UGC",
    "refresh",
    "0; url=/r",
    "nav",
    "content",
    "main",
    "robots",
    "none",
    "canonical",
    "alternate",
    "http://[::1",
    "http://a.com:99999/",
    "\u00e9\u0000",
    "&amp;&#0;&#xD800;",
    "",
    "'\"",
]
_CLOSINGS = ["", "</{}>", "<", "<!--", "</", ">", "&", "\x00", "</p></div></table>"]
_DOCS_PER_EXAMPLE = 10


def _document(rng: random.Random) -> bytes:
    """One random tag soup: tags, attributes, text and broken closings mixed freely."""
    parts = []
    for _ in range(rng.randrange(40)):
        name = rng.choice(_TAGS)
        attrs = "".join(
            f' {rng.choice(_ATTRS)}="{rng.choice(_VALUES)}"' for _ in range(rng.randrange(4))
        )
        text = "".join(chr(rng.randrange(0x3000)) for _ in range(rng.randrange(6)))
        parts.append(f"<{name}{attrs}>{text}{rng.choice(_CLOSINGS).format(name)}")
    doc = "".join(parts)
    kind = rng.randrange(4)
    if kind == 0:
        return rng.randbytes(rng.randrange(400))
    if kind == 1:
        return b"\xff\xfe" + doc.encode("utf-16-le", "surrogatepass")
    return doc.encode("utf-8" if kind == 2 else "cp1252", "replace")


@settings(max_examples=examples(300), deadline=None, suppress_health_check=list(HealthCheck))
@given(
    seed=st.integers(0, 2**32),
    content_type=st.sampled_from(
        [
            None,
            "text/html",
            "text/html; charset=bogus",
            "text/html; charset=shift_jis",
            "application/xhtml+xml",
        ]
    ),
    robots=st.sampled_from(["", "nofollow", "bot: noindex", ":,:"]),
)
def test_malformed_html_never_raises_and_is_deterministic(
    seed: int, content_type: str | None, robots: str
) -> None:
    rng = random.Random(seed)
    headers = {"X-Robots-Tag": robots}
    for _ in range(_DOCS_PER_EXAMPLE):
        body = _document(rng)
        first = extract(body, "http://example.com/a/b", content_type, headers)
        assert first == extract(body, "http://example.com/a/b", content_type, headers)
        assert [link.ordinal for link in first[1]] == list(range(len(first[1])))


_HREF = st.lists(
    st.sampled_from([*"aZ09./?#:;%-_~!$&'()*+,=@[]| \t\\\u00e9", "..", "//", "http://"]),
    max_size=12,
).map("".join) | st.sampled_from(
    ["?", "?#", "HTTP://A.com:0080", "http:x", "//h:99999/", "x;p/../q"]
)
_BASES = st.sampled_from(
    [
        "http://fakehost/test/page.html",
        "https://a.b.co.uk:8080/x/y/?q=1",
        "http://h/",
        "http://h/a//b/c",
        "http://h/a;p/b",
        "http://H.com/x",
    ]
)


@settings(max_examples=examples(1500), deadline=None)
@given(base=_BASES, href=_HREF)
def test_resolver_fast_path_equals_resolve(base: str, href: str) -> None:
    expected = resolve(base, href)
    assert Resolver(base).resolve(href) == (
        None if expected is None else (expected, host_of(expected))
    )
