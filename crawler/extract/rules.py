"""The extraction rules, written once: the tables, tag sets, patterns and constants that both
walks read, the pure Python one (extractor, sections, maincontent) and the C one
(_fastlinks.pyx and _fastnames.pyx, which bind to these public names at import and check them).

Renaming or reshaping a name here is a change of the C boundary: the C walk's `bind()` then
refuses to load, and crawler.speedups says so at WARNING (the extractor keeps the Python walk).

    >>> landmark_of("div", None, "site-nav main", None)
    'nav'
    >>> name_weight("post-content"), unlikely_names("sidebar widget")
    (25, True)
    >>> refresh_target("5; url='/next'")
    '/next'
"""

from __future__ import annotations

import re
from functools import lru_cache

from crawler.extract.emails import mailto_addresses
from crawler.urls.canonical import NOT_LINK_SCHEMES

__all__ = [
    "ARTICLE_MIN_CHARS",
    "CLEANED_TAGS",
    "COUNTED",
    "DROPPED_TAGS",
    "JUNK_ROLES",
    "KEPT_TAGS",
    "LEVEL_DIVISORS",
    "LINK_SELECTOR",
    "MAIN_CANDIDATES",
    "MAX_PATH_CHARS",
    "MAYBE_NAMES",
    "MIN_PARAGRAPH",
    "NEGATIVE_NAMES",
    "NOT_LINK_SCHEMES",
    "POSITIVE_NAMES",
    "ROLE_SECTIONS",
    "ROOTS",
    "SCORED",
    "SECTION_PRIORITY",
    "STOP_TAGS",
    "TAG_SCORE",
    "TAG_SECTIONS",
    "UNKNOWN",
    "UNLIKELY_NAMES",
    "WORD",
    "WORD_SECTIONS",
    "NameRule",
    "landmark_of",
    "mailto_addresses",
    "main_words",
    "name_weight",
    "refresh_target",
    "rel_tokens",
    "unlikely_names",
]

# -- Sections (docs/LINKS.md): the landmark an element opens ------------------------------------

UNKNOWN = "unknown"
# By tag, by ARIA role token, by whole word of class or id (WORD's runs of a lowered value).
TAG_SECTIONS = {
    "header": "header",
    "nav": "nav",
    "main": "main",
    "article": "main",
    "aside": "aside",
    "footer": "footer",
}
ROLE_SECTIONS = {
    "banner": "header",
    "navigation": "nav",
    "main": "main",
    "article": "main",
    "complementary": "aside",
    "contentinfo": "footer",
    "comment": "comment",
}
WORD_SECTIONS = {
    "header": "header",
    "masthead": "header",
    "banner": "header",
    "topbar": "header",
    "nav": "nav",
    "navbar": "nav",
    "navigation": "nav",
    "menu": "nav",
    "breadcrumb": "nav",
    "breadcrumbs": "nav",
    "content": "main",
    "main": "main",
    "article": "main",
    "post": "main",
    "entry": "main",
    "sidebar": "aside",
    "aside": "aside",
    "widget": "aside",
    "related": "aside",
    "footer": "footer",
    "colophon": "footer",
    "comment": "comment",
    "comments": "comment",
    "respond": "comment",
    "discussion": "comment",
}
# When one element names several sections, the lowest number (the most specific) wins.
SECTION_PRIORITY = {"comment": 0, "nav": 1, "aside": 2, "footer": 3, "header": 4, "main": 5}
WORD = re.compile(r"[a-z0-9]+")
# Children of <html>: the roots of every dom_path; their own classes say nothing of a section
# (WordPress puts "post" on <body> of every article page).
ROOTS = frozenset(("body", "head", "frameset"))
MAX_PATH_CHARS = 1024


@lru_cache(maxsize=16384)
def landmark_of(tag: str, role: str | None, names: str | None, ident: str | None) -> str | None:
    """The section an element opens by its tag, role, class and id, or None. Memoized: sites
    repeat the same few tag, role and class combinations everywhere."""
    found = []
    if tag in TAG_SECTIONS:
        found.append(TAG_SECTIONS[tag])
    if role:
        found.extend(ROLE_SECTIONS[r] for r in role.lower().split() if r in ROLE_SECTIONS)
    for value in (names, ident):
        if value:
            found.extend(
                WORD_SECTIONS[w] for w in WORD.findall(value.lower()) if w in WORD_SECTIONS
            )
    if not found:
        return None
    return min(found, key=SECTION_PRIORITY.__getitem__)


def main_words() -> list[str]:
    """The class/id words that make an element a `main` landmark."""
    return sorted(word for word, section in WORD_SECTIONS.items() if section == "main")


# -- Main content: Readability's scoring and cleaning -------------------------------------------

