"""Pure link and page-fact extraction: (body, url, headers) -> PageFacts + OutLinks.

Follows docs/LINKS.md to the letter: which elements are links, how each field is filled.
Never raises on a body: malformed HTML, binary served as HTML, a huge page (cut at
`MAX_BODY_BYTES`, counted in `STATS`) all give a deterministic, possibly empty, answer.

    >>> facts, links = extract(b'<title>T</title><nav><a href="/a" rel="NoFollow">A</a></nav>',
    ...                        "http://x.com/p")
    >>> facts.title, links[0].dst_url, links[0].rel, links[0].section, links[0].dom_path
    ('T', 'http://x.com/a', ('nofollow',), 'nav', 'body>nav>a')
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping

from selectolax.lexbor import LexborHTMLParser, LexborNode

from crawler import charset, content
from crawler.records import OutLink, PageFacts
from crawler.sections import UNKNOWN, Places
from crawler.urls import Resolver, canonicalize, host_of, registrable_domain

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024 * 1024
# Counters a spider may copy into its stats: pages cut at the cap, hrefs that were not links.
STATS: Counter[str] = Counter()

_SELECTOR = "a[href], area[href], iframe[src], frame[src], link[href], meta[http-equiv], base[href]"
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_REFRESH = re.compile(r"""\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(['"]?)(.*)""", re.I | re.S)
_ROBOTS_DIRECTIVES = frozenset(
    ("all", "none", "noindex", "nofollow", "noarchive", "nosnippet", "noimageindex", "notranslate")
)


def is_html(content_type: str | None, body: bytes) -> bool:
    """Whether the contract lets us parse this body: an HTML type, or none and an HTML body."""
    if content_type:
        return content_type.split(";", 1)[0].strip().lower() in _HTML_TYPES
    return body.lstrip()[:1] == b"<"


def extract(
    body: bytes,
    url: str,
    content_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[PageFacts, list[OutLink]]:
    """Page facts and every link of one fetched page, in document order."""
    if content_type is None and headers:
        content_type = _header(headers, "content-type") or None
    facts = PageFacts()
    robots_header = _header(headers, "x-robots-tag").lower() if headers else ""
    if robots_header:
        _apply_robots(facts, robots_header, scoped=True)
    if not is_html(content_type, body):
        return facts, []
    tree = _parse(body, url, content_type)
    links = _Page(tree, url, facts).links()
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
    encoding, skip = charset.detect(body, content_type, cut)
    if encoding == "utf-8":
        # Lexbor decodes UTF-8 itself (bad bytes become U+FFFD): no round trip through str.
        return LexborHTMLParser(body[skip:] if skip else body)
    return LexborHTMLParser(body[skip:].decode(encoding, "replace"))


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


def _rel_tokens(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(dict.fromkeys(value.lower().split()))


def _image_anchor(node: LexborNode) -> str:
    """Text content of a link with each <img> replaced by its alt."""
    parts = []
    for child in node.traverse(include_text=True):
        if child.is_text_node:
            parts.append(child.text_content or "")
        elif child.tag == "img":
            parts.append(child.attrs.get("alt") or "")
    return " ".join("".join(parts).split())


def _refresh_target(value: str | None) -> str:
    """The URL of a `<meta http-equiv=refresh>` content, or "" (a plain reload)."""
    match = _REFRESH.match(value or "")
    if match is None:
        return ""
    quote, target = match.groups()
    if quote and quote in target:
        target = target[: target.index(quote)]
    return target.strip()


class _Page:
    """One parse: walks the link elements once and builds the records."""

    def __init__(self, tree: LexborHTMLParser, url: str, facts: PageFacts) -> None:
        self.tree = tree
        self.facts = facts
        try:
            self.url = canonicalize(url)
        except ValueError:
            self.url = url
        self.host = host_of(self.url)
        self.domain = registrable_domain(self.host)
        self.places = Places()
        self.resolver = Resolver(self._base())
        self.domains: dict[str, str] = {}

    def _base(self) -> str:
        base = self.tree.css_first("base[href]")
        if base is None:
            return self.url
        try:
            resolved = Resolver(self.url).resolve(base.attrs.get("href") or "")
        except Exception:  # a broken page URL must not break the page
            logger.debug("bad base href on %s", self.url, exc_info=True)
            return self.url
        return resolved[0] if resolved else self.url

    def links(self) -> list[OutLink]:
        self._facts()
        images = self._image_links()
        pairs: list[tuple[LexborNode, OutLink]] = []
        for node in self.tree.css(_SELECTOR):
            link = self._link(node, images)
            if link is not None:
                link.ordinal = len(pairs)
                pairs.append((node, link))
        content.refine(self.tree, pairs, self.places)
        return [link for _, link in pairs]

    def _facts(self) -> None:
        facts, tree = self.facts, self.tree
        title = tree.css_first("title")
        if title is not None:
            facts.title = " ".join(title.text().split())
        html = tree.css_first("html")
        if html is not None:
            facts.lang = (html.attrs.get("lang") or "").strip()
        robots = [
            (m.attrs.get("content") or "").strip().lower()
            for m in tree.css("meta[name]")
            if (m.attrs.get("name") or "").strip().lower() == "robots"
        ]
        facts.meta_robots = ", ".join(r for r in robots if r)
        if facts.meta_robots:
            _apply_robots(facts, facts.meta_robots, scoped=False)

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

    def _link(self, node: LexborNode, images: set[int]) -> OutLink | None:
        tag = node.tag
        attrs = node.attrs
        hreflang = ""
        rel: tuple[str, ...] = ()
        anchor = ""
        is_image = False
        if tag == "a":
            href = attrs.get("href")
            rel = _rel_tokens(attrs.get("rel"))
            is_image = node.mem_id in images
            anchor = _image_anchor(node) if is_image else " ".join(node.text().split())
            kind = "a"
        elif tag == "area":
            href = attrs.get("href")
            rel = _rel_tokens(attrs.get("rel"))
            anchor = " ".join((attrs.get("alt") or "").split())
            is_image = True
            kind = "area"
        elif tag in ("iframe", "frame"):
            href = attrs.get("src")
            kind = "frame"
        elif tag == "link":
            rel = _rel_tokens(attrs.get("rel"))
            href = attrs.get("href")
            if "canonical" in rel:
                kind = "canonical"
            elif "alternate" in rel and attrs.get("hreflang") is not None:
                kind = "alternate"
                hreflang = (attrs.get("hreflang") or "").strip()
            else:
                return None
        elif tag == "meta":
            if (attrs.get("http-equiv") or "").strip().lower() != "refresh":
                return None
            href = _refresh_target(attrs.get("content"))
            kind = "refresh"
        else:
            return None
        return self._record(node, href, kind, rel, anchor, is_image, hreflang)

    def _record(
        self,
        node: LexborNode,
        href: str | None,
        kind: str,
        rel: tuple[str, ...],
        anchor: str,
        is_image: bool,
        hreflang: str,
    ) -> OutLink | None:
        resolved = self.resolver.resolve(href) if href else None
        if resolved is None:
            STATS["not_links"] += 1
            logger.debug("not a link on %s: %r", self.url, href)
            return None
        dst, dst_host = resolved
        dst_domain = self.domains.get(dst_host)
        if dst_domain is None:
            dst_domain = self.domains[dst_host] = registrable_domain(dst_host)
        parent = node.parent
        path, section, _ = self.places.of(parent) if parent is not None else ("", UNKNOWN, 0)
        path = f"{path}>{node.tag}" if path else ""
        if kind == "refresh":
            section = UNKNOWN
            self.facts.refresh_url = self.facts.refresh_url or dst
        elif kind == "canonical":
            self.facts.canonical = self.facts.canonical or dst
        return OutLink(
            src_url=self.url,
            dst_url=dst,
            anchor=anchor,
            rel=rel,
            kind=kind,
            section=section,
            dom_path=path,
            is_image=is_image,
            hreflang=hreflang,
            src_host=self.host,
            src_domain=self.domain,
            dst_host=dst_host,
            dst_domain=dst_domain,
            is_external=dst_domain != self.domain,
            page_nofollow=self.facts.nofollow,
        )
