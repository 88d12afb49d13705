"""The extractor against docs/LINKS.md: complete expected link lists for small stored pages."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from crawler.extract import extractor as extract_module
from crawler.extract.charset import decode_html, detect, encoding_of
from crawler.extract.extractor import extract, extract_links
from crawler.records import OutLink, PageFacts

pytestmark = pytest.mark.usefixtures("speed_path")  # each test on the C and the Python path

PAGE_URL = "http://example.com/p/q"


def link(dst: str, **fields: object) -> OutLink:
    """An expected link of PAGE_URL; host and domain fields default to example.com's."""
    defaults: dict[str, object] = {
        "src_url": PAGE_URL,
        "dst_url": dst,
        "src_host": "example.com",
        "src_domain": "example.com",
        "dst_host": "example.com",
        "dst_domain": "example.com",
    }
    defaults.update(fields)
    return OutLink(**defaults)  # type: ignore[arg-type]


KITCHEN_SINK = b"""<!DOCTYPE html><html lang="en"><head><title> A  &amp; B </title>
<base href="/dir/">
<link rel="canonical" href="http://Example.com:80/canon">
<link rel="alternate" hreflang="de" href="//example.de/x#f">
<link rel="alternate" type="application/rss+xml" href="/feed">
<link rel="stylesheet" href="/s.css"><script src="/x.js"></script>
<meta http-equiv="Refresh" content="5; URL='/next'">
<meta name="robots" content="NoIndex">
</head><body>
<header><a href="/">Home</a></header>
<nav class="x"><ul><li><a href="a.html" rel="NoFollow UGC nofollow">A</a></li></ul></nav>
<main><p>caf\xc3\xa9 <a href="?q=1#top">Q &eacute;</a> <a href="#x">frag</a>
<a href="mailto:x@y">m</a>
<a href="javascript:void(0)">j</a> <a href="">e</a> <a>no</a> <img src="/bare.png">
<a href="https://other.co.uk/p"><img src="i.png" alt=" Logo "> text</a></p>
<div class="sidebar-widget"><a href="/s" rel="sponsored">S</a></div>
<map><area href="/area" alt="Area  alt" rel="nofollow"></map>
<iframe src="/frame"></iframe>
</main>
<div role="comment"><a href="/c">C</a></div>
<footer><a href="http://sub.example.com/f">F</a></footer>
<div><a href="/u">U</a></div>
</body></html>"""


def test_every_kind_and_field() -> None:
    facts, links = extract(KITCHEN_SINK, PAGE_URL, "text/html", {"X-Robots-Tag": "noarchive"})
    assert facts == PageFacts(
        title="A & B",
        lang="en",
        canonical="http://example.com/canon",
        meta_robots="noindex",
        refresh_url="http://example.com/next",
        noindex=True,
        nofollow=False,
    )
    assert links == [
        link(
            "http://example.com/canon",
            rel=("canonical",),
            kind="canonical",
            dom_path="head>link",
            ordinal=0,
        ),
        link(
            "http://example.de/x",
            rel=("alternate",),
            kind="alternate",
            dom_path="head>link",
            ordinal=1,
            hreflang="de",
            dst_host="example.de",
            dst_domain="example.de",
            is_external=True,
        ),
        link("http://example.com/next", kind="refresh", dom_path="head>meta", ordinal=2),
        link(
            "http://example.com/",
            anchor="Home",
            section="header",
            dom_path="body>header>a",
            ordinal=3,
        ),
        link(
            "http://example.com/dir/a.html",
            anchor="A",
            rel=("nofollow", "ugc"),
            section="nav",
            dom_path="body>nav>ul>li>a",
            ordinal=4,
        ),
        link(
            "http://example.com/dir/?q=1",
            anchor="Q é",
            section="main",
            dom_path="body>main>p>a",
            ordinal=5,
        ),
        link(
            "https://other.co.uk/p",
            anchor="Logo text",
            section="main",
            dom_path="body>main>p>a",
            ordinal=6,
            is_image=True,
            dst_host="other.co.uk",
            dst_domain="other.co.uk",
            is_external=True,
        ),
        link(
            "http://example.com/s",
            anchor="S",
            rel=("sponsored",),
            section="aside",
            dom_path="body>main>div>a",
            ordinal=7,
        ),
        link(
            "http://example.com/area",
            anchor="Area alt",
            rel=("nofollow",),
            kind="area",
            section="main",
            dom_path="body>main>map>area",
            ordinal=8,
            is_image=True,
        ),
        link(
            "http://example.com/frame",
            kind="frame",
            section="main",
            dom_path="body>main>iframe",
            ordinal=9,
        ),
        link(
            "http://example.com/c", anchor="C", section="comment", dom_path="body>div>a", ordinal=10
        ),
        link(
            "http://sub.example.com/f",
            anchor="F",
            section="footer",
            dom_path="body>footer>a",
            ordinal=11,
            dst_host="sub.example.com",
        ),
        link("http://example.com/u", anchor="U", dom_path="body>div>a", ordinal=12),
    ]


