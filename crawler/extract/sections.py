"""Where on a page a link sits: its section (docs/LINKS.md) and compact DOM path.

The innermost enclosing landmark decides. An element's landmark comes from its tag, its ARIA
role and the whole words of its class and id (split on anything not a letter or digit); when one
element gives several, the most specific wins: comment, nav, aside, footer, header, then main
(so `class="post-footer"` is footer and `class="comment-content"` is comment). The tables and
the rule itself live in crawler.extract.rules, which the C walk reads too.

    >>> landmark("div", {"class": "site-nav main"})
    'nav'
    >>> landmark("article", {"class": "comment"})
    'comment'
"""

from __future__ import annotations

from collections.abc import Mapping

from selectolax.lexbor import LexborNode

from crawler.extract.rules import MAX_PATH_CHARS, ROOTS, TAG_SECTIONS, UNKNOWN, landmark_of


def landmark(tag: str, attrs: Mapping[str, str | None]) -> str | None:
    """The section an element opens, or None when it is not a landmark."""
    role, names, ident = attrs.get("role"), attrs.get("class"), attrs.get("id")
    if not (role or names or ident):
        return TAG_SECTIONS.get(tag)
    return landmark_of(tag, role, names, ident)


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
        mark = landmark(tag, attrs) if attrs else TAG_SECTIONS.get(tag)
        if mark is None:
            return path, parent[1], parent[2]
        if mark == "main":
            self.main_seen = True
        if tag in TAG_SECTIONS or attrs.get("role"):
            self.explicit.add(element.mem_id)
        return path, mark, element.mem_id
