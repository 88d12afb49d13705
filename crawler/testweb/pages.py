"""The simulated web's pages as data: a page, its blocks, links and decoys.

>>> Link("a", "http://b.com/", text="B").form
'root'
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from crawler.urls.canonical import registrable_domain

HTML_UTF8 = "text/html; charset=utf-8"
NOT_FOUND_TYPE = HTML_UTF8  # what the server answers for an unknown path on a known host


@dataclass(frozen=True, slots=True)
class Link:
    """One link the page carries, e.g. ``<a href="/blog/" rel="NoFollow UGC">Blog</a>``.

    `target` is the canonical absolute URL; `form` says how the href is written: ``abs``,
    ``loud`` (upper-case scheme and host, explicit ``:80``), ``root``, ``rel``, ``proto``, ``iri``.
    """

    kind: str  # a, area, frame, canonical, alternate, refresh, redirect
    target: str
    form: str = "root"
    text: str = ""  # <a> text (as written, before whitespace folding); <area> alt
    rel: str = ""  # the rel attribute as written
    img: str | None = None  # alt of an <img> inside the <a>
    img_first: bool = True
    hreflang: str = ""
    entities: bool = False  # write non-ASCII text as character references

    @property
    def rel_tokens(self) -> list[str]:
        return list(dict.fromkeys(self.rel.lower().split()))

    @property
    def nofollow(self) -> bool:
        return "nofollow" in self.rel.lower().split()

    @property
    def is_image(self) -> bool:
        return self.img is not None or self.kind == "area"

    @property
    def anchor(self) -> str:
        if self.kind == "area":
            return " ".join(self.text.split())
        if self.kind != "a":
            return ""
        pieces = [self.text] if self.img is None else self.ordered_pieces()
        return " ".join(" ".join(pieces).split())

    def ordered_pieces(self) -> list[str]:
        alt = self.img or ""
        return [alt, self.text] if self.img_first else [self.text, alt]


@dataclass(frozen=True, slots=True)
class Decoy:
    """Markup that looks like a link and must not be one, e.g. ``<a href="mailto:x@y.z">``.
    `emails`: the addresses a mailto: href in it gives (a fact of the page, not a link)."""

    html: str
    emails: tuple[str, ...] = ()


@dataclass(slots=True)
class Block:
    """A landmark region of the body (or a plain ``<div>`` for ``unknown``) and what it holds."""

    section: str
    items: list[Link | Decoy] = field(default_factory=list)
    children: list[Block] = field(default_factory=list)  # rendered after the items, inside
    word: str = ""  # the class/id word the div template uses, e.g. 'id="Sidebar"'

    def emails(self) -> Iterator[str]:
        """The mailto: addresses of its decoys, in document order."""
        for item in self.items:
            if isinstance(item, Decoy):
                yield from item.emails
        for child in self.children:
            yield from child.emails()

    def links(self) -> Iterator[tuple[str, Link]]:
        """(section, link) in document order; the innermost block names the section."""
        for item in self.items:
            if isinstance(item, Link):
                yield self.section, item
        for child in self.children:
            yield from child.links()


@dataclass(slots=True)
class Page:
    """One URL of the web and everything the server sends for it."""

    url: str  # canonical absolute URL
    status: int = 200
    # The Content-Type header as sent, "" for none. What the body is does not depend on it: a
    # page with no `raw` is HTML even when served as application/octet-stream or untyped.
    content_type: str = HTML_UTF8
    charset: str = "utf-8"  # encoding of the body
    meta_charset: str = ""  # declared in <meta charset> when set
    title: str = ""
    lang: str = "en"
    style: str = "semantic"
    redirect: Link | None = None  # 3xx: where Location points, and how it is written
    x_robots_tag: str = ""
    meta_robots: str = ""
    base: Link | None = None  # <base href>; its target is absolute
    head: list[Link] = field(default_factory=list)  # canonical, alternate, refresh
    blocks: list[Block] = field(default_factory=list)
    raw: bytes = b""  # body of a file that is not HTML (a PDF, an image); empty for HTML

    @property
    def is_html(self) -> bool:
        """Whether the body is HTML (rendered from the blocks), whatever its declared type."""
        return not self.raw

    @property
    def nofollow(self) -> bool:
        said = f"{self.meta_robots},{self.x_robots_tag}".lower().replace(",", " ").split()
        return "nofollow" in said

    def links(self) -> Iterator[tuple[str, Link]]:
        """(section, link) for every link a parser must find, in document order (head first)."""
        if self.redirect is not None and 300 <= self.status < 400:
            yield "unknown", self.redirect
            return
        if self.status != 200 or not self.is_html:
            return
        for link in self.head:
            yield "unknown", link
        for block in self.blocks:
            yield from block.links()

    def emails(self) -> list[str]:
        """The addresses a parser must find in its mailto: links, in order, without repeats
        (crawler/extract/emails.py): those of an HTML page that answered 200."""
        if self.status != 200 or not self.is_html:
            return []
        return list(dict.fromkeys(e for block in self.blocks for e in block.emails()))


def host_of(url: str) -> str:
    """The host of a canonical URL, cheaply (the truth asks for it once per link).

    >>> host_of("http://www.a.co.uk/x?y")
    'www.a.co.uk'
    """
    netloc = url.split("/", 3)[2] if url.count("/") >= 2 else ""
    return netloc.rpartition("@")[2].partition(":")[0].lower()


def domain_of(url: str) -> str:
    return registrable_domain(host_of(url))