def test_flags_follow_rel() -> None:
    links = extract_links(KITCHEN_SINK, PAGE_URL, "text/html")
    assert [(x.nofollow, x.ugc, x.sponsored) for x in links if x.rel and x.kind == "a"] == [
        (True, True, False),
        (False, False, True),
    ]


@pytest.mark.parametrize(
    ("headers", "meta", "expected"),
    [
        ({}, '<meta name="robots" content="NOFOLLOW">', True),
        ({}, '<meta name="ROBOTS" content="none">', True),
        ({"x-robots-tag": "noindex, NoFollow"}, "", True),
        ({"X-Robots-Tag": "otherbot: nofollow"}, "", False),
        ({"X-Robots-Tag": "noindex"}, '<meta name="googlebot" content="nofollow">', False),
    ],
)
def test_page_nofollow(headers: dict[str, str], meta: str, expected: bool) -> None:
    body = f'<html><head>{meta}</head><body><a href="/x">x</a></body></html>'.encode()
    facts, links = extract(body, PAGE_URL, "text/html", headers)
    assert facts.nofollow is expected
    assert links == [
        link("http://example.com/x", anchor="x", dom_path="body>a", page_nofollow=expected)
    ]


def test_protocol_relative_takes_page_scheme_and_base_is_first() -> None:
    body = (
        b'<base href="https://cdn.example.net/b/"><base href="http://ignored/">'
        b'<a href="//Example.COM:443/x y?a=1&amp;b=%41#f">x</a><a href="z">z</a>'
    )
    links = extract_links(body, "https://example.com/", "text/html")
    assert [x.dst_url for x in links] == [
        "https://example.com/x%20y?a=1&b=%41",
        "https://cdn.example.net/b/z",
    ]
    assert links[1].dst_domain == "example.net" and links[1].is_external


def test_non_ascii_href_and_entity_anchor() -> None:
    body = '<a href="/ü?q=é">&lt;Zürich&nbsp;&amp;\n  Genève&gt;</a>'.encode()
    [found] = extract_links(body, PAGE_URL, "text/html")
    assert found.dst_url == "http://example.com/%C3%BC?q=%C3%A9"
    assert found.anchor == "<Zürich & Genève>"


@pytest.mark.parametrize(
    ("content", "anchor"),
    [
        (b'sample 2<img alt="sample2">', "sample 2 sample2"),
        (b'<img alt="Logo">Home', "Logo Home"),
        (b'a<img alt="">b<img>c', "abc"),
        (b'<b>x</b><img alt=" y ">z', "x y z"),
    ],
)
def test_image_alt_is_set_apart_as_in_an_accessible_name(content: bytes, anchor: str) -> None:
    [found] = extract_links(b'<a href="/i">' + content + b"</a>", PAGE_URL, "text/html")
    assert found.anchor == anchor


def test_image_links_use_alt_and_frames_in_frameset() -> None:
    body = b'<a href="/i"><img alt="one"> <span>t<img>wo</span></a>'
    [img] = extract_links(body, PAGE_URL, "text/html")
    assert (img.anchor, img.is_image) == ("one two", True)
    frames = b'<html><frameset><frame src="/left"><frame src="javascript:x"></frameset></html>'
    assert extract_links(frames, PAGE_URL, "text/html") == [
        link("http://example.com/left", kind="frame", dom_path="frameset>frame")
    ]


