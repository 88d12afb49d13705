"""The pages of one site: home, section hubs, content pages and the special pages of its features.

Deterministic from (web seed, site index). Content page URLs are a pure function of the site and
the page number, so other sites can link to them without building this site.

    >>> from crawler.testweb.model import build_web
    >>> web = build_web(sites=2, pages_per_site=30, seed=1)
    >>> pages = build_site(web, web.sites[0])
    >>> pages[web.sites[0].home].title.startswith(web.sites[0].name)
    True
"""

from __future__ import annotations

import random
import struct
import zlib
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from crawler.testweb.browser import browser_links
from crawler.testweb.names import OUTSIDE, Site
from crawler.testweb.pages import HTML_UTF8, Block, Decoy, Link, Page

if TYPE_CHECKING:
    from crawler.testweb.model import Web

T = TypeVar("T")

SPECIAL_SLOTS = 24  # pages_per_site covers about this many special pages plus the content pages
DIRS = ("blog", "products", "news", "guides", "recipes", "reviews", "shop", "journal", "events")
SLUGS = (
    "spring-sale", "how-to-start", "best-of-the-year", "buying-guide", "our-story",
    "team-update", "weekend-tips", "price-list", "new-arrivals", "care-instructions",
    "behind-the-scenes", "customer-stories", "faq", "size-chart", "gift-ideas", "workshop",
    "field-notes", "press-release", "shipping", "returns", "summer-menu", "top-ten",
)  # fmt: skip
ASCII_TEXTS = (
    "Read more", "Our story", "Spring sale", "How to start", "Best of the year", "Tips & Tricks",
    "Compare prices", "Latest news", "Learn more", "Shop now", "Size chart", "Gift ideas",
    "Customer stories", "Field notes", "Price <list>",
)  # fmt: skip
LATIN1_TEXTS = (
    "Café crème",
    "Über uns",
    "Größe & Preis",
    "Señor García",
    "Crème brûlée",
    "Smørrebrød",
)
CP1252_TEXTS = ("Preis 5 €", "Tipps \u2013 Tricks", "“Quoted” title", "Œuvres complètes")
UTF8_TEXTS = ("日本語ガイド", "Ελληνικά νέα", "Zürich über alles", "Москва сегодня", "Dziękujemy")
RELS_ANY = (
    "", "", "", "", "nofollow", "ugc", "sponsored", "noopener", "noreferrer", "external",
    "noopener noreferrer", "NoFollow UGC", "sponsored nofollow", "nofollow NOFOLLOW",
    "External NoOpener",
)  # fmt: skip
RELS_FOLLOW = ("", "", "", "noopener", "noreferrer", "external", "noopener noreferrer", "External")
RELS_COMMENT = ("ugc", "nofollow ugc", "NoFollow UGC", "ugc nofollow noopener")
RELS_AD = ("sponsored", "sponsored nofollow", "Sponsored", "nofollow sponsored noopener")
LOCAL_FORMS = ("root", "root", "root", "rel", "abs", "proto", "loud")
REMOTE_FORMS = ("abs", "abs", "proto", "loud")
DECOYS = (
    '<a href="#top">Back to top</a>',
    '<a href="javascript:void(0)">Open menu</a>',
    '<a href="JavaScript:history.back()">Back</a>',
    '<a href="mailto:Info@{upper}?subject=Hello%20there">Write to us</a>',
    '<a href="tel:+441632960000">Call us</a>',
    '<a href="data:text/plain,hello">Data</a>',
    '<a href="">Empty</a>',
    '<a href="  ">Blank</a>',
    '<a name="anchor">Named anchor</a>',
    '<a href="about:blank">Blank page</a>',
    '<a href="vbscript:msgbox(1)">Old script</a>',
    '<a href="ftp://ftp.{domain}/pub/">Archive</a>',
    '<img src="/img/photo.jpg" alt="A photo">',
    "<span>Visit http://{domain}/not-a-link.html in text only.</span>",
)
SECTION_WORDS = {
    "header": ("header", "masthead", "banner", "topbar"),
    "nav": ("nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs"),
    "main": ("content", "main", "article", "post", "entry"),
    "aside": ("sidebar", "aside", "widget", "related"),
    "footer": ("footer", "colophon"),
    "comment": ("comment", "comments", "respond", "discussion"),
}
NEUTRAL_CLASSES = ("col", "box", "wrap", "inner", "row")  # hold no landmark word
PDF_BODY = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n(http://example.org/in-pdf)\n%%EOF\n"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# A 1x1 grey PNG whose text chunk holds markup: a crawler that parsed it as HTML would find a
# link (to a page the web does not have), and the crawl would no longer match the truth.
PNG_BODY = b"".join(
    (
        b"\x89PNG\r\n\x1a\n",
        _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)),
        _png_chunk(b"tEXt", b'Comment\x00<a href="/files/in-image.html">not a link</a>'),
        _png_chunk(b"IDAT", zlib.compress(b"\x00\x80")),
        _png_chunk(b"IEND", b""),
    )
)
OCTET_STREAM = "application/octet-stream"
FOOTER = 'id="footer"'  # a footer block's word where no random one is drawn


