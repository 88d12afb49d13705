"""The one MIME/HTML rule (crawler/guard/mime.py), and the guard, spider and extractor that read it.

The rule's table is declared types x bodies: each type is HTML, unknown (the body decides) or
something else; each body opens with an HTML signature or does not. The consumers are held to
the same table, so a second rule creeping back into one of them fails here.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from crawler.config import CrawlConfig
from crawler.extract.extractor import extract_links
from crawler.guard.middlewares import NON_HTML, PageLimitsMiddleware
from crawler.guard.mime import SNIFF_BYTES, Verdict, classify, essence, is_html, sniff_html
from crawler.records import Fetched
from crawler.spiders.links import LinksSpider

PAGE_URL = "http://example.com/p"
LINK = b'<a href="/x">x</a>'

# Declared Content-Type -> what it says: "html", "unknown" (sniff the body) or "other".
TYPES = {
    "text/html": "html",
    "text/html; charset=utf-8": "html",
    "TEXT/HTML ; charset=ISO-8859-1": "html",
    "application/xhtml+xml": "html",
    None: "unknown",
    "": "unknown",
    "application/octet-stream": "unknown",
    "Application/Octet-Stream; charset=binary": "unknown",
    "application/unknown": "unknown",
    "unknown/unknown": "unknown",
    "*/*": "unknown",
    "html": "unknown",  # no type/subtype: unparsable, as if missing
    "image/png": "other",
    "text/plain": "other",
    "text/plain; charset=utf-8": "other",
    "application/json": "other",
    "application/pdf": "other",
    "application/xml": "other",
    "text/xml": "other",
}
# Body -> whether it opens with an HTML signature. Each carries a link, so a consumer that
# parses a body it should not is caught by the links it finds.
BODIES = {
    b"<!DOCTYPE html><title>t</title>" + LINK: True,
    b"  \r\n\t<HTML lang=en>" + LINK: True,
    b"\xef\xbb\xbf<!doctype HTML>" + LINK: True,
    b"\n<p>hi " + LINK: True,
    b"<!-- built by hand -->" + LINK: True,
    LINK: True,
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + LINK: False,
    b"%PDF-1.7 " + LINK: False,
    b'<?xml version="1.0"?>' + LINK: False,
    b'{"html": "' + LINK + b'"}': False,
    b"<nav>" + LINK: False,  # not one of the standard's signatures
    b"plain words " + LINK: False,
}
TABLE = [
    (declared, body, kind == "html" or (kind == "unknown" and sniffs))
    for declared, kind in TYPES.items()
    for body, sniffs in BODIES.items()
]


@pytest.mark.parametrize(("declared", "body", "expected"), TABLE)
def test_declared_types_by_bodies(declared: str | None, body: bytes, expected: bool) -> None:
    verdict = classify(declared, body)
    assert verdict.html is expected
    assert verdict.sniffed is (TYPES[declared] == "unknown")
    assert is_html(declared, body) is expected
    assert is_html(declared.encode() if declared else declared, body) is expected  # raw header


@pytest.mark.parametrize(
    "tag",
    [b"<!DOCTYPE HTML", b"<HTML", b"<HEAD", b"<SCRIPT", b"<IFRAME", b"<H1", b"<DIV", b"<FONT",
     b"<TABLE", b"<A", b"<STYLE", b"<TITLE", b"<B", b"<BODY", b"<BR", b"<P", b"<!--"],
)  # fmt: skip
def test_every_signature_in_any_case_ends_at_space_or_bracket(tag: bytes) -> None:
    for spelling in (tag, tag.lower(), tag.title()):
        assert sniff_html(spelling + b" ")
        assert sniff_html(b" \t\n\x0c\r" + spelling + b">")
        assert not sniff_html(spelling + b"x>")  # another tag: <ax>, <bx>, <htmlx>
        assert not sniff_html(spelling + b"/>")  # only space and ">" end a signature
        assert not sniff_html(b"x" + spelling + b">")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", False),
        (b"   ", False),
        (b"<html\n>", False),  # a newline does not end a signature
        (b"\x0b<html>", False),  # vertical tab is no whitespace to the standard
        (b"<abbr>", False),
        (b"<h2>", False),
        (b"<!DOCTYPE xml>", False),
        (b"\xef\xbb\xbf  <p>", True),
        (b" " * (SNIFF_BYTES - 6) + b"<html>", True),  # the signature ends at byte 512
        (b" " * (SNIFF_BYTES - 5) + b"<html>", False),  # one byte past what is sniffed
    ],
)
def test_sniffing_edges(body: bytes, expected: bool) -> None:
    assert sniff_html(body) is expected


def test_essence_and_stats_key() -> None:
    assert essence(None) == essence("") == essence(b"") == essence("text") == ""
    assert essence(b"Text/HTML;charset=x") == "text/html"
    assert essence(" application/xhtml+xml ; q=1") == "application/xhtml+xml"
    assert Verdict(True, True, "application/octet-stream").stats_key == (
        "guard/sniffed/application/octet-stream/html"
    )
    assert classify(None, b"\x89PNG").stats_key == "guard/sniffed/none/not_html"


# -- the consumers: guard, spider, extractor ------------------------------------------------------


def _response(declared: str | None, body: bytes) -> Response:
    headers = {} if declared is None else {"Content-Type": declared}
    lease = SimpleNamespace(url=PAGE_URL, entry={"url": PAGE_URL, "depth": 0, "hops": 0})
    request = Request(PAGE_URL, meta={"lease": lease})
    return Response(PAGE_URL, status=200, headers=headers, body=body, request=request)


def _spider() -> LinksSpider:
    crawler = get_crawler(LinksSpider)
    return LinksSpider.from_crawler(crawler, config=CrawlConfig(seeds=[PAGE_URL]))


@pytest.mark.parametrize(("declared", "body", "expected"), TABLE)
def test_guard_spider_and_extractor_follow_the_rule(
    declared: str | None, body: bytes, expected: bool
) -> None:
    crawler = get_crawler(settings_dict={"LINKGRAPH_MAX_PAGE_BYTES": 1 << 20})
    guard = PageLimitsMiddleware.from_crawler(crawler)
    response = guard.process_response(Request(PAGE_URL), _response(declared, body))
    assert (NON_HTML not in response.flags) is expected
    assert len(extract_links(body, PAGE_URL, declared)) == expected
    [fetched] = _spider().parse_page(_response(declared, body))
    assert isinstance(fetched, Fetched)
    assert [link.dst_url for link in fetched.links] == ["http://example.com/x"] * expected


def test_octet_stream_and_untyped_html_yield_their_links() -> None:
    """The defect of issue 12: the guard passed these pages, the extractor found 0 links."""
    page = b"<!DOCTYPE html>\n<html><body><nav>" + LINK + b"</nav></body></html>"
    for declared in ("application/octet-stream", None):
        [fetched] = _spider().parse_page(_response(declared, page))
        assert [(x.dst_url, x.section) for x in fetched.links] == [("http://example.com/x", "nav")]
        assert fetched.page.outlink_count == 1
        assert [x["url"] for x in fetched.follow] == ["http://example.com/x"]
        assert [x.dst_url for x in extract_links(page, PAGE_URL, declared)] == [
            "http://example.com/x"
        ]


def test_guard_counts_sniffed_responses_by_declared_type_and_verdict() -> None:
    crawler = get_crawler(settings_dict={"LINKGRAPH_MAX_PAGE_BYTES": 1 << 20})
    guard = PageLimitsMiddleware.from_crawler(crawler)
    answers = [
        ("application/octet-stream", b"<html>"),
        ("application/octet-stream", b"<html>"),
        ("application/octet-stream", b"\x89PNG"),
        (None, b"<!doctype html>"),
        (None, b"%PDF"),
        ("text/html", b"\x89PNG"),  # declared: not sniffed
        ("image/png", b"<html>"),  # declared: not sniffed
    ]
    for declared, body in answers:
        guard.process_response(Request(PAGE_URL), _response(declared, body))
    assert crawler.stats is not None
    counted = {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("guard/")}
    assert counted == {
        "guard/sniffed/application/octet-stream/html": 2,
        "guard/sniffed/application/octet-stream/not_html": 1,
        "guard/sniffed/none/html": 1,
        "guard/sniffed/none/not_html": 1,
        "guard/non_html": 3,
    }