@pytest.mark.parametrize(
    ("attrs", "section"),
    [
        ('class="masthead"', "header"),
        ('id="TopBar"', "header"),
        ('role="banner"', "header"),
        ('class="breadcrumbs"', "nav"),
        ('class="site-menu"', "nav"),
        ('role="navigation"', "nav"),
        ('class="entry"', "main"),
        ('role="main"', "main"),
        ('class="related"', "aside"),
        ('role="complementary"', "aside"),
        ('class="colophon"', "footer"),
        ('role="contentinfo"', "footer"),
        ('id="respond"', "comment"),
        ('class="discussion"', "comment"),
        ('class="post-footer"', "footer"),
        ('class="comment-content"', "comment"),
        ('class="navigational"', "unknown"),
        ('class="contents"', "unknown"),
    ],
)
def test_section_words(attrs: str, section: str) -> None:
    body = f'<body><div {attrs}><ul><li><a href="/x">x</a></li></ul></div></body>'.encode()
    [found] = extract_links(body, PAGE_URL, "text/html")
    assert (found.section, found.dom_path) == (section, "body>div>ul>li>a")


def test_innermost_landmark_wins_and_body_class_is_ignored() -> None:
    body = (
        b'<body class="post"><main><nav><a href="/n">n</a></nav><a href="/m">m</a></main>'
        b'<aside><article><a href="/a">a</a></article></aside><a href="/u">u</a></body>'
    )
    assert [x.section for x in extract_links(body, PAGE_URL, "text/html")] == [
        "nav",
        "main",
        "main",
        "unknown",
    ]


@pytest.mark.parametrize(
    ("body", "content_type", "encoding"),
    [
        (b"\xef\xbb\xbf<meta charset=latin1>caf\xc3\xa9", "text/html; charset=koi8-r", "utf-8"),
        ("\ufeffcafé".encode("utf-16-le"), None, "utf-16-le"),
        ("<p>кафе".encode("cp1251"), "text/html; charset=windows-1251", "cp1251"),
        ("<meta charset='iso-8859-1'>café".encode("cp1252"), "text/html", "cp1252"),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">日本'.encode(
                "shift_jis"
            ),
            None,
            "shift_jis",
        ),
        ("<p>café".encode(), "text/html", "utf-8"),
        ("<p>café".encode("cp1252"), "text/html", "cp1252"),
    ],
)
def test_charset_order(body: bytes, content_type: str | None, encoding: str) -> None:
    assert encoding_of(body, content_type) == encoding


def test_charset_of_a_body_cut_inside_a_character() -> None:
    assert detect(b"<p>caf\xc3", "text/html", cut=True) == ("utf-8", 0)
    assert detect(b"<p>caf\xc3", "text/html") == ("cp1252", 0)


def test_charset_reaches_anchors() -> None:
    body = '<meta charset="windows-1251"><a href="/ы">Привет</a>'.encode("cp1251")
    [found] = extract_links(body, PAGE_URL, "text/html")
    assert (found.anchor, found.dst_url) == ("Привет", "http://example.com/%D1%8B")
    utf16 = "\ufeff<a href='/x'>Grüße</a>".encode("utf-16-le")
    assert extract_links(utf16, PAGE_URL, "text/html")[0].anchor == "Grüße"
    assert decode_html(b"\xef\xbb\xbfok") == "ok"


def test_not_html_is_not_parsed() -> None:
    body = b'<a href="/x">x</a>'
    assert extract_links(body, PAGE_URL, "application/json") == []
    assert extract_links(b"%PDF-1.4 <a href='/x'>", PAGE_URL) == []
    assert len(extract_links(body, PAGE_URL)) == 1  # no type, an HTML body
    assert len(extract_links(body, PAGE_URL, "application/xhtml+xml; charset=utf-8")) == 1


def test_bad_urls_are_skipped() -> None:
    body = (
        b'<a href="http://[::1">v6</a><a href="http://a.com:99999/">port</a>'
        b'<a href="ftp://a.com/">ftp</a><a href="  data:text/html,x">d</a>'
        b'<a href="http://a.b:x/">h</a><a href="VBScript:x">v</a><a href=" /ok ">ok</a>'
    )
    assert [x.dst_url for x in extract_links(body, PAGE_URL, "text/html")] == [
        "http://example.com/ok"
    ]


