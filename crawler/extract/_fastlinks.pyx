# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The extractor's per-element work at C speed: lexbor's DOM walked through raw node pointers.

`crawler.extract.extractor` hands over the parsed tree and its link elements (`LexborNode.mem_id` is the
address of lexbor's `lxb_dom_node_t`); this module climbs their ancestors for the dom_path and
landmark section (`crawler.extract.sections.Places`), reads anchors, and scores the page's blocks for
main content (`crawler.extract.maincontent.Article`), with the same rules, in the same order, as the pure
Python code, which it must match exactly (tests/unit/test_extract_fast.py). The tables,
constants and per-string rules (landmark words, Readability's class regexes) are read by their
public names from `crawler.extract.rules`, which the Python walk imports too: no private name
of a Python module crosses into C.

Lexbor is not linked in: its functions are looked up in selectolax's already loaded extension
(`dlopen(RTLD_NOLOAD)` + `dlsym`), and `lxb_dom_node_t` is read through a copy of its layout
(lexbor/dom/interfaces/node.h, as selectolax's lexbor.pxd declares it). `bind()` checks both
against selectolax's own answers on a probe page before anything is used; on any doubt the
import fails and `crawler.extract.extractor` keeps the pure Python path.

This file holds the binding, the records and the walk itself (`links`); the rest is included
by concern: _fastlinks_lexbor.pxi (lexbor's node layout, the C helpers), _fastlinks_dom.pxi
(node states, attributes, text measuring), _fastlinks_article.pxi (sections, main-content
scoring) and _fastlinks_scan.pxi (the byte scans before parsing: depth, UTF-8, transcoding).

    >>> bind(STATS, logger)  # done by crawler.extract.extractor on import, through crawler.speedups
"""

from libc.stdint cimport uint32_t, uint64_t, uintptr_t
from libc.stdlib cimport free, malloc, qsort, realloc
from libc.string cimport memchr, memcpy, memset
from cpython.ref cimport Py_DECREF, Py_INCREF, Py_XDECREF
from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject
from cpython.unicode cimport PyUnicode_DecodeASCII, PyUnicode_DecodeUTF8
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize

from crawler.extract cimport _fastnames as names_rules
from crawler.urls._fasturls cimport ascii_stripped, join_c
from crawler.extract._fastnames cimport UNKNOWN_ANSWER

import sys

include "_fastlinks_lexbor.pxi"

DEF ELEMENT = 1
DEF SMALL_TAGS = 256  # HTML elements of tag ids below 256 (lexbor's static ones)
# Their names, across pages: a static id names one tag (lexbor's own table), in every document.
cdef PyObject *HTML_TAGS[SMALL_TAGS]
# Node states are allocated in blocks of 64, 128, 256... (their addresses never move): a
# small page takes a few KB, not a block sized for large ones (malloc's big-chunk path).
DEF FIRST_BLOCK = 64
DEF MAX_BLOCKS = 40
DEF V_MAIN = 1  # content.MAIN, NAMED, CLEANED, OUTSIDE
DEF V_NAMED = 2
DEF V_CLEANED = 3
DEF V_OUTSIDE = 4
DEF LIKELY = 1
DEF UNLIKELY = 2
DEF ROLE = 0
DEF CLASS = 1
DEF IDENT = 2
DEF LINK_FIELDS = 18
DEF SECTION_FIELD = 5
DEF MEASURED_FROM = 256
DEF TEXT_NODE = 3

cdef uintptr_t TAG_TEXT = 0  # lexbor's tag ids, read from a probe page by bind()
cdef uintptr_t NS_HTML = 0
cdef uintptr_t TAG_A = 0, TAG_IMG = 0, TAG_P = 0, TAG_LI = 0, TAG_INPUT = 0
cdef uintptr_t TAG_OBJECT = 0, TAG_EMBED = 0, TAG_IFRAME = 0, TAG_MAIN = 0, TAG_ARTICLE = 0
cdef uintptr_t TAG_AREA = 0, TAG_FRAME = 0, TAG_LINK = 0, TAG_META = 0
cdef uintptr_t TAG_BASE = 0, TAG_TITLE = 0, TAG_HTML = 0
cdef unsigned char SCORED_TAG[SMALL_TAGS]  # by tag id: one of rules.SCORED
cdef unsigned char LINK_TAG[SMALL_TAGS]  # by tag id: one `Dom._link_element` looks at
cdef dict SPECIAL_NAMES = {}  # selectolax's names of non-element nodes by tag id
cdef bint BOUND = False

# The shared rules (crawler.extract.rules) and Python helpers, bound by bind().
cdef tuple NOT_LINK_SCHEMES = ()  # rules.NOT_LINK_SCHEMES as bytes
cdef object refresh_target, mailto_addresses, registrable_domain, OutLink, STATS, logger, DEBUG
cdef dict TAG_SCORE, TAGS_SECTION
cdef frozenset ROOTS, JUNK_ROLES, DROPPED_TAGS, CLEANED_TAGS, KEPT_TAGS, STOP
cdef object UNKNOWN
cdef Py_ssize_t MAX_PATH_CHARS, MIN_PARAGRAPH, ARTICLE_MIN_CHARS
cdef tuple MAIN_WORDS
cdef int MAIN_SECTION = -1
cdef double DIVISOR_OF[8]  # rules.LEVEL_DIVISORS
cdef Py_ssize_t DIVISOR_COUNT = 0
cdef object ABSENT = object()


def bind(stats, log):
    """Find lexbor in selectolax and check this module's view of its DOM, and read the rules of
    crawler.extract.rules; raise ImportError when anything disagrees (the caller then keeps the
    pure Python extractor). Links that are not links are counted in `stats` (a Counter) and
    logged at debug through `log`, as the Python walk does."""
    global BOUND, NS_HTML, TAG_TEXT, TAG_A, TAG_IMG, TAG_P, TAG_LI, TAG_INPUT, TAG_OBJECT, TAG_EMBED
    global TAG_IFRAME, SPECIAL_NAMES, TAG_MAIN, TAG_ARTICLE
    global TAG_AREA, TAG_FRAME, TAG_LINK, TAG_META, TAG_BASE, TAG_TITLE, TAG_HTML
    if BOUND:
        return
    import selectolax.lexbor as lexbor_module
    from selectolax.lexbor import LexborHTMLParser

    if lg_bind(lexbor_module.__file__.encode()) != 0:
        raise ImportError("lexbor's functions not found in selectolax's extension")
    SPECIAL_NAMES = dict(getattr(lexbor_module, "_TAG_TO_NAME", {}))
    probe = LexborHTMLParser(
        "<p id=i class='c d' data-x>caf\u00e9</p><img><li><input><object></object><embed>"
        "<iframe></iframe><a href=h>a</a><pre></pre><table><tr><td></td></tr></table><h2></h2><h3></h3><h4></h4>"
        "<h5></h5><h6></h6><main></main><article></article>"
    )
    cdef lg_node_t *p = <lg_node_t *> <uintptr_t> probe.css_first("p").mem_id
    cdef lg_node_t *text = p.first_child
    node = probe.css_first("p")
    if (
        p.type != ELEMENT
        or text == NULL
        or text.type != TEXT_NODE
        or text.parent != p
        or <uintptr_t> text != node.first_child.mem_id
        or <uintptr_t> p.parent != node.parent.mem_id
        or <uintptr_t> p.next != node.next.mem_id
    ):
        raise ImportError("lexbor's node layout differs from this module's")
    TAG_TEXT = text.local_name
    NS_HTML = p.ns
    ids = {}
    for found in probe.css(
        "p, img, li, input, object, embed, iframe, a, pre, td, h2, h3, h4, h5, h6, main, article"
    ):
        ids[found.tag] = (<lg_node_t *> <uintptr_t> found.mem_id).local_name
    TAG_A, TAG_IMG, TAG_P, TAG_LI = ids["a"], ids["img"], ids["p"], ids["li"]
    TAG_INPUT, TAG_OBJECT, TAG_EMBED, TAG_IFRAME = (
        ids["input"], ids["object"], ids["embed"], ids["iframe"]
    )
    TAG_MAIN, TAG_ARTICLE = ids["main"], ids["article"]
    # <frame> only parses inside a frameset; <link> and <meta> go to the head.
    for html, name in (
        ("<frameset><frame src=x></frameset>", "frame"),
        ("<link href=x><meta><base href=x><title>t</title><map><area href=x></map>",
         "link, meta, area, base, title, html"),
    ):
        for found in LexborHTMLParser(html).css(name):
            ids[found.tag] = (<lg_node_t *> <uintptr_t> found.mem_id).local_name
    TAG_AREA, TAG_FRAME, TAG_LINK, TAG_META = ids["area"], ids["frame"], ids["link"], ids["meta"]
    TAG_BASE, TAG_TITLE, TAG_HTML = ids["base"], ids["title"], ids["html"]
    for name in ("p", "pre", "td", "h2", "h3", "h4", "h5", "h6"):
        if ids[name] >= SMALL_TAGS:
            raise ImportError("lexbor's tag ids differ from this module's view")
        SCORED_TAG[ids[name]] = 1
    for name in ("meta", "a", "area", "link", "iframe", "frame", "base", "title", "html"):
        if ids[name] < SMALL_TAGS:  # else `_link_tag` lets every tag id that large through
            LINK_TAG[ids[name]] = 1
    dom = Dom()
    if (
        dom.text(p) != node.text()
        or dom.attr(p, b"class") != "c d"
        or dom.attr(p, b"data-x") is not None
        or dom.attr(p, b"nope") is not ABSENT
        or dom.tag(p) != "p"
        or dom.tag(text) != node.first_child.tag
        or dom.text_len(p) != 4
    ):
        raise ImportError("lexbor's answers differ from selectolax's")
    _bind_python(stats, log)
    BOUND = True


cdef void _bind_python(stats, log) except *:
    """Read the rules both walks share, by their public names in crawler.extract.rules."""
    global NOT_LINK_SCHEMES, MAIN_WORDS
    global refresh_target, registrable_domain, OutLink, STATS, logger, DEBUG, TAG_SCORE, TAGS_SECTION
    global mailto_addresses
    global ROOTS, JUNK_ROLES, DROPPED_TAGS, CLEANED_TAGS, KEPT_TAGS, STOP, UNKNOWN
    global MAX_PATH_CHARS, MIN_PARAGRAPH, ARTICLE_MIN_CHARS, MAIN_SECTION, DIVISOR_COUNT
    import logging

    from crawler import records
    from crawler.extract import rules
    from crawler.urls.canonical import registrable_domain as registrable

    from crawler.extract import _fastnames

    _fastnames.bind()
    TAGS_SECTION = rules.TAG_SECTIONS
    ROOTS = rules.ROOTS
    UNKNOWN = rules.UNKNOWN
    MAX_PATH_CHARS = rules.MAX_PATH_CHARS
    MAIN_WORDS = tuple(word.encode("ascii") for word in rules.main_words())
    MAIN_SECTION = names_rules.section_index("main")
    TAG_SCORE = rules.TAG_SCORE
    JUNK_ROLES = rules.JUNK_ROLES
    DROPPED_TAGS = rules.DROPPED_TAGS
    CLEANED_TAGS = rules.CLEANED_TAGS
    KEPT_TAGS = rules.KEPT_TAGS
    STOP = rules.STOP_TAGS
    MIN_PARAGRAPH = rules.MIN_PARAGRAPH
    ARTICLE_MIN_CHARS = rules.ARTICLE_MIN_CHARS
    divisors = rules.LEVEL_DIVISORS
    if len(divisors) > 8:
        raise ImportError("rules.LEVEL_DIVISORS: more levels than this module holds")
    for level, divisor in enumerate(divisors):
        DIVISOR_OF[level] = divisor
    DIVISOR_COUNT = len(divisors)
    NOT_LINK_SCHEMES = tuple(scheme.encode("ascii") for scheme in rules.NOT_LINK_SCHEMES)
    if any(scheme != scheme.lower() for scheme in NOT_LINK_SCHEMES):
        raise ImportError("rules.NOT_LINK_SCHEMES must be lower case")
    refresh_target = rules.refresh_target
    mailto_addresses = rules.mailto_addresses
    STATS = stats
    logger = log
    DEBUG = logging.DEBUG
    registrable_domain = registrable
    OutLink = records.OutLink
    _bind_records()


# OutLink's fields in order: `_new_link` fills them by position.
_LINK_FIELDS = (
    "src_url", "dst_url", "anchor", "rel", "kind", "section", "dom_path", "ordinal", "is_image",
    "hreflang", "src_host", "src_domain", "dst_host", "dst_domain", "is_external",
    "page_nofollow", "fetched_at", "crawl_id",
)  # fmt: skip
cdef object NOFOLLOW_DEFAULT, FETCHED_DEFAULT, CRAWL_DEFAULT  # the fields _new_link does not take


cdef void _bind_records() except *:
    """Check OutLink is the slotted dataclass `_new_link` knows, read its slots' offsets, and
    check a record made here equals one made by OutLink(...)."""
    global NOFOLLOW_DEFAULT, FETCHED_DEFAULT, CRAWL_DEFAULT
    import dataclasses
    import types

    fields = dataclasses.fields(OutLink)
    if (
        tuple(field.name for field in fields) != _LINK_FIELDS
        or OutLink.__new__ is not object.__new__
        or hasattr(OutLink, "__post_init__")
    ):
        raise ImportError("OutLink differs from the record this module makes")
    for index, field in enumerate(fields):
        descriptor = OutLink.__dict__.get(field.name)
        if type(descriptor) is not types.MemberDescriptorType or lg_link_slot(index, descriptor):
            raise ImportError(f"OutLink.{field.name} is not a plain slot")
    NOFOLLOW_DEFAULT, FETCHED_DEFAULT, CRAWL_DEFAULT = (field.default for field in fields[15:])
    values = ("s", "d", "a", ("r",), "a", "nav", "body>a", 3, True, "en", "h", "o", "i", "j", True)
    made = _new_link(
        values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7],
        values[8], values[9], values[10], values[11], values[12], values[13], values[14],
    )
    if made != OutLink(*values) or repr(made) != repr(OutLink(*values)):
        raise ImportError("OutLink records made here differ from OutLink(...)")
    _set_section(made, "main")
    if made.section != "main":
        raise ImportError("OutLink.section not set in place")


cdef object _new_link(
    src_url, dst_url, anchor, rel, kind, section, dom_path, ordinal, is_image, hreflang,
    src_host, src_domain, dst_host, dst_domain, is_external,
):
    """OutLink(src_url, ..., is_external) without the dataclass __init__'s Python frame."""
    cdef PyObject *values[LINK_FIELDS]
    values[0] = <PyObject *> src_url
    values[1] = <PyObject *> dst_url
    values[2] = <PyObject *> anchor
    values[3] = <PyObject *> rel
    values[4] = <PyObject *> kind
    values[5] = <PyObject *> section
    values[6] = <PyObject *> dom_path
    values[7] = <PyObject *> ordinal
    values[8] = <PyObject *> is_image
    values[9] = <PyObject *> hreflang
    values[10] = <PyObject *> src_host
    values[11] = <PyObject *> src_domain
    values[12] = <PyObject *> dst_host
    values[13] = <PyObject *> dst_domain
    values[14] = <PyObject *> is_external
    values[15] = <PyObject *> NOFOLLOW_DEFAULT
    values[16] = <PyObject *> FETCHED_DEFAULT
    values[17] = <PyObject *> CRAWL_DEFAULT
    return lg_link_new(OutLink, values)


cdef inline void _set_section(link, section):
    lg_link_set(link, SECTION_FIELD, section)


cdef inline lg_node_t *_ptr(object mem_id):
    return <lg_node_t *> <uintptr_t> mem_id


cdef inline object _key(lg_node_t *node):
    return <uintptr_t> node


include "_fastlinks_dom.pxi"


include "_fastlinks_article.pxi"


cdef class Hrefs:
    """`urls.Resolver.resolve` without a Python call per link when its memo, the C join of
    simple hrefs or the not-a-link test answer; anything else asks the resolver."""

    cdef object resolver
    cdef dict memo
    cdef str scheme, scheme_colon, origin, path, origin_path, origin_dir

    def __cinit__(self, resolver):
        self.resolver = resolver
        self.memo = resolver.memo
        self.scheme = resolver.scheme
        if self.scheme:
            self.scheme_colon = self.scheme + ":"
            self.origin, self.path = resolver.origin, resolver.path
            self.origin_path = self.origin + self.path
            self.origin_dir = self.origin + resolver.directory

    cdef object resolve(self, str href):
        cdef PyObject *known = PyDict_GetItem(self.memo, href)
        if known != NULL:
            return <object> known
        if self.scheme:
            found = join_c(
                href, self.scheme_colon, self.origin, self.path, self.origin_path,
                self.origin_dir,
            )
            if found is not None:
                self.memo[href] = found
                return found
        if _not_link(href):
            self.memo[href] = None
            return None
        return self.resolver.resolve(href)


cdef bint _not_link(str href) except -1:
    """What `urls.resolve` refuses before joining, for an ASCII href: empty once stripped, a
    fragment, or a scheme of rules.NOT_LINK_SCHEMES (any case). False when unsure (not ASCII)."""
    cdef Py_ssize_t size = 0, k
    cdef const unsigned char *prefix
    cdef const unsigned char *data = ascii_stripped(href, &size)
    if data == NULL:
        return False
    if size == 0 or data[0] == 35:  # "#"
        return True
    for scheme in NOT_LINK_SCHEMES:
        prefix = <bytes> scheme
        if size < len(<bytes> scheme):
            continue
        for k in range(len(<bytes> scheme)):
            if (data[k] + 32 if 65 <= data[k] <= 90 else data[k]) != prefix[k]:
                break
        else:
            return True
    return _other_scheme(data, size)


cdef bint _other_scheme(const unsigned char *data, Py_ssize_t size):
    """A scheme other than http(s) by urlsplit's rule (a letter, then letters, digits and
    "+-." up to the first ":"): urljoin keeps such an href as it is and canonicalize refuses
    it. Unsure (False) when the href holds a tab or newline, which urlsplit removes first."""
    cdef Py_ssize_t colon = -1, k
    for k in range(size):
        if data[k] == 9 or data[k] == 10 or data[k] == 13:
            return False
        if colon < 0 and data[k] == 58:  # ":"
            colon = k
    if colon <= 0 or not (97 <= (data[0] | 32) <= 122):  # an ASCII letter first
        return False
    for k in range(1, colon):
        if not SCHEME_CHARS[data[k]]:
            return False
    if colon == 4 or colon == 5:  # "http" or "https", any case, is a link's scheme
        if (data[0] | 32) == 104 and (data[1] | 32) == 116 and (data[2] | 32) == 116 \
                and (data[3] | 32) == 112 and (colon == 4 or (data[4] | 32) == 115):
            return False
    return True


cdef unsigned char SCHEME_CHARS[256]  # urllib.parse.scheme_chars
for _char in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.":
    SCHEME_CHARS[_char] = 1


cdef lg_node_t *_top(tree):
    """The document node above the tree's root element, or NULL for an empty tree."""
    root = tree.root
    if root is None:
        return NULL
    cdef lg_node_t *top = _ptr(root.mem_id)
    while top.parent != NULL:
        top = top.parent
    return top


def links(page):
    """extract._Page.links's loop and main-content pass: (links, robots contents). Same
    records, same order, as the pure Python loop."""
    cdef lg_node_t *top = _top(page.tree)
    if top == NULL:
        return [], []
    cdef Dom dom = Dom()
    cdef Places places = Places(dom)
    cdef NodeState *place
    facts = page.facts
    # One walk over the page finds the link elements and measures the text for the scoring.
    cdef list elements = []
    cdef list paragraphs = dom.measure(top, elements)
    dom.start_page(page, facts)  # the base, title and lang the walk found
    cdef Hrefs hrefs = Hrefs(page.resolver)
    src_url, src_host, src_domain = page.url, page.host, page.domain
    # Pages of docs hold thousands of "#..." hrefs: a debug call and a Counter update each
    # cost more than the rest of their handling.
    cdef bint debugging = logger.isEnabledFor(DEBUG)
    cdef Py_ssize_t not_links = 0
    cdef dict domains = {}
    cdef list in_body = []  # the a/area links in the body, and their parents:
    cdef lg_node_t **parents = NULL  # their sections are the main-content pass's to judge
    cdef Py_ssize_t parents_cap = 0
    cdef list robots = []
    cdef list out = []
    cdef Py_ssize_t cap = page.max_links or -1
    cdef Py_ssize_t over_cap = 0
    cdef Py_ssize_t memo_past_cap = page.memo_past_cap
    cdef list emails = []  # mailto: addresses, a fact of the page, not links
    cdef lg_node_t *node
    cdef lg_node_t *parent
    cdef bint is_image
    for key in elements:
        node = _ptr(key)
        tag = node_tag = dom.tag(node)
        hreflang = anchor = ""
        rel = ()
        is_image = False
        if tag == "a":
            href = dom.get(node, b"href")
            rel = dom.rel_tokens(node)
            is_image = _holds_image(node)
            anchor = dom.anchor_with_images(node) if is_image else dom.squeezed_text(node)
        elif tag == "area":
            href = dom.get(node, b"href")
            rel = dom.rel_tokens(node)
            anchor = " ".join((dom.get(node, b"alt") or "").split())
            is_image = True
        elif tag == "iframe" or tag == "frame":
            href = dom.get(node, b"src")
            tag = "frame"
        elif tag == "link":
            rel = dom.rel_tokens(node)
            href = dom.get(node, b"href")
            if "canonical" in rel:
                tag = "canonical"
            else:
                value = dom.get(node, b"hreflang")
                if "alternate" in rel and value is not None:
                    tag = "alternate"
                    hreflang = value.strip()
                else:
                    continue
        elif tag == "meta":
            if (dom.get(node, b"name") or "").strip().lower() == "robots":
                robots.append((dom.get(node, b"content") or "").strip().lower())
            if (dom.get(node, b"http-equiv") or "").strip().lower() != "refresh":
                continue
            href = refresh_target(dom.get(node, b"content"))
            tag = "refresh"
        else:
            continue
        resolved = hrefs.resolve(href) if href else None
        if resolved is None:
            not_links += 1
            if debugging:
                logger.debug("not a link on %s: %r", src_url, href)
            # Docs pages hold thousands of "#..." hrefs: no "@" (raw or %40), no address, no call.
            if (tag == "a" or tag == "area") and href and ("@" in href or "%" in href):
                emails.extend(mailto_addresses(href))
            continue
        dst, dst_host = resolved
        dst_domain = domains.get(dst_host)
        if dst_domain is None:
            dst_domain = domains[dst_host] = registrable_domain(dst_host)
        parent = node.parent
        if parent != NULL:
            place = places.of(parent)
            path, section = <str> place.path, _section(place.section)
        else:
            path, section = "", UNKNOWN
        if tag == "refresh":
            section = UNKNOWN
            facts.refresh_url = facts.refresh_url or dst
        elif tag == "canonical":
            facts.canonical = facts.canonical or dst
        if len(out) == cap:  # past the cap: the page's facts above still count
            over_cap += 1
            if len(hrefs.memo) > memo_past_cap:
                hrefs.memo.clear()
            continue
        link = _new_link(
            src_url,
            dst,
            anchor,
            rel,
            tag,
            section,
            f"{path}>{node_tag}" if path else "",
            len(out),
            True if is_image else False,
            hreflang,
            src_host,
            src_domain,
            dst_host,
            dst_domain,
            dst_domain != src_domain,
        )
        out.append(link)
        if (tag == "a" or tag == "area") and parent != NULL and _in_body(path):
            if len(in_body) == parents_cap:
                parents_cap = max(256, 2 * parents_cap)
                parents = <lg_node_t **> _grow(parents, parents_cap * sizeof(lg_node_t *))
            parents[len(in_body)] = parent
            in_body.append(link)
    if not_links:
        STATS["not_links"] += not_links
    if over_cap:
        facts.links_over_cap += over_cap
    if emails:
        facts.emails = list(dict.fromkeys(emails))
    try:
        if in_body:
            _main_content(dom, places, page.tree, in_body, parents, paragraphs)
    finally:
        free(parents)
    return out, robots


cdef inline bint _in_body(str path):
    """`path[:4] not in ("", "head")`, without the slice."""
    return len(path) > 0 and not path.startswith("head")


cdef void _main_content(
    Dom dom, Places places, tree, list in_body, lg_node_t **parents, list paragraphs
) except *:
    """Relabel the body's a/area links by the page's text (Article), once per parent."""
    cdef Article article = Article(dom, tree, places.main_seen, paragraphs)
    cdef NodeState *place
    cdef Py_ssize_t i
    if not article.blocks:
        return
    for i in range(len(in_body)):
        place = places.of(parents[i])
        if place.link_section == NULL:
            section = article.section(
                parents[i],
                _section(place.section),
                place.mark,
                place.mark != NULL and dom.find(place.mark).explicit,
            )
            Py_INCREF(section)
            place.link_section = <PyObject *> section
        _set_section(in_body[i], <object> place.link_section)


cdef bint _css_main_candidate(Dom dom, lg_node_t *node) except -1:
    """Whether `rules.MAIN_CANDIDATES` (a CSS net: tags, `[role~=main i]`, class or id
    holding a main word, ASCII case-insensitively) lets this element through. Read on the
    UTF-8 bytes: no byte of a non-ASCII character can take part in an ASCII match."""
    cdef Names names
    cdef int which
    if node.local_name == TAG_MAIN or node.local_name == TAG_ARTICLE:
        return True
    if not dom.has_attrs(node):
        return False
    dom.names_of(node, &names)
    if _has_token(&names, b"main") or _has_token(&names, b"article"):
        return True
    for which in (CLASS, IDENT):
        for word in MAIN_WORDS:
            if _ascii_contains(names.value[which], names.size[which], word):
                return True
    return False


cdef inline unsigned char _ascii_folded(unsigned char c) noexcept:
    return c + 32 if 65 <= c <= 90 else c


cdef bint _ascii_contains(const unsigned char *data, size_t size, bytes word):
    """`word` (lower case) in `data`, ASCII case folded."""
    cdef size_t length = len(word), i, k
    cdef const unsigned char *wanted = word
    if length > size:
        return False
    for i in range(size - length + 1):
        for k in range(length):
            if _ascii_folded(data[i + k]) != wanted[k]:
                break
        else:
            return True
    return False


cdef bint _has_token(Names *names, bytes word):
    """`[role~=word i]`: a token of the role (split on ASCII white space) is `word`, ASCII
    case folded."""
    cdef const unsigned char *role = names.value[ROLE]
    cdef Py_ssize_t size = names.size[ROLE], i = 0, start
    while i < size:
        start = names_rules.next_token(role, size, &i, CSS_SPACE)
        if i - start == len(word) and _ascii_contains(role + start, i - start, word):
            return True
    return False


cdef unsigned char CSS_SPACE[256]  # the white space of CSS's ~= (and HTML's)
for _space in b" \t\n\x0c\r":
    CSS_SPACE[_space] = 1


cdef bint _has_main_landmark(Dom dom, lg_node_t *body) except -1:
    """content.has_main_landmark: an element of the body that is a `main` landmark."""
    cdef lg_node_t *node = body
    while node != NULL:
        if node.type == ELEMENT and _css_main_candidate(dom, node):
            tag = dom.tag(node) or ""
            if tag not in ROOTS and _landmark_of(dom, node, tag) == "main":
                return True
        node = _following(node, body)
    return False


cdef object _landmark_of(Dom dom, lg_node_t *node, str tag):
    """sections.landmark(tag, node.attributes)."""
    if not dom.has_attrs(node):
        return TAGS_SECTION.get(tag)
    role = dom.get(node, b"role")
    names = dom.get(node, b"class")
    ident = dom.get(node, b"id")
    if not (role or names or ident):
        return TAGS_SECTION.get(tag)
    return names_rules.landmark(tag, role, names, ident)


include "_fastlinks_scan.pxi"
