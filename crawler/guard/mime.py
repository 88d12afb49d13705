"""The one rule for "is this response HTML?", read by the guard, the spider and the extractor.

It follows the WHATWG MIME Sniffing Standard (https://mimesniff.spec.whatwg.org/) for HTML:
- a declared ``text/html`` or ``application/xhtml+xml`` is HTML, whatever the body;
- a missing, unparsable or unknown type (``application/octet-stream``, ``unknown/unknown``,
  ``application/unknown``, ``*/*``) is sniffed: after leading whitespace (tab, LF, FF, CR,
  space) the first `SNIFF_BYTES` of the body must open with an HTML signature (``<!DOCTYPE
  HTML``, ``<HTML``, ``<HEAD``, ``<SCRIPT``, ``<IFRAME``, ``<H1``, ``<DIV``, ``<FONT``,
  ``<TABLE``, ``<A``, ``<STYLE``, ``<TITLE``, ``<B``, ``<BODY``, ``<BR``, ``<P``, ``<!--``,
  any case) followed by a space or ``>``;
- any other declared type (image/png, text/plain, application/json, ...) is not HTML.

Two choices of ours: ``application/octet-stream`` is sniffed (a browser would offer it as a
download; a crawler wants the links of the many misconfigured servers that send HTML that way),
and a UTF-8 byte order mark before the signature is skipped (the standard would call the body
text/plain; the HTML parser skips the mark anyway).

    >>> is_html("text/html; charset=utf-8", b"")
    True
    >>> classify("application/octet-stream", b"\\n <!DOCTYPE html><title>x</title>")
    Verdict(html=True, sniffed=True, declared='application/octet-stream')
    >>> is_html(None, b"\\x89PNG\\r\\n\\x1a\\n"), is_html("text/plain", b"<html>")
    (False, False)
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Types that say nothing about the body: the body decides. "" is a missing or unparsable header.
UNKNOWN_TYPES = frozenset(
    {"", "application/octet-stream", "application/unknown", "unknown/unknown", "*/*"}
)
# The standard's resource header is up to 1445 bytes; the HTML signatures must start early, and
# 512 bytes of leading whitespace is already more than any real page sends.
SNIFF_BYTES = 512
# How a missing Content-Type is named in stats keys (an empty path segment would read badly).
NO_TYPE = "none"

_BOM = b"\xef\xbb\xbf"
# The standard's whitespace bytes (no vertical tab), and its tag-terminating bytes: space, ">".
_HTML_SIGNATURE = re.compile(
    rb"[\t\n\x0c\r ]*(?:<!doctype html|<html|<head|<script|<iframe|<h1|<div|<font|<table|<a"
    rb"|<style|<title|<b|<body|<br|<p|<!--)[ >]",
    re.IGNORECASE,
)
# RFC 9110 token characters: a type or subtype made of anything else is no MIME type.
_ESSENCE = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]+/[!#$%&'*+.^_`|~0-9a-z-]+")


class Verdict(NamedTuple):
    """The rule's answer for one response, e.g. ``Verdict(True, True, "")`` for an HTML body
    sent without a Content-Type: `declared` is the header's MIME type essence ("" when missing
    or unparsable), `sniffed` says the body decided."""

    html: bool
    sniffed: bool
    declared: str

    @property
    def stats_key(self) -> str:
        """The crawl stats counter of a sniffed response, e.g.
        ``guard/sniffed/application/octet-stream/html`` or ``guard/sniffed/none/not_html``.
        Only UNKNOWN_TYPES are sniffed, so a server cannot grow the stats with made-up types."""
        return f"guard/sniffed/{self.declared or NO_TYPE}/{'html' if self.html else 'not_html'}"


def classify(content_type: str | bytes | None, body: bytes) -> Verdict:
    """The verdict for a response with this Content-Type header value and body (or its head)."""
    declared = essence(content_type)
    if declared in HTML_TYPES:
        return Verdict(True, False, declared)
    if declared not in UNKNOWN_TYPES:
        return Verdict(False, False, declared)
    return Verdict(sniff_html(body), True, declared)


def is_html(content_type: str | bytes | None, body: bytes) -> bool:
    """Whether a response is HTML worth parsing for links (see `classify`)."""
    return classify(content_type, body).html


def sniff_html(body: bytes) -> bool:
    """Whether the body opens with one of the standard's HTML signatures."""
    start = len(_BOM) if body.startswith(_BOM) else 0
    return _HTML_SIGNATURE.match(body[start : start + SNIFF_BYTES]) is not None


def essence(content_type: str | bytes | None) -> str:
    """The lowercased ``type/subtype`` of a Content-Type value, "" when missing or unparsable.

    >>> essence("Text/HTML; charset=UTF-8"), essence(b"application/octet-stream"), essence("html")
    ('text/html', 'application/octet-stream', '')
    """
    if not content_type:
        return ""
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    return _essence(content_type)


@lru_cache(maxsize=256)
def _essence(content_type: str) -> str:
    """Memoized: a crawl sees a few Content-Type values, on every page."""
    found = content_type.split(";", 1)[0].strip().lower()
    return found if _ESSENCE.fullmatch(found) else ""