def test_binary_and_huge_and_deep_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    binary = bytes(range(256)) * 64
    assert extract(binary, PAGE_URL, "text/html") == extract(binary, PAGE_URL, "text/html")
    monkeypatch.setattr(extract_module, "MAX_BODY_BYTES", 100)
    before = extract_module.STATS["truncated"]
    huge = b'<a href="/1">1</a>' + b" " * 200 + b'<a href="/2">2</a>'
    assert [x.dst_url for x in extract_links(huge, PAGE_URL, "text/html")] == [
        "http://example.com/1"
    ]
    assert extract_module.STATS["truncated"] == before + 1
    monkeypatch.undo()
    # Deep, but within the depth budget: parsed whole, the path shortened in its middle.
    deep = b"<div>" * 1_500 + b'<nav><a href="/d">d</a></nav>' + b"</div>" * 1_500
    [found] = extract_links(deep, PAGE_URL, "text/html")
    assert found.section == "nav"
    assert found.dom_path.startswith("body>…>div>") and found.dom_path.endswith(">div>nav>a")


@pytest.mark.parametrize(
    "body",
    [
        b"<div>" * (10 * 1024 * 1024 // 5),
        b"<section><span>" * (10 * 1024 * 1024 // 15),
        b'<a href="/x">x</a>' + b"<div><p>t</p></div>" * 100_000 + b"<DIV class=x>" * 500_000,
    ],
)
@pytest.mark.serial
def test_pathological_nesting_costs_bounded_time(body: bytes) -> None:
    before = extract_module.STATS["too_deep"]
    start = time.perf_counter()
    first = extract(body, PAGE_URL, "text/html")
    assert time.perf_counter() - start < 2.0
    assert extract_module.STATS["too_deep"] == before + 1
    assert first == extract(body, PAGE_URL, "text/html")
    assert [x.dst_url for x in first[1]] == ["http://example.com/x"] * body.startswith(b"<a")


def test_nesting_guard_leaves_ordinary_pages_alone() -> None:
    balanced = b"<div><br><img><p>x<li>y</div>" * 20_000 + b'<a href="/z">z</a>'
    before = extract_module.STATS["too_deep"]
    assert [x.dst_url for x in extract_links(balanced, PAGE_URL, "text/html")] == [
        "http://example.com/z"
    ]
    assert extract_module.STATS["too_deep"] == before


def test_scrapy_headers_shape() -> None:
    headers = {b"Content-Type": [b"text/html"], b"X-Robots-Tag": [b"nofollow"]}
    facts, links = extract(b'<a href="/x">x</a>', PAGE_URL, None, headers)  # type: ignore[arg-type]
    assert facts.nofollow and links == [
        replace(link("http://example.com/x", anchor="x", dom_path="body>a"), page_nofollow=True)
    ]


_ARTICLE = "<p>" + "Long sentences, with commas, make a paragraph worth reading. " * 6 + "</p>"


@pytest.mark.parametrize(
    ("landmark", "expected"),
    [
        ("<main><a href='/m'>m</a></main>", ["main", "unknown"]),
        # Class words alone are weaker: outside the text's article they are a wrapper's.
        ("<div class='entry'><a href='/m'>m</a></div>", ["unknown", "unknown"]),
        ("<div role='article'><a href='/m'>m</a></div>", ["main", "unknown"]),
        ("<div class='col'><a href='/m'>m</a></div>", ["unknown", "main"]),
    ],
)
def test_text_names_the_main_content_only_where_no_landmark_does(
    landmark: str, expected: list[str]
) -> None:
    body = f"<body>{landmark}<div class='x'>{_ARTICLE * 3}<a href='/t'>t</a></div></body>"
    links = extract_links(body.encode(), PAGE_URL, "text/html")
    assert [x.section for x in links] == expected


def test_short_text_is_no_article() -> None:
    body = "<body><div class='x'>" + "<p>See <a href='/t'>this thing</a> today, or later.</p>" * 3
    links = extract_links(f"{body}</div></body>".encode(), PAGE_URL, "text/html")
    assert {x.section for x in links} == {"unknown"}
