"""Pure link and page-fact extraction: (body, url, headers) -> PageFacts + OutLinks.

Follows docs/LINKS.md to the letter: which elements are links, how each field is filled.
Whether a body is HTML at all is the one rule of crawler/guard/mime.py (a body it does not take
for HTML gives page facts from the headers and no links).
Never raises on a body: malformed HTML, binary served as HTML, a huge page (cut at
`MAX_BODY_BYTES`), a pathologically nested one (cut where it nests deeper than
`DEPTH_BUDGET`), all counted in `STATS`, give a deterministic, possibly empty, answer.

    >>> facts, links = extract(b'<title>T</title><nav><a href="/a" rel="NoFollow">A</a></nav>',
    ...                        "http://x.com/p")
    >>> facts.title, links[0].dst_url, links[0].rel, links[0].section, links[0].dom_path
    ('T', 'http://x.com/a', ('nofollow',), 'nav', 'body>nav>a')
"""

from __future__ import annotations

import ctypes
import gc
import logging
import re
from collections import Counter
from collections.abc import Mapping
from itertools import islice
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from crawler import settings as defaults
from crawler import speedups
from crawler.extract import charset
from crawler.extract import maincontent as content
from crawler.extract.rules import (
    LINK_SELECTOR,
    UNKNOWN,
    mailto_addresses,
    refresh_target,
    rel_tokens,
)
from crawler.extract.sections import Places
from crawler.guard.mime import is_html
from crawler.records import OutLink, PageFacts
from crawler.urls.canonical import Resolver, canonical_and_host, host_of, registrable_domain

logger = logging.getLogger(__name__)

# The guard drops larger responses; a body handed to extract() directly is cut at the same size.
MAX_BODY_BYTES = defaults.LINKGRAPH_MAX_PAGE_BYTES
# Lexbor's tree building is quadratic in nesting depth (each block start tag scans the stack
# of open elements): 20,000 nested <div> cost ~1 s, 2 M (a 10 MiB body) would never end.
# A body that may nest deeper than this is cut where it does (counted in STATS).
DEPTH_BUDGET = 2048
_COUNT_CHUNK = 1 << 13  # small: within a chunk every `<` counts as an opening tag
_TAG_SEGMENT = 1 << 16
_TAG = re.compile(rb"<(/?)([A-Za-z][A-Za-z0-9]*)")
# Tags that never hold a deep nest: void, or closed by their next sibling.
_NOT_NESTING = frozenset(
    b"area base br col embed hr img input link meta param source track wbr "
    b"p li dt dd option optgroup tr td th tbody thead tfoot colgroup caption rp rt".split()
)
# Past a page's link cap the links are only counted, so their URL resolutions need not stay
# memoized: the memo is emptied whenever it holds more (a 520k-link page's held ~150 MB).
MEMO_PAST_CAP = 8192
# glibc keeps the freed pages of a big page's parse tree (0.29 GB for 10 MiB of links) in the
# process's heap for good, where the store's inserts (chDB's own allocator) cannot use them:
# malloc_trim hands them back to the OS (a crawl of such a page peaked at 0.75 GB, not 0.86).
# Only after big pages past their link cap: the next big parse faults the pages in again
# (~0.3 s for 10 MiB). None where the C library has no malloc_trim.
TRIM_AFTER_BYTES = 1 << 20
_MALLOC_TRIM = getattr(ctypes.CDLL(None), "malloc_trim", None)
# Counters a spider may copy into its stats: pages cut at the cap, hrefs that were not links.
STATS: Counter[str] = Counter()

_ROBOTS_DIRECTIVES = frozenset(
    ("all", "none", "noindex", "nofollow", "noarchive", "nosnippet", "noimageindex", "notranslate")
)


def extract(
    body: bytes,
    url: str,
    content_type: str | None = None,
    headers: Mapping[str, str] | None = None,
    max_links: int = 0,
) -> tuple[PageFacts, list[OutLink]]:
    """Page facts and every link of one fetched page, in document order; with `max_links`,
    only the first that many (the rest counted in `facts.links_over_cap`, never built: a
    10 MiB page holds 500k links, about 1 KiB of records each)."""
    if content_type is None and headers:
        content_type = _header(headers, "content-type") or None
    facts = PageFacts()
    robots_header = _header(headers, "x-robots-tag").lower() if headers else ""
    if robots_header:
        _apply_robots(facts, robots_header, scoped=True)
    if not is_html(content_type, body):
        return facts, []
    collecting = gc.isenabled()
    # One page allocates tens of thousands of short-lived objects and no cycles: the cyclic
    # collector's passes over them (and everything older) took ~5% of extraction's samples.
    gc.disable()
    try:
        tree = _parse(body, url, content_type)
        links = _Page(tree, url, facts, max_links).links()
        del tree  # its nodes go now, before the heap is trimmed
    finally:
        if collecting:
            gc.enable()
    if facts.links_over_cap and len(body) >= TRIM_AFTER_BYTES and _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
    return facts, links


