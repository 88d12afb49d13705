"""The C-speed walk (crawler/extract/_fastlinks.pyx) against the pure Python extractor: same
answers.

Every page is extracted twice in one process, once through `crawler.extract._fastlinks` and once
with the C modules switched off (crawler.speedups.python_only: what an unbuilt extension or
LINKGRAPH_PURE_PYTHON=1 gives), and the two (PageFacts, [OutLink]) must be equal: stored pages,
the simulated web, the real pages when present, tag soup, and generated article-like pages whose
blocks exercise every rule of the main-content scoring.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from crawler import speedups
from crawler.extract import charset, rules
from crawler.extract import extractor as extract_module
from crawler.extract.extractor import extract
from crawler.testweb import build_web, truth
from crawler.testweb.render import respond
from tests.helpers.examples import examples
from tests.helpers.realweb import REALWEB
from tests.unit.test_extract import KITCHEN_SINK
from tests.unit.test_extract_fuzz import _document

READABILITY = REALWEB / "readability"
try:
    from crawler.extract import _fastlinks as FAST
except ImportError:  # not built: the speed_path fixture fails every test here, saying why
    FAST = None
# Each test compares the C walk with the Python one itself: on the "c" path only.
pytestmark = [
    pytest.mark.usefixtures("speed_path"),
    pytest.mark.parametrize("speed_path", ["c"], indirect=True),
]

_WORDS = [
    "content", "sidebar", "share", "comment", "nav", "post", "related", "footer", "widget",
    "main", "entry", "menu", "article", "body", "hidden", "social", "text", "page", "x",
]  # fmt: skip
_BLOCKS = ["div", "section", "article", "ul", "li", "p", "table", "td", "form", "aside", "main"]


def _both(
    body: bytes, url: str, content_type: str | None = "text/html", headers: dict | None = None
) -> None:
    fast = extract(body, url, content_type, headers)
    with speedups.python_only():
        pure = extract(body, url, content_type, headers)
    assert fast == pure


def _article_page(rng: random.Random) -> bytes:
    """Nested blocks with Readability's class words, long comma-rich paragraphs, links,
    images, inputs and embeds: pages where the content scoring has choices to make."""

    def block(depth: int) -> str:
        tag = rng.choice(_BLOCKS)
        attrs = ""
        if rng.random() < 0.5:
            attrs += f' class="{rng.choice(_WORDS)}-{rng.choice(_WORDS)} {rng.choice(_WORDS)}"'
        if rng.random() < 0.2:
            attrs += f' id="{rng.choice(_WORDS)}"'
        if rng.random() < 0.1:
            attrs += f' role="{rng.choice(["main", "navigation", "menu", "article", "x"])}"'
        inner = []
        for _ in range(rng.randrange(1, 5)):
            roll = rng.random()
            if roll < 0.35 and depth < 6:
                inner.append(block(depth + 1))
            elif roll < 0.65:
                words = " ".join(rng.choice(["word", "caf\u00e9", "a,", "b"]) for _ in range(80))
                inner.append(f"<p>{words[: rng.randrange(10, 400)]}</p>")
            elif roll < 0.85:
                image = '<img alt="pic">' if rng.random() < 0.3 else ""
                inner.append(f'<a href="/l{rng.randrange(50)}">{image}link text, more</a>')
            else:
                inner.append(rng.choice(["<img src=i.png>", "<input>", "<iframe></iframe>"]))
        return f"<{tag}{attrs}>{''.join(inner)}</{tag}>"

    body = "".join(block(0) for _ in range(rng.randrange(1, 6)))
    return f"<html><head><title>t</title></head><body>{body}</body></html>".encode()


def test_stored_page() -> None:
    _both(KITCHEN_SINK, "http://example.com/p/q")


@pytest.mark.parametrize("seed", range(examples(300)))
def test_generated_article_pages(seed: int) -> None:
    _both(_article_page(random.Random(seed)), "http://example.com/a/b")


_FOREIGN = [
    b'<svg><a href="/svg-plain">s</a><a xlink:href="/svg-xlink">x</a><link href="/svg-link"/>'
    b"</svg>",
    b'<math><a href="/math">m</a><mi><a href="/in-mi">i</a></mi></math>',
    b'<A HREF="/upper">U</A><AREA HREF="/area"><IFRAME SRC="/frame"></IFRAME><META NAME=robots '
    b"CONTENT=NOFOLLOW>",
    b'<template><a href="/in-template">t</a></template><noscript><a href="/ns">n</a></noscript>',
    b'<frameset><frame src="/f1"><frameset><frame src="/f2"></frameset><noframes><a href="/nf">'
    b"</a></noframes></frameset>",
    b'<a href>empty</a><a href="">blank</a><iframe src></iframe><link rel=canonical href>',
    b'<table><a href="/fostered">f</a><tr><td><a href="/cell">c</a></td></tr></table>',
    b'<object><embed src="/e"><a href="/in-object">o</a></object><select><a href="/s">s</a>',
    b'<svg><title>svg title</title><base href="http://svg.example/"></svg><a href="x">x</a>',
    b'<body><title> late\n title </title><base href><base href="/second/"><a href="y">y</a>',
    b'<html lang=" de "><head><base target=_top><base href="//cdn.example/b/"></head><a href=z>',
]


@pytest.mark.parametrize("body", _FOREIGN)
def test_foreign_and_odd_elements(body: bytes) -> None:
    """The C walk finds the same link elements as the CSS selector: SVG and MathML elements,
    upper-case tags, template contents, framesets, empty attributes, foster parenting."""
    _both(body, "http://example.com/a/b")


@pytest.mark.parametrize("seed", range(examples(100)))
def test_tag_soup(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(10):
        _both(_document(rng), "http://example.com/a/b", rng.choice([None, "text/html"]))


def test_simulated_web() -> None:
    web = build_web(8, 40, 3)
    for record in truth(web):
        if record["type"] == "page" and record["status"] == 200:
            answer = respond(web, record["url"])
            _both(answer.body, record["url"], None, dict(answer.headers))


@pytest.mark.realweb
@pytest.mark.skipif(not READABILITY.is_dir(), reason=f"real pages absent: {READABILITY}")
def test_real_pages() -> None:
    for source in sorted(READABILITY.glob("pages/*/source.html")):
        _both(source.read_bytes(), "http://fakehost/test/page.html")


@pytest.mark.parametrize(
    "body",
    [
        b"<div>" * 5000,
        b"</x>" * 3000 + b"<div>" * 2100,
        b"<p>" + b" " * 8190 + b"</div>" + b"<b>" * 3000,  # a `</` cut by a chunk's end
        b"<" * 9000,
        b"x" * 7000,
    ],
)
def test_depth_bound(body: bytes) -> None:
    fast, _ = FAST.scan(body, extract_module.DEPTH_BUDGET, extract_module._COUNT_CHUNK, False)
    assert extract_module._may_nest_deeper(body) == fast


def test_pure_python_forced_by_environment() -> None:
    env = {**os.environ, "LINKGRAPH_PURE_PYTHON": "1"}
    code = (
        "import crawler.extract.extractor as e; from crawler.speedups import active_paths; "
        "print(e.extract(b'<nav><a href=/a>A</a></nav>', 'http://x.com/p', 'text/html')"
        "[1][0].section); print(active_paths())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    section, paths = done.stdout.strip().splitlines()
    assert section == "nav"
    assert paths == str(dict.fromkeys(speedups.PATHS, "Python (LINKGRAPH_PURE_PYTHON=1)"))
    assert done.stderr == ""  # asked for: no warning


_NAME_PIECES = [
    "hid", "HID", " ", "\n", "\t", "-ad-", "footer", "Foot", "main", "nav", "menu", "share",
    "content", "post", "comment", "sidebar", "x", "-", "_", "1", "é", "\u212a", "\u017f", "\xa0",
    "article", "and", "combx", "related", "Breadcrumbs", "widget",
]  # fmt: skip
_names = st.one_of(st.none(), st.lists(st.sampled_from(_NAME_PIECES), max_size=6).map("".join))


@settings(max_examples=examples(3000), deadline=None)
@given(
    tag=st.sampled_from(["div", "nav", "main", "article", "aside", "p", ""]),
    role=st.one_of(
        st.none(),
        st.sampled_from(["main", "navigation", "Banner note", "", " Menu\t", "x\x1cmain"]),
    ),
    names=_names,
    ident=_names,
)
def test_name_rules_equal_python(
    tag: str, role: str | None, names: str | None, ident: str | None
) -> None:
    """crawler.extract._fastnames (memmem over lowered ASCII) says what the regexes say."""
    from crawler.extract import _fastnames

    joined = f"{names or ''} {ident or ''}"
    python = (
        rules.name_weight(names or ""),
        rules.name_weight(ident or ""),
        rules.unlikely_names(joined),
        "share" in joined.lower(),
        rules.landmark_of(tag, role, names, ident),
        None if role is None or not role.isascii() else role.strip().lower() in rules.JUNK_ROLES,
    )
    assert _fastnames.verdicts(tag, role, names, ident) == python


_TEXT_PIECES = ["", " ", "\n\t", "\xa0", "\u3000", "a", "b,", ", ,", "é", "日本", "\u2028", "x y"]
_text = st.lists(st.sampled_from(_TEXT_PIECES), max_size=5).map("".join)


@settings(max_examples=examples(1500), deadline=None)
@given(st.lists(_text, min_size=1, max_size=5))
def test_text_measures_equal_python(texts: list[str]) -> None:
    """Stripped length, commas and length read in place equal str.strip/count/len on
    node.text(), whatever the white space (ASCII or not) at the ends of which text node."""
    html = "<p>" + "".join(f"<span>{t}</span>{t}" for t in texts) + "</p>"
    node = LexborHTMLParser(html).css_first("p")
    text = node.text()
    assert FAST.text_measures(node) == (len(text.strip()), text.count(","), len(text))


_UTF8_PIECES = [
    b"a", b"abcdefgh", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\xef\xbf\xbf",
    b"\xf4\x8f\xbf\xbf", b"\xed\xa0\x80", b"\xc0\x80", b"\xe0\x80\x80", b"\xf4\x90\x80\x80",
    b"\xff", b"\x80", b"\xc2", b"\xe2\x82", b"\xf0\x9f",
]  # fmt: skip


@settings(max_examples=examples(3000), deadline=None)
@given(st.one_of(st.lists(st.sampled_from(_UTF8_PIECES), max_size=8).map(b"".join), st.binary()))
def test_valid_utf8_equals_decoding(body: bytes) -> None:
    """The charset sniff's check without decoding says what bytes.decode says: valid
    sequences, overlong forms, surrogates, code points past U+10FFFF, cut sequences."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        decodes = False
    else:
        decodes = True
    assert FAST.valid_utf8(body) == decodes