def content_count(pages_per_site: int) -> int:
    """How many content pages each site has (the rest of the budget goes to special pages)."""
    return max(3, pages_per_site - SPECIAL_SLOTS)


def site_dirs(site: Site) -> tuple[str, str]:
    first = DIRS[site.index % len(DIRS)]
    return first, DIRS[(site.index + 4) % len(DIRS)] if site.index % 4 else first + "-archive"


def content_url(site: Site, number: int) -> str:
    """The URL of content page `number` of `site` (a pure function: other sites link to it)."""
    dirs = site_dirs(site)
    slug = SLUGS[(number * 7 + site.index * 3) % len(SLUGS)]
    tail = f"{slug}-{number}/" if site.index % 3 == 1 else f"{slug}-{number}.html"
    return f"http://{site.host}/{dirs[number % 2]}/{tail}"


def build_site(web: Web, site: Site) -> dict[str, Page]:
    """Every modeled page of `site`, keyed by canonical URL."""
    return _SiteBuilder(web, site).build()


class _SiteBuilder:
    def __init__(self, web: Web, site: Site) -> None:
        self.web = web
        self.site = site
        self.rng = random.Random(f"linkgraph-testweb:site:{web.seed}:{site.index}")
        self.count = content_count(web.pages_per_site)
        self.home = site.home
        self.contents = [content_url(site, n) for n in range(self.count)]
        self.hubs = [self.url(f"/{d}/") for d in site_dirs(site)]
        self.pages: dict[str, Page] = {}
        # Links to special pages, placed on home or content pages: url -> [(section, item)].
        self.extras: dict[str, list[tuple[str, Link | Decoy]]] = defaultdict(list)

    def build(self) -> dict[str, Page]:
        for feature in sorted(self.site.features):
            method = getattr(self, f"_special_{feature}", None)
            if method is not None:
                method()
        for hub in self.hubs:
            self._hub(hub)
        self._home()
        for number, url in enumerate(self.contents):
            self._content(number, url)
        return self.pages

    # -- helpers --------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"http://{self.site.host}{path}"

    def pick(self, seq: Sequence[T]) -> T:
        """rng.choice, about twice as fast (the generator makes millions of picks at scale)."""
        return seq[int(self.rng.random() * len(seq))]

    def any_content(self) -> str:
        return self.pick(self.contents)

    def text(self) -> str:
        rng, charset = self.rng, self.site.charset
        pool: tuple[str, ...] = ASCII_TEXTS
        if rng.random() < 0.25:
            pool = LATIN1_TEXTS
            if charset != "iso-8859-1":
                pool += CP1252_TEXTS
            if charset == "utf-8":
                pool += UTF8_TEXTS
        text = self.pick(pool)
        if rng.random() < 0.1:  # whitespace the anchor must fold away
            text = f"\n   {text.replace(' ', '  ')}\t "
        return text

    def a(self, target: str, *, text: str | None = None, rel: str = "", form: str = "") -> Link:
        local = target.startswith(f"http://{self.site.host}/")
        text = self.text() if text is None else text
        img, img_first = None, True
        roll = self.rng.random()
        if roll < 0.08:
            img, text = text, ""
        elif roll < 0.12:
            img, img_first = "icon", self.rng.random() < 0.5
        return Link(
            kind="a",
            target=target,
            form=form or self.pick(LOCAL_FORMS if local else REMOTE_FORMS),
            text=text,
            rel=rel,
            img=img,
            img_first=img_first,
            entities=self.rng.random() < 0.3,
        )

    def local_a(self, target: str, text: str | None = None) -> Link:
        return self.a(target, text=text, rel=self.pick(RELS_FOLLOW))

    def cross_site(self, rels: tuple[str, ...] = RELS_ANY) -> Link:
        other = self.web.popular_site(self.rng, self.site.index)
        roll = self.rng.random()
        if roll < 0.3:
            target = other.home
        elif roll < 0.35:  # a broken backlink: the page does not exist (404)
            target = (
                f"http://{other.host}/{site_dirs(other)[0]}/retired-{self.rng.randrange(9)}.html"
            )
        else:
            target = content_url(other, self.rng.randrange(self.count))
        return self.a(target, rel=self.pick(rels))

    def outside(self, rel: str = "") -> Link:
        domain = self.pick(OUTSIDE)
        host = self.pick(("www.", "", "en.")) + domain
        scheme = self.pick(("http", "https"))
        target = f"{scheme}://{host}/{self.pick(SLUGS)}"
        return self.a(target, rel=rel or self.pick(RELS_ANY), form="abs")

    def decoy(self) -> Decoy:
        domain = self.site.domain
        html = self.pick(DECOYS).format(domain=domain, upper=domain.upper())
        return Decoy(html, (f"Info@{domain}",) if "mailto:" in html else ())

    def block(self, section: str, items: list[Link | Decoy] | None = None) -> Block:
        words = SECTION_WORDS.get(section)
        if words is None:
            word = f'class="{self.pick(NEUTRAL_CLASSES)}"' if self.rng.random() < 0.5 else ""
        else:
            word = self.pick(words)
            if self.rng.random() < 0.2:
                word = word.capitalize()
            if self.rng.random() < 0.3:
                word = f'class="{self.pick(NEUTRAL_CLASSES)} {word}"'
            else:
                word = f'{self.pick(("id", "class"))}="{word}"'
        return Block(section, list(items or []), word=word)

    def place(self, item: Link | Decoy, section: str = "") -> None:
        host = self.pick([self.home, *self.contents])
        self.extras[host].append((section or self.pick(("main", "aside", "footer")), item))

    def html_page(self, url: str, title: str, **fields: object) -> Page:
        charset = self.site.charset
        content_type = {"utf-8": HTML_UTF8, "iso-8859-1": "text/html; charset=ISO-8859-1"}
        page = Page(
            url=url,
            title=f"{self.site.name} \N{EN DASH} {title}",
            charset=charset,
            content_type=content_type.get(charset, "text/html"),
            meta_charset="" if charset == "iso-8859-1" else charset,
            style=self.site.style,
        )
        for name, value in fields.items():
            setattr(page, name, value)
        self.pages[url] = page
        return page

    def simple_page(self, url: str, title: str, links: list[Link], **fields: object) -> Page:
        main = self.block("main", [*links, self.decoy()])
        footer = self.block("footer", [self.local_a(self.home, "Home")])
        return self.html_page(url, title, blocks=[main, footer], **fields)

    def redirect(self, url: str, status: int, target: str, form: str) -> None:
        link = Link(kind="redirect", target=target, form=form)
        self.pages[url] = Page(url=url, status=status, redirect=link, title="Moved")

    def canonical(self, target: str) -> Link:
        rel = "Canonical" if self.rng.random() < 0.2 else "canonical"
        return Link(kind="canonical", target=target, rel=rel, form=self.pick(LOCAL_FORMS))

    # -- ordinary pages -------------------------------------------------------------------------

    def _home(self) -> None:
        site = self.site
        head = [self.canonical(self.home)] if self.rng.random() < 0.7 else []
        if "alternate" in site.features:
            head += [
                Link(kind="alternate", target=self.home, rel="alternate", hreflang="en"),
                Link(kind="alternate", target=self.url("/de/"), rel="alternate", hreflang="de"),
                Link(kind="alternate", target=self.home, rel="Alternate", hreflang="x-default"),
            ]
        logo = Link(kind="a", target=self.home, form="root", img=site.name)
        header = self.block("header", [logo])
        nav = self.block("nav", [self.local_a(hub, d.capitalize()) for hub, d in self._hub_names()])
        featured = [self.local_a(url) for url in self.contents[:5]]
        main = self.block("main", [*featured, self.cross_site(), self.cross_site(), self.decoy()])
        aside = self.block("aside", [self.cross_site(RELS_AD)])
        unknown = self.block("unknown", [self.local_a(self.any_content()), self.decoy()])
        footer = self.block("footer", [self.local_a(self.contents[0], "About"), self.outside()])
        blocks = self._with_extras(self.home, [header, nav, main, aside, unknown, footer])
        self.html_page(self.home, "Home", head=head, blocks=blocks)

    def _hub_names(self) -> list[tuple[str, str]]:
        return list(zip(self.hubs, site_dirs(self.site), strict=True))

    def _hub(self, hub: str) -> None:
        members = [url for url in self.contents if url.startswith(hub)]
        crumbs = self.block("nav", [self.local_a(self.home, "Home")])
        main = self.block("main", [self.local_a(url) for url in members])
        footer = self.block("footer", [self.local_a(self.home, "Home")])
        self.html_page(hub, "Section", head=[self.canonical(hub)], blocks=[crumbs, main, footer])

    def _content(self, number: int, url: str) -> None:
        rng = self.rng
        head = [self.canonical(url)] if rng.random() < 0.8 else []
        logo = Link(kind="a", target=self.home, form="root", img=self.site.name)
        header = self.block("header", [logo, self.local_a(self.hubs[number % 2])])
        nav = self.block("nav", [self.local_a(hub, d.capitalize()) for hub, d in self._hub_names()])
        nav.items += [self.local_a(self.any_content()), self.local_a(self.any_content())]
        following = self.contents[(number + 1) % self.count]
        main_items: list[Link | Decoy] = [self.local_a(following, "Next"), self.local_a(url)]
        main_items += [self.cross_site() for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.4:
            main_items.append(self.outside())
        main_items.insert(rng.randrange(len(main_items) + 1), self.decoy())
        main = self.block("main", main_items)
        if rng.random() < 0.4:
            comments = [self.cross_site(RELS_COMMENT) for _ in range(rng.randint(1, 3))]
            main.children.append(self.block("comment", [*comments, self.outside("ugc")]))
        aside = self.block("aside", [self.local_a(self.any_content(), "Related")])
        if rng.random() < 0.5:
            aside.items.append(self.cross_site(RELS_AD))
        unknown = self.block("unknown", [self.local_a(self.any_content()), self.decoy()])
        footer = self.block("footer", [self.local_a(self.home, "Home")])
        footer.items.append(self.outside("external noopener"))
        blocks = self._with_extras(url, [header, nav, main, aside, unknown, footer])
        self.html_page(url, f"Page {number}", head=head, blocks=blocks)

    def _with_extras(self, url: str, blocks: list[Block]) -> list[Block]:
        by_section = {block.section: block for block in blocks}
        for section, item in self.extras.get(url, ()):
            by_section[section].items.append(item)
        return blocks

    # -- special pages, one method per feature --------------------------------------------------

    def _special_redirect301(self) -> None:
        url = self.url("/old-page.html")
        self.redirect(url, 301, self.any_content(), "abs")
        self.place(self.local_a(url, "Old page"))

    def _special_redirect302(self) -> None:
        url = self.url("/go/latest")
        self.redirect(url, 302, self.any_content(), "root")
        self.place(self.local_a(url, "Latest"))

    def _special_chain(self) -> None:
        start, middle = self.url("/chain/start"), self.url("/chain/middle")
        self.redirect(start, 301, middle, "root")
        self.redirect(middle, 302, self.any_content(), "abs")
        self.place(self.local_a(start, "Moved twice"))

    def _special_gone410(self) -> None:
        url, notes = self.url("/discontinued.html"), self.url("/archive/gone-notes.html")
        # A 410 body is not parsed, so the page it links to is never fetched.
        self.simple_page(url, "Gone", [self.local_a(notes, "Notes")], status=410)
        self.simple_page(notes, "Notes", [self.local_a(self.home, "Home")])
        self.place(self.local_a(url, "Discontinued"))

    def _special_missing404(self) -> None:
        self.place(self.local_a(self.url("/no-such-page.html"), "Broken link"))

    def _special_error500(self) -> None:
        url = self.url("/broken.html")
        self.simple_page(url, "Error", [self.local_a(self.home, "Home")], status=500)
        self.place(self.local_a(url, "Flaky page"))

    def _special_refresh(self) -> None:
        url = self.url("/refresh.html")
        refresh = Link(kind="refresh", target=self.any_content(), form=self.pick(LOCAL_FORMS))
        self.simple_page(url, "Refresh", [self.local_a(self.home, "Home")], head=[refresh])
        self.place(self.local_a(url, "Refreshing"))

    def _special_meta_nofollow(self) -> None:
        url, hidden = self.url("/partners.html"), self.url("/archive/partners-2019.html")
        links = [self.local_a(hidden, "Partners 2019"), self.cross_site()]
        self.simple_page(url, "Partners", links, meta_robots="noindex, nofollow")
        self.simple_page(hidden, "Old partners", [self.local_a(self.home, "Home")])
        self.place(self.local_a(url, "Partners"))

    def _special_x_robots(self) -> None:
        url, hidden = self.url("/press.html"), self.url("/archive/press-kit.html")
        links = [self.local_a(hidden, "Press kit"), self.cross_site()]
        self.simple_page(url, "Press", links, x_robots_tag="nofollow")
        self.simple_page(hidden, "Press kit", [self.local_a(self.home, "Home")])
        self.place(self.local_a(url, "Press"))

    def _special_variant(self) -> None:
        clean = self.any_content()
        url = clean + "?ref=x"
        canonical = Link(kind="canonical", target=clean, rel="canonical", form="abs")
        self.simple_page(url, "Tracked", [self.local_a(self.home, "Home")], head=[canonical])
        self.place(self.local_a(url, "Tracked link"))

    def _special_alternate(self) -> None:
        url = self.url("/de/")
        head = [
            Link(kind="alternate", target=self.home, rel="alternate", hreflang="en"),
            Link(kind="alternate", target=url, rel="alternate", hreflang="de"),
        ]
        self.simple_page(url, "Startseite", [self.local_a(self.home, "English")], head=head)
        self.pages[url].lang = "de"

    def _special_pdf(self) -> None:
        url = self.url("/files/brochure.pdf")
        self.pages[url] = Page(url=url, content_type="application/pdf", raw=PDF_BODY)
        self.place(self.local_a(url, "Brochure (PDF)"))

    def _special_sniffed(self) -> None:
        """Files whose Content-Type says nothing, so the crawler sniffs their bodies
        (crawler/guard/mime.py): HTML served as octet-stream, HTML served with no Content-Type
        (both carry their charset in <meta>, the header being gone), and a PNG as octet-stream.
        The notes page is linked only from the octet-stream page: reached only if its links are.
        """
        octet, untyped = self.url("/files/page.bin"), self.url("/files/untyped")
        notes, image = self.url("/files/notes.html"), self.url("/files/logo.png")
        charset = self.site.charset
        links = [self.local_a(notes, "Notes"), self.cross_site()]
        self.simple_page(octet, "Download", links, content_type=OCTET_STREAM, meta_charset=charset)
        home = [self.local_a(self.home, "Home")]
        self.simple_page(untyped, "Untyped", home, content_type="", meta_charset=charset)
        self.simple_page(notes, "Notes", [self.local_a(self.home, "Home")])
        self.pages[image] = Page(url=image, content_type=OCTET_STREAM, raw=PNG_BODY)
        self.place(self.local_a(octet, "Download"))
        self.place(self.local_a(untyped, "No type"))
        self.place(self.local_a(image, "Logo"))

    def _special_private(self) -> None:
        url = self.url("/private/report.html")
        self.simple_page(url, "Private", [self.local_a(self.home, "Home")])
        self.place(self.local_a(url, "Report"))

    def _special_frame(self) -> None:
        url = self.url("/widgets/frame.html")
        self.simple_page(url, "Widget", [self.cross_site()])
        self.place(Link(kind="frame", target=url, form=self.pick(LOCAL_FORMS)), "main")

    def _special_base(self) -> None:
        url = self.url("/guides/start.html")
        base = Link(kind="base", target=self.url("/docs/"), form=self.pick(("abs", "root")))
        docs = [self.url("/docs/intro.html"), self.url("/docs/setup.html")]
        links = [self.a(doc, form="rel") for doc in docs]
        links += [self.a(self.any_content(), form="rel"), self.a(self.home, form="rel")]
        links.append(self.a(self.any_content(), form="root"))
        self.simple_page(url, "Start here", links, base=base)
        for doc in docs:
            self.simple_page(doc, "Docs", [self.local_a(self.home, "Home")])
        self.place(self.local_a(url, "Start here"))

    def _special_search(self) -> None:
        url = self.url("/search?q=garden+tools&page=2&sort=new")
        self.simple_page(url, "Search", [self.local_a(self.any_content()) for _ in range(3)])
        self.place(self.local_a(url, "Search results"))

    def _special_trap(self) -> None:
        url = self.url("/members/login.html")
        self.simple_page(url, "Members", [self.local_a(self.home, "Home")])
        for _ in range(2):
            self.place(self.a(url, text="Log in", rel=self.pick(("nofollow", "NoFollow UGC"))))

    def _special_area(self) -> None:
        for rel in ("", "nofollow"):
            area = Link(kind="area", target=self.any_content(), text="Map region", rel=rel)
            self.place(area, "main")

    def _special_iri(self) -> None:
        self._browser_urls()
        if self.site.charset != "utf-8":
            return
        url = self.url("/st%C3%A4dte/z%C3%BCrich%20guide.html")
        self.simple_page(url, "Zürich", [self.local_a(self.home, "Home")])
        self.place(self.a(url, text="Städte: Zürich", rel="", form="iri"))

    def _browser_urls(self) -> None:
        """A page of the hrefs only a WHATWG parser reads right (crawler.testweb.browser),
        built and linked without the site's random draws: the rest of the site is as before."""
        url = self.url("/urls/browser.html")
        home = Link("a", self.home, form="root", text="Home")
        main = Block("main", browser_links(self.contents), word='id="content"')
        self.html_page(url, "Browser URLs", blocks=[main, Block("footer", [home], word=FOOTER)])
        self.extras[self.home].append(("footer", Link("a", url, form="root", text="URLs")))
