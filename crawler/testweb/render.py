"""What the server sends for a URL of the simulated web: status, headers and body bytes.

Pages are rendered from the model with one of three templates (semantic HTML5 tags, div with
class/id words, div with ARIA roles) and encoded in the site's charset.

    >>> from crawler.testweb.model import build_web
    >>> web = build_web(sites=2, pages_per_site=30, seed=1)
    >>> answer = respond(web, web.sites[0].home)
    >>> answer.status, answer.body.startswith(b"<!DOCTYPE html>")
    (200, True)
    >>> respond(web, "http://unknown.example/").status
    502
"""

from __future__ import annotations

import html
import posixpath
import zlib
from dataclasses import dataclass
from html.entities import codepoint2name
from urllib.parse import SplitResult, unquote, urlsplit

import ada_url

from crawler.testweb.model import Web
from crawler.testweb.pages import NOT_FOUND_TYPE, Block, Decoy, Link, Page

_SEMANTIC = {
    "header": ("<header>", "</header>"),
    "nav": ("<nav>", "</nav>"),
    "main": ("<main><article>", "</article></main>"),
    "aside": ("<aside>", "</aside>"),
    "footer": ("<footer>", "</footer>"),
    "comment": ('<section class="comments">', "</section>"),
}
_ROLES = {
    "header": "banner",
    "nav": "navigation",
    "main": "main",
    "aside": "complementary",
    "footer": "contentinfo",
    "comment": "comment",
}
_LIST_SECTIONS = ("nav", "header", "footer")
_NOT_FOUND_BODY = b"<!DOCTYPE html>\n<html><body><h1>Not found</h1></body></html>\n"


