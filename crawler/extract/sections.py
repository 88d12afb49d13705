"""Where on a page a link sits: its section (docs/LINKS.md) and compact DOM path.

The innermost enclosing landmark decides. An element's landmark comes from its tag, its ARIA
role and the whole words of its class and id (split on anything not a letter or digit); when one
element gives several, the most specific wins: comment, nav, aside, footer, header, then main
(so `class="post-footer"` is footer and `class="comment-content"` is comment).

    >>> landmark("div", {"class": "site-nav main"})
    'nav'
    >>> landmark("article", {"class": "comment"})
    'comment'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from selectolax.lexbor import LexborNode

UNKNOWN = "unknown"
_TAGS = {
    "header": "header",
    "nav": "nav",
    "main": "main",
    "article": "main",
    "aside": "aside",
    "footer": "footer",
}
_ROLES = {
    "banner": "header",
    "navigation": "nav",
    "main": "main",
    "article": "main",
    "complementary": "aside",
    "contentinfo": "footer",
    "comment": "comment",
}
_WORDS = {
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
_PRIORITY = {"comment": 0, "nav": 1, "aside": 2, "footer": 3, "header": 4, "main": 5}
_WORD = re.compile(r"[a-z0-9]+")
# Children of <html>: the roots of every dom_path; their own classes say nothing of a section
# (WordPress puts "post" on <body> of every article page).
ROOTS = frozenset(("body", "head", "frameset"))
MAX_PATH_CHARS = 1024


def landmark(tag: str, attrs: Mapping[str, str | None]) -> str | None:
    """The section an element opens, or None when it is not a landmark."""
    role, names, ident = attrs.get("role"), attrs.get("class"), attrs.get("id")
    if not (role or names or ident):
        return _TAGS.get(tag)
    return _landmark(tag, role, names, ident)


@lru_cache(maxsize=16384)
def _landmark(tag: str, role: str | None, names: str | None, ident: str | None) -> str | None:
    """Memoized: sites repeat the same few tag, role and class combinations everywhere."""
    found = []
    if tag in _TAGS:
        found.append(_TAGS[tag])
    if role:
        found.extend(_ROLES[r] for r in role.lower().split() if r in _ROLES)
    for value in (names, ident):
        if value:
            found.extend(_WORDS[w] for w in _WORD.findall(value.lower()) if w in _WORDS)
    if not found:
        return None
    return min(found, key=_PRIORITY.__getitem__)


def main_words() -> list[str]:
    """The class/id words that make an element a `main` landmark."""
    return sorted(word for word, section in _WORDS.items() if section == "main")


class Places:
    """Memoized (dom_path, section, landmark node id) of the elements that hold links.

    Each ancestor is looked at once per page, however many links it holds.
    """

    def __init__(self) -> None:
        self._memo: dict[int, tuple[str, str, int]] = {}
        self.explicit: set[int] = set()  # landmarks set by tag or role, not by class words
        self.main_seen = False  # some element looked at is a `main` landmark

    def of(self, node: LexborNode) -> tuple[str, str, int]:
        """(dom_path, section, id of the landmark element or 0) for an element."""
        memo = self._memo
        found = memo.get(node.mem_id)
        if found is not None:
            return found
        # Climb iteratively (deep DOMs must not hit the recursion limit), then fill downwards.
        chain = [node]
        parent_place = ("", UNKNOWN, 0)
        current = node.parent
        while current is not None:
            known = memo.get(current.mem_id)
            if known is not None:
                parent_place = known
                break
            chain.append(current)
            current = current.parent
        step = self._step
        for element in reversed(chain):
            parent_place = memo[element.mem_id] = step(element, parent_place)
        return parent_place

    def _step(self, element: LexborNode, parent: tuple[str, str, int]) -> tuple[str, str, int]:
        tag = element.tag or ""
        if tag in ROOTS:
            return tag, UNKNOWN, 0
        parent_path = parent[0]
        if not parent_path:  # <html> itself, or a node outside the document's root elements
            return "", UNKNOWN, 0
        path = f"{parent_path}>{tag}"
        if len(path) > MAX_PATH_CHARS:
            # Pathologically deep DOM: keep the root and the innermost tags, so that building
            # paths stays linear in depth instead of quadratic.
            root, _, rest = path.partition(">")
            path = f"{root}>…>{rest[len(rest) - MAX_PATH_CHARS // 2 :].partition('>')[2]}"
        if parent_path[:4] == "head":
            return path, UNKNOWN, 0
        attrs = element.attributes
        mark = landmark(tag, attrs) if attrs else _TAGS.get(tag)
        if mark is None:
            return path, parent[1], parent[2]
        if mark == "main":
            self.main_seen = True
        if tag in _TAGS or attrs.get("role"):
            self.explicit.add(element.mem_id)
        return path, mark, element.mem_id