SCORED = "p, pre, td, h2, h3, h4, h5, h6"  # the paragraphs whose text scores their ancestors
# Elements that may be a main landmark: a cheap CSS net, checked word by word after.
MAIN_CANDIDATES = ", ".join(
    ["main", "article", "[role~=main i]", "[role~=article i]"]
    + [f"[{name}*={word} i]" for name in ("class", "id") for word in main_words()]
)
TAG_SCORE = {
    "div": 5,
    "pre": 3,
    "td": 3,
    "blockquote": 3,
    "address": -3,
    "ol": -3,
    "ul": -3,
    "dl": -3,
    "dd": -3,
    "dt": -3,
    "li": -3,
    "form": -3,
    "h1": -5,
    "h2": -5,
    "h3": -5,
    "h4": -5,
    "h5": -5,
    "h6": -5,
    "th": -5,
}


class NameRule:
    """A case-insensitive regex over class and id names (lower-case literals), fast on ASCII.

    Lowering once and matching case-sensitively is ~4x faster than `re.I`, which folds every
    character for every branch; non-ASCII names keep `re.I`, whose Unicode folding (U+212A
    KELVIN SIGN ~ "k") `str.lower()` does not do. The C walk reads `folded.pattern`: it runs
    only `^?literal$?` alternatives and refuses to bind on anything else."""

    __slots__ = ("any_case", "folded")

    def __init__(self, pattern: str) -> None:
        self.folded = re.compile(pattern)
        self.any_case = re.compile(pattern, re.I)

    def search(self, value: str) -> bool:
        if value.isascii():
            return self.folded.search(value.lower()) is not None
        return self.any_case.search(value) is not None


NEGATIVE_NAMES = NameRule(
    r"-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|foot|footer|"
    r"footnote|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|"
    r"skyscraper|sponsor|shopping|tags|tool|widget|nav|menu|social|byline|author",
)
POSITIVE_NAMES = NameRule(
    r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story",
)
UNLIKELY_NAMES = NameRule(
    r"-ad-|ai2html|banner|breadcrumbs|combx|comment|community|cover-wrap|disqus|extra|footer|"
    r"gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|"
    r"sponsor|supplemental|ad-break|agegate|pagination|pager|popup|yom-remote",
)
MAYBE_NAMES = NameRule(r"and|article|body|column|content|main|mathjax|shadow")
STOP_TAGS = frozenset(("html", "head"))  # climbing stops there
KEPT_TAGS = frozenset(("a", "table", "code"))  # never dropped for their names
MIN_PARAGRAPH = 25  # characters: a shorter paragraph scores nothing
COUNTED = "p, img, li, input, object, embed, iframe"  # what conditional cleaning counts
LEVEL_DIVISORS = (1, 2, 6, 9, 12)  # Readability: a paragraph's points shared up 5 levels
ARTICLE_MIN_CHARS = 500  # Readability's charThreshold
JUNK_ROLES = frozenset(
    ("menu", "menubar", "complementary", "navigation", "alert", "alertdialog", "dialog")
)
DROPPED_TAGS = frozenset(("aside", "footer", "nav", "form", "fieldset", "button", "h1"))
CLEANED_TAGS = frozenset(("div", "section", "ul", "table", "form", "fieldset"))


@lru_cache(maxsize=8192)
def name_weight(value: str) -> int:
    """Readability's +-25 for a class or id value that sounds like content / boilerplate.
    Memoized: sites repeat the same class names on thousands of elements."""
    if not value:
        return 0
    return (25 if POSITIVE_NAMES.search(value) else 0) - (25 if NEGATIVE_NAMES.search(value) else 0)


@lru_cache(maxsize=8192)
def unlikely_names(names: str) -> bool:
    """Readability's first cut by names: `names` is "class id" of one element."""
    return bool(names.strip()) and UNLIKELY_NAMES.search(names) and not MAYBE_NAMES.search(names)


# -- Link elements ------------------------------------------------------------------------------

LINK_SELECTOR = "a[href], area[href], iframe[src], frame[src], link[href], meta"
_REFRESH = re.compile(r"""\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(['"]?)(.*)""", re.I | re.S)


def refresh_target(value: str | None) -> str:
    """The URL of a `<meta http-equiv=refresh>` content, or "" (a plain reload)."""
    match = _REFRESH.match(value or "")
    if match is None:
        return ""
    quote, target = match.groups()
    if quote and quote in target:
        target = target[: target.index(quote)]
    return target.strip()


def rel_tokens(value: str | None) -> tuple[str, ...]:
    """A rel value's tokens, lowered, in order, without repeats (the C walk's ASCII twin)."""
    if not value:
        return ()
    return tuple(dict.fromkeys(value.lower().split()))