def extract_links(body: bytes, url: str, content_type: str | None = None) -> list[OutLink]:
    """Every link of one page (see `extract`)."""
    return extract(body, url, content_type)[1]


def _header(headers: Mapping[str, str] | None, name: str) -> str:
    """A header's value, whatever the case of its name (and bytes values, as Scrapy has)."""
    if not headers:
        return ""
    for key, value in headers.items():
        key_text = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key_text.lower() == name:
            if isinstance(value, list | tuple):
                value = b", ".join(value) if value and isinstance(value[0], bytes) else value
            if isinstance(value, bytes):
                return value.decode("latin-1")
            return ", ".join(value) if isinstance(value, list | tuple) else str(value)
    return ""


def _parse(body: bytes, url: str, content_type: str | None) -> LexborHTMLParser:
    cut = len(body) > MAX_BODY_BYTES
    if cut:
        if not STATS["truncated"]:
            logger.warning(
                "page over %d bytes cut (first time; counted after): %s", MAX_BODY_BYTES, url
            )
        STATS["truncated"] += 1
        body = body[:MAX_BODY_BYTES]
    found = charset.declared(body, content_type)
    utf8 = None  # whether the body is valid UTF-8, when known
    if _FAST is not None:  # the depth bound and the UTF-8 check in one read of the body
        deep, utf8 = _FAST.scan(body, DEPTH_BUDGET, _COUNT_CHUNK, found is None)
    else:
        deep = _may_nest_deeper(body)
    if deep:
        body = _cut_too_deep(body, url)
        found, utf8 = charset.declared(body, content_type), None
    encoding, skip = found or (charset.sniff(body, cut, utf8), 0)
    if skip:
        body = body[skip:]
    if encoding == "utf-8":
        # Lexbor decodes UTF-8 itself (bad bytes become U+FFFD): no round trip through str.
        return LexborHTMLParser(body)
    table = None if _FAST is None else charset.utf8_table(encoding)
    if table is not None:  # a single-byte encoding: straight to the UTF-8 selectolax makes
        return LexborHTMLParser(_FAST.transcode(body, table))
    return LexborHTMLParser(body.decode(encoding, "replace"))


def _may_nest_deeper(body: bytes, budget: int = DEPTH_BUDGET, chunk: int = _COUNT_CHUNK) -> bool:
    """Whether `body` may nest deeper than `budget`: a byte scan (counts of `<` and `</` per
    `chunk` bytes) bounding, for each chunk, the opening tags not yet closed. Void and
    implicitly closed tags make it an over-estimate; stray close tags can fool it. The C
    walk's `_fastlinks.scan` gives the same answer in the same read as its UTF-8 check."""
    if len(body) <= 3 * budget:  # an opening tag takes 3 bytes at least
        return False
    count = body.count
    depth = 0
    for start in range(0, len(body), chunk):
        end = start + chunk
        closes = count(b"</", start, end)
        opens = count(b"<", start, end) - closes
        if depth + opens > budget:
            return True
        depth = max(depth + opens - closes, 0)
    return False


def _cut_too_deep(body: bytes, url: str, budget: int = DEPTH_BUDGET) -> bytes:
    """`body` cut at the first tag that would nest deeper than `budget` (an approximation
    of the HTML tree builder's stack: a close tag pops up to its open element, if any).
    Tags are listed by the regex engine a segment at a time, so a pathological run costs
    one segment, not the whole body."""
    stack: list[bytes] = []
    open_counts: Counter[bytes] = Counter()
    start = 0
    while start < len(body):
        end = body.find(b"<", start + _TAG_SEGMENT)  # segments end before a tag
        end = len(body) if end < 0 else end
        for index, (closing, name) in enumerate(_TAG.findall(body, start, end)):
            name = name.lower()
            if name in _NOT_NESTING:
                continue
            if not closing:
                if len(stack) >= budget:
                    STATS["too_deep"] += 1
                    logger.debug("page nests deeper than %d, cut: %s", budget, url)
                    cut = next(islice(_TAG.finditer(body, start, end), index, None))
                    return body[: cut.start()]
                stack.append(name)
                open_counts[name] += 1
            elif open_counts[name]:
                while True:
                    popped = stack.pop()
                    open_counts[popped] -= 1
                    if popped == name:
                        break
        start = end
    return body