@dataclass(frozen=True, slots=True)
class Response:
    """One answer of the server, e.g. ``Response(301, (("Location", "/x"),), b"...")``."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def respond(web: Web, url: str) -> Response:
    """The answer for canonical `url`: 502 for a host outside the web, 404 for an unknown path."""
    site = web.site_of(url)
    if site is None:
        return Response(502, (("Content-Type", "text/plain"),), b"unknown host\n")
    path = urlsplit(url).path
    if path == "/robots.txt" and (site.has_robots or web.disallow(site)):
        return Response(200, (("Content-Type", "text/plain"),), robots_txt(web, url).encode())
    if path == "/sitemap.xml" and "sitemap" in site.features:
        return Response(200, (("Content-Type", "application/xml"),), sitemap_xml(web, url))
    page = web.page(url)
    if page is None:
        return Response(404, (("Content-Type", NOT_FOUND_TYPE),), _NOT_FOUND_BODY)
    return render(page)


def render(page: Page) -> Response:
    headers = [("Content-Type", page.content_type)] if page.content_type else []
    if page.x_robots_tag:
        headers.append(("X-Robots-Tag", page.x_robots_tag))
    if page.redirect is not None:
        location = href(page.redirect, page.url)
        headers.append(("Location", location))
        moved = f'<html><body><a href="{html.escape(location)}">Moved</a></body></html>\n'
        return Response(page.status, tuple(headers), moved.encode())
    body = page.raw if not page.is_html else render_html(page)
    return Response(page.status, tuple(headers), body)


def robots_txt(web: Web, url: str) -> str:
    site = web.site_of(url)
    assert site is not None
    lines = ["User-agent: *"]
    disallow = web.disallow(site)
    lines += [f"Disallow: {prefix}" for prefix in disallow] or ["Disallow:"]
    lines += ["", "User-agent: BadBot", "Disallow: /"]
    if "sitemap" in site.features:
        lines += ["", f"Sitemap: http://{site.host}/sitemap.xml"]
    # A byte order mark opens every file that disallows something, as editors on Windows
    # write it, before the group that concerns us: read as Google does, it changes nothing
    # (the truth is `web.disallow(site)`); read as text, the "*" group would be lost.
    bom = "\ufeff" if disallow else ""
    return bom + "\n".join(lines) + "\n"


def sitemap_xml(web: Web, url: str) -> bytes:
    site = web.site_of(url)
    assert site is not None
    pages = web.site_pages(site.index).values()
    urls = [p.url for p in pages if p.status == 200 and p.is_html and "?" not in p.url]
    entries = "".join(f"<url><loc>{html.escape(u)}</loc></url>" for u in urls)
    xmlns = "http://www.sitemaps.org/schemas/sitemap/0.9"
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return f'{head}<urlset xmlns="{xmlns}">{entries}</urlset>\n'.encode()


def href(link: Link, reference: str) -> str:
    """How `link.target` is written on a page whose links resolve against `reference`."""
    target = urlsplit(link.target)
    ref = urlsplit(reference)
    query = f"?{target.query}" if target.query else ""
    form = link.form
    if form in ("root", "rel", "iri") and target.netloc != ref.netloc:
        form = "abs"
    if form in _BROWSER_FORMS:
        return _BROWSER_FORMS[form](target, ref) + query
    if form == "loud":
        port = ":443" if target.scheme == "https" else ":80"
        return f"{target.scheme.upper()}://{target.netloc.upper()}{port}{target.path}{query}"
    if form == "proto":
        return f"//{target.netloc}{target.path}{query}"
    if form == "iri":
        return unquote(target.path) + query
    if form == "root":
        return target.path + query
    if form == "rel":
        return _relative(target.path, ref.path) + query
    return link.target


def _backslashes(target: SplitResult, ref: SplitResult) -> str:
    path = target.path.replace("/", "\\")
    return f"{target.scheme}:\\\\{target.netloc}{path}"


def _relative_backslashes(target: SplitResult, ref: SplitResult) -> str:
    return _relative(target.path, ref.path).replace("/", "\\")


def _dot_segments(target: SplitResult, ref: SplitResult) -> str:
    return f"{target.scheme}://{target.netloc}/x/y/../..{target.path}"


def _encoded_dots(target: SplitResult, ref: SplitResult) -> str:
    return f"{target.scheme}://{target.netloc}/x/%2e%2E{target.path}"


def _scheme_only(target: SplitResult, ref: SplitResult) -> str:
    return f"{target.scheme}:{target.netloc}{target.path}"


def _scheme_slash(target: SplitResult, ref: SplitResult) -> str:
    return f"{target.scheme}:/{target.netloc}{target.path}"


def _unicode_host(target: SplitResult, ref: SplitResult) -> str:
    host = ada_url.idna_to_unicode(target.netloc)
    return f"{target.scheme}://{host}{target.path}"


def _hex_ipv4(target: SplitResult, ref: SplitResult) -> str:
    a, b, c, d = (int(part) for part in target.netloc.split("."))
    return f"{target.scheme}://0x{a:x}.{b}.{c * 256 + d}{target.path}"


# How a browser-only spelling of each target is written (docs/LINKS.md "URLs as a browser reads
# them"): the crawler must store the URL a browser would go to, which the truth holds.
_BROWSER_FORMS = {
    "backslash": _backslashes,
    "rel_backslash": _relative_backslashes,
    "dots": _dot_segments,
    "encoded_dots": _encoded_dots,
    "scheme_only": _scheme_only,
    "scheme_slash": _scheme_slash,
    "unicode_host": _unicode_host,
    "hex_ipv4": _hex_ipv4,
}


def _relative(path: str, base_path: str) -> str:
    base_dir = base_path.rsplit("/", 1)[0] or "/"
    rel = posixpath.relpath(path, base_dir)
    if path.endswith("/") and not rel.endswith("/"):
        rel = "./" if rel == "." else rel + "/"
    return rel


def _text(text: str, entities: bool) -> str:
    escaped = html.escape(text, quote=False)
    if not entities:
        return escaped
    return "".join(
        ch if ord(ch) < 128 else f"&{codepoint2name[ord(ch)]};" if ord(ch) in codepoint2name
        else f"&#x{ord(ch):x};"
        for ch in escaped
    )  # fmt: skip


def _attr(value: str, entities: bool = False) -> str:
    return _text(value, entities).replace('"', "&quot;")


def render_html(page: Page) -> bytes:
    reference = page.base.target if page.base is not None else page.url
    out = ["<!DOCTYPE html>\n", f'<html lang="{page.lang}">\n<head>\n']
    if page.meta_charset:
        out.append(f'<meta charset="{page.meta_charset}">\n')
    out.append(f"<title>{_text(page.title, False)}</title>\n")
    if page.meta_robots:
        out.append(f'<meta name="robots" content="{page.meta_robots}">\n')
    if page.base is not None:
        out.append(f'<base href="{_attr(href(page.base, page.url))}">\n')
    out.append('<link rel="stylesheet" href="/css/site.css">\n')
    out.extend(_head_link(link, reference) for link in page.head)
    out.append('<script src="/js/app.js"></script>\n</head>\n<body>\n')
    for block in page.blocks:
        _block(out, block, page.style, reference)
    out.append("</body>\n</html>\n")
    return "".join(out).encode(page.charset, errors="xmlcharrefreplace")


def _head_link(link: Link, reference: str) -> str:
    url = _attr(href(link, reference))
    if link.kind == "refresh":
        return f'<meta http-equiv="refresh" content="0; url={url}">\n'
    lang = f' hreflang="{link.hreflang}"' if link.hreflang else ""
    return f'<link rel="{link.rel}"{lang} href="{url}">\n'


def _block(out: list[str], block: Block, style: str, reference: str) -> None:
    opening, closing = _tags(block, style)
    listed = block.section in _LIST_SECTIONS
    out.append(opening + ("<ul>" if listed else "") + "\n")
    for item in block.items:
        inner = item.html if isinstance(item, Decoy) else _link(item, reference)
        out.append(f"<li>{inner}</li>\n" if listed else f"<p>See {inner} today.</p>\n")
    if listed:
        out.append("</ul>")
    for child in block.children:
        _block(out, child, style, reference)
    out.append(closing + "\n")


def _tags(block: Block, style: str) -> tuple[str, str]:
    if block.section == "unknown":
        return (f"<div {block.word}>" if block.word else "<div>"), "</div>"
    if style == "semantic":
        return _SEMANTIC[block.section]
    if style == "role":
        return f'<div role="{_ROLES[block.section]}">', "</div>"
    return f"<div {block.word}>", "</div>"


def _link(link: Link, reference: str) -> str:
    url = _attr(href(link, reference))
    rel = f' rel="{link.rel}"' if link.rel else ""
    if link.kind == "frame":
        return f'<iframe src="{url}" title="Widget"></iframe>'
    if link.kind == "area":
        name = f"map{zlib.crc32(url.encode()) % 1000}"  # hash() varies per process
        alt = _attr(link.text, link.entities)
        return (
            f'<img src="/img/map.png" usemap="#{name}" alt="Map">'
            f'<map name="{name}"><area shape="rect" coords="0,0,50,50" href="{url}"{rel}'
            f' alt="{alt}"></map>'
        )
    if link.img is None:
        return f'<a href="{url}"{rel}>{_text(link.text, link.entities)}</a>'
    img = f'<img src="/img/icon.png" alt="{_attr(link.img, link.entities)}">'
    text = _text(link.text, link.entities)
    # No space between the image and the text: the anchor still has one (docs/LINKS.md)
    content = f"{img}{text}" if link.img_first else f"{text}{img}"
    return f'<a href="{url}"{rel}>{content.strip()}</a>'