@settings(max_examples=examples(2000), deadline=None)
@given(
    st.lists(st.sampled_from([b"<", b"</", b"/", b"a", b"<div>", b"</div>", b"<<//"]), max_size=99),
    st.sampled_from([1, 3, 8, 9, 17, 64]),
    st.sampled_from([2, 8, 9, 16, 31, 8192]),
)
def test_depth_bound_counts(pieces: list[bytes], budget: int, chunk: int) -> None:
    """The C scan's count of `<` and `</` says what bytes.count says, whatever
    the chunk boundaries cut (a `</` across two chunks, or across two words)."""
    body = b"".join(pieces)
    assert FAST.scan(body, budget, chunk, False)[0] == extract_module._may_nest_deeper(
        body, budget, chunk
    )


_SCAN_PIECES = [b"<", b"</", b"/", b"a", b"<div>", b"</div>", b"<<//", b"x" * 15, b"\xc3\xa9"]
_SCAN_PIECES += [b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\xed\xa0\x80", b"\xff", b"\xc2"]


@settings(max_examples=examples(3000), deadline=None)
@given(
    st.lists(st.sampled_from(_SCAN_PIECES), max_size=200),
    st.sampled_from([1, 3, 8, 9, 17, 64, 400]),
    st.sampled_from([2, 8, 9, 16, 31, 33, 64, 8192]),
    st.booleans(),
)
def test_scan_equals_counts_and_decoding(
    pieces: list[bytes], budget: int, chunk: int, check_utf8: bool
) -> None:
    """The one-pass scan (16 bytes at a time, a `</` across blocks or chunks, UTF-8
    sequences across blocks) answers as the depth rule and the UTF-8 check apart."""
    body = b"".join(pieces)
    deep, utf8 = FAST.scan(body, budget, chunk, check_utf8)
    assert deep == extract_module._may_nest_deeper(body, budget, chunk)
    if deep or not check_utf8:
        assert utf8 is None
    else:
        assert utf8 == FAST.valid_utf8(body)


_HREF_PIECES = [
    "ftp:", "FTP://", "h.t+p:", "1x:", "http:", "HTTPS:", "https", ":", "x", "/", "//", "#",
    "mailto:", "?", ".", "..", "\t", "\n", "\x01", " ", "é", "a-b", ";",
]  # fmt: skip


@settings(max_examples=examples(1500), deadline=None)
@given(st.lists(st.lists(st.sampled_from(_HREF_PIECES), max_size=6).map("".join), max_size=6))
def test_hrefs_equal_python(hrefs: list[str]) -> None:
    """Hrefs the C side settles without the resolver (other schemes, fragments, dot
    segments) give the records the resolver gives."""
    body = "".join(f'<a href="{href}">x</a>' for href in hrefs).encode()
    _both(body, "http://a.com/d/p.html")


_REL_PIECES = ["nofollow", "NoFollow", "ugc", " ", "\t", "\x1c", "\xa0", "\u2003", "\u0130", "x"]


@settings(max_examples=examples(1000), deadline=None)
@given(st.lists(st.lists(st.sampled_from(_REL_PIECES), max_size=6).map("".join), max_size=4))
def test_rel_tokens_equal_python(rels: list[str]) -> None:
    """rel tokens split and lowered in C (ASCII) say what str.lower().split() says, in
    order, without repeats; other values (Unicode spaces and case) take Python's way."""
    body = "".join(f'<a href="/{i}" rel="{rel}">x</a>' for i, rel in enumerate(rels)).encode()
    _both(body, "http://a.com/")


_SINGLE_BYTE = ["cp1252", "cp1254", "cp874", "mac-roman", "koi8-r", "iso8859-2", "cp1251", "cp037"]


@settings(max_examples=examples(2000), deadline=None)
@given(encoding=st.sampled_from(_SINGLE_BYTE), body=st.binary(max_size=64))
def test_transcode_equals_decoding(encoding: str, body: bytes) -> None:
    """The single-byte transcoder gives the bytes selectolax makes of the decoded str,
    ASCII runs (taken 8 bytes at a time) or not, and U+FFFD for undefined bytes."""
    table = charset.utf8_table(encoding)
    assert table is not None
    for data in (body, b"abcdefgh" * 3 + body, body + b"<p>ascii!" * 2):
        assert FAST.transcode(data, table) == data.decode(encoding, "replace").encode("utf-8")


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "shift_jis", "cp949", "big5"])
def test_no_table_for_multibyte_encodings(encoding: str) -> None:
    assert charset.utf8_table(encoding) is None