def _apply_robots(facts: PageFacts, value: str, scoped: bool) -> None:
    """Set noindex/nofollow from robots directives; a header's `bot: ...` parts are not ours."""
    ours = True
    for part in value.split(","):
        name, colon, rest = part.partition(":")
        name = name.strip()
        if scoped and colon and name not in _ROBOTS_DIRECTIVES and name != "unavailable_after":
            ours = name in ("*", "linkgraph")
            name = rest.strip()
        if not ours:
            continue
        for token in name.split():
            if token in ("noindex", "none"):
                facts.noindex = True
            if token in ("nofollow", "none"):
                facts.nofollow = True


def _image_anchor(node: LexborNode) -> str:
    """Text content of a link with each <img> replaced by its alt, set apart by spaces as in
    a browser's accessible name (`sample 2<img alt="sample2">` is "sample 2 sample2"); an
    empty alt adds nothing (`t<img>wo` is "two")."""
    parts = []
    for child in node.traverse(include_text=True):
        if child.is_text_node:
            parts.append(child.text_content or "")
        elif child.tag == "img":
            alt = child.attrs.get("alt")
            parts.append(f" {alt} " if alt else "")
    return " ".join("".join(parts).split())


class _Page:
    """One parse: walks the link elements once (one CSS query) and builds the records."""

    memo_past_cap = MEMO_PAST_CAP  # read by the C walk too

    def __init__(
        self, tree: LexborHTMLParser, url: str, facts: PageFacts, max_links: int = 0
    ) -> None:
        self.tree = tree
        self.facts = facts
        self.max_links = max_links  # 0: no cap
        try:
            self.url, self.host = canonical_and_host(url)
        except ValueError:
            self.url, self.host = url, host_of(url)
        self.domain = registrable_domain(self.host)
        self.resolver = Resolver(self.url)

    def start(self, base_href: str | None, title: str | None, lang: str | None) -> None:
        """Facts and resolver from the first base[href]'s href, title's text and html's lang
        (None: no such element); the C walk finds them in its one pass, else CSS queries."""
        if title is not None:
            self.facts.title = " ".join(title.split())
        if lang is not None:
            self.facts.lang = lang.strip()
        base = self._base(base_href)
        if base != self.resolver.base:  # most pages have no <base>: keep the page's resolver
            self.resolver = Resolver(base)

    def _base(self, href: str | None) -> str:
        if href is None:
            return self.url
        try:
            resolved = self.resolver.resolve(href)
        except Exception:  # a broken page URL must not break the page
            logger.debug("bad base href on %s", self.url, exc_info=True)
            return self.url
        return resolved[0] if resolved else self.url

    def links(self) -> list[OutLink]:
        """Every link in document order. One loop, hot: locals instead of attribute lookups,
        positional OutLink arguments, sections memoized per parent element."""
        tree, facts = self.tree, self.facts
        if _FAST is not None:
            found, robots_found = _FAST.links(self)
            if robots_found or facts.nofollow:  # most pages: nothing to apply
                self._robots(robots_found, found)
            return found
        self.places = Places()  # the C walk keeps its own
        base, title, html = (
            tree.css_first("base[href]"),
            tree.css_first("title"),
            tree.css_first("html"),
        )
        self.start(
            None if base is None else base.attrs.get("href") or "",
            None if title is None else title.text(),
            None if html is None else html.attrs.get("lang") or "",
        )
        nodes = tree.css(LINK_SELECTOR)
        images = self._image_links()
        places_of = self.places.of
        resolve, memo = self.resolver.resolve, self.resolver.memo
        src_url, src_host, src_domain = self.url, self.host, self.domain
        domains: dict[str, str] = {}
        in_body: list[tuple[OutLink, LexborNode]] = []  # a/area links: main content or not
        robots: list[str] = []
        links: list[OutLink] = []
        cap = self.max_links or -1
        emails: list[str] = []  # mailto: addresses, a fact of the page, not links
        for node in nodes:
            tag = node.tag
            attrs = node.attributes
            hreflang = anchor = ""
            rel: tuple[str, ...] = ()
            is_image = False
            if tag == "a":
                href = attrs.get("href")
                rel = rel_tokens(attrs.get("rel"))
                is_image = node.mem_id in images
                anchor = _image_anchor(node) if is_image else " ".join(node.text().split())
            elif tag == "area":
                href = attrs.get("href")
                rel = rel_tokens(attrs.get("rel"))
                anchor = " ".join((attrs.get("alt") or "").split())
                is_image = True
            elif tag == "iframe" or tag == "frame":
                href = attrs.get("src")
                tag = "frame"
            elif tag == "link":
                rel = rel_tokens(attrs.get("rel"))
                href = attrs.get("href")
                if "canonical" in rel:
                    tag = "canonical"
                elif "alternate" in rel and attrs.get("hreflang") is not None:
                    tag = "alternate"
                    hreflang = (attrs.get("hreflang") or "").strip()
                else:
                    continue
            elif tag == "meta":
                if (attrs.get("name") or "").strip().lower() == "robots":
                    robots.append((attrs.get("content") or "").strip().lower())
                if (attrs.get("http-equiv") or "").strip().lower() != "refresh":
                    continue
                href = refresh_target(attrs.get("content"))
                tag = "refresh"
            else:
                continue
            resolved = resolve(href) if href else None
            if resolved is None:
                STATS["not_links"] += 1
                logger.debug("not a link on %s: %r", src_url, href)
                if (tag == "a" or tag == "area") and href and ("@" in href or "%" in href):
                    emails.extend(mailto_addresses(href))  # no "@" (raw or %40): no address
                continue
            dst, dst_host = resolved
            dst_domain = domains.get(dst_host)
            if dst_domain is None:
                dst_domain = domains[dst_host] = registrable_domain(dst_host)
            parent = node.parent
            path, section, _ = places_of(parent) if parent is not None else ("", UNKNOWN, 0)
            if tag == "refresh":
                section = UNKNOWN
                facts.refresh_url = facts.refresh_url or dst
            elif tag == "canonical":
                facts.canonical = facts.canonical or dst
            if len(links) == cap:  # past the cap: the page's facts above still count
                facts.links_over_cap += 1
                if len(memo) > self.memo_past_cap:
                    memo.clear()
                continue
            link = OutLink(
                src_url,
                dst,
                anchor,
                rel,
                tag,
                section,
                f"{path}>{node.tag}" if path else "",
                len(links),
                is_image,
                hreflang,
                src_host,
                src_domain,
                dst_host,
                dst_domain,
                dst_domain != src_domain,
            )
            links.append(link)
            if (
                (tag == "a" or tag == "area")
                and parent is not None
                and path[:4] not in ("", "head")
            ):
                in_body.append((link, parent))
        self._robots(robots, links)
        if emails:
            facts.emails = list(dict.fromkeys(emails))
        if in_body:
            self._main_content(in_body)
        return links

    def _main_content(self, in_body: list[tuple[OutLink, LexborNode]]) -> None:
        """Relabel a/area links by the page's text (content.Article), once per parent."""
        places = self.places
        article = content.Article(self.tree, places.main_seen)
        if not article.blocks:
            return
        sections: dict[int, str] = {}
        for link, parent in in_body:
            key = parent.mem_id
            section = sections.get(key)
            if section is None:
                _, landmark_section, mark = places.of(parent)
                section = sections[key] = article.section(
                    parent, landmark_section, mark, mark in places.explicit
                )
            link.section = section

    def _robots(self, robots: list[str], links: list[OutLink]) -> None:
        facts = self.facts
        facts.meta_robots = ", ".join(r for r in robots if r) if robots else ""
        if facts.meta_robots:
            _apply_robots(facts, facts.meta_robots, scoped=False)
        if facts.nofollow:
            for link in links:
                link.page_nofollow = True

    def _image_links(self) -> set[int]:
        """Ids of the <a> elements holding an <img> (one CSS pass, not one per link)."""
        found = set()
        for img in self.tree.css("a[href] img"):
            node = img.parent
            while node is not None and node.tag != "a":
                node = node.parent
            if node is not None:
                found.add(node.mem_id)
        return found


def _bind(fast: Any) -> None:
    """Check the C walk against this selectolax's lexbor and bind it to crawler.extract.rules;
    it counts into this module's STATS and logs through its logger."""
    fast.bind(STATS, logger)


def _use(fast: Any) -> None:
    global _FAST
    _FAST = fast


# crawler.extract._fastlinks when built and agreeing with selectolax's lexbor, else None (the
# pure Python loop above: same output, slower: bench/RESULTS.md). Last: the walk counts into
# STATS and logs through this module's logger.
_FAST: Any = None
speedups.load("crawler.extract._fastlinks", "extraction", _use, bind=_bind)
