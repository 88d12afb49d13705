"""Main content on real pages: Readability-style text scoring on top of the landmark words.

Real pages wrap everything in `class="content"` and leave their article unmarked, so the
landmark words of docs/LINKS.md alone mislabel much of them. Here, as in Readability, blocks
are scored by the paragraphs they hold (text length, commas) less their link density; the best
block and its worthy siblings are the article, if they hold 500 characters of text
(Readability's threshold: a page of short link lines has no article). Then:
- explicit landmarks win: only on a page with no `main` landmark at all (no `<main>`,
  `<article>`, role main/article, nor a class/id main word) does an unlabeled link inside the
  article, or one labeled only by a wrapper around it, become `main`;
- a `main` link in a block named like boilerplate is `unknown`, and so is one labeled by class
  words only (not tag or role) that is outside the article or in a block Readability cleans.
On markup using exactly the contract's words (the simulated web) the labels are the contract's.
The tables, name patterns and thresholds live in crawler.extract.rules (the C walk reads them too).

    >>> from selectolax.lexbor import LexborHTMLParser
    >>> tree = LexborHTMLParser("<div><p>" + "Words, words and words. " * 25 + "</p></div>")
    >>> article_blocks(tree)[0].tag
    'div'
"""

from __future__ import annotations

from collections import Counter

from selectolax.lexbor import LexborHTMLParser, LexborNode

from crawler.extract.rules import (
    ARTICLE_MIN_CHARS,
    CLEANED_TAGS,
    COUNTED,
    DROPPED_TAGS,
    JUNK_ROLES,
    KEPT_TAGS,
    LEVEL_DIVISORS,
    MAIN_CANDIDATES,
    MIN_PARAGRAPH,
    ROOTS,
    SCORED,
    STOP_TAGS,
    TAG_SCORE,
    UNKNOWN,
    name_weight,
    unlikely_names,
)
from crawler.extract.sections import landmark

MAIN, NAMED, CLEANED, OUTSIDE = "main", "named", "cleaned", "outside"


def class_weight(node: LexborNode) -> int:
    """Readability's +-25 per class / id that sounds like content / boilerplate."""
    attrs = node.attrs
    return name_weight(attrs.get("class") or "") + name_weight(attrs.get("id") or "")


def link_density(node: LexborNode) -> float:
    """Share of a block's text that sits inside links."""
    text = len(node.text())
    if not text:
        return 0.0
    linked = sum(len(a.text()) for a in node.css("a"))
    return min(linked / text, 1.0)


def _candidates(tree: LexborHTMLParser) -> dict[int, list]:
    """Ancestor blocks of the page's paragraphs with Readability's content score.

    The 5 scored ancestors of a paragraph are its parent's: looked up once per parent."""
    scores: dict[int, list] = {}
    unlikely: dict[int, bool] = {}
    chains: dict[int, list[list]] = {}
    for para in tree.css(SCORED):
        text = para.text()  # lexbor's C text: cheaper than the ancestor walk, so first
        length = len(text.strip())
        if length < MIN_PARAGRAPH:
            continue
        parent = para.parent
        if parent is None or (para.tag not in KEPT_TAGS and _unlikely(para)):
            continue
        chain = chains.get(parent.mem_id)
        if chain is None:
            chain = chains[parent.mem_id] = _scored_ancestors(parent, scores, unlikely)
        points = 1 + text.count(",") + min(length // 100, 3)
        for entry, divisor in zip(chain, LEVEL_DIVISORS, strict=False):
            entry[1] += points / divisor
    return scores


def _scored_ancestors(parent: LexborNode, scores: dict[int, list], unlikely: dict) -> list[list]:
    """The score entries of `parent` and its next 4 ancestors (none under an unlikely block)."""
    if _under_unlikely(parent, unlikely):
        return []
    chain = []
    ancestor: LexborNode | None = parent
    for _ in LEVEL_DIVISORS:
        if ancestor is None or ancestor.tag in STOP_TAGS:
            break
        entry = scores.get(ancestor.mem_id)
        if entry is None:
            initial = TAG_SCORE.get(ancestor.tag or "", 0) + class_weight(ancestor)
            entry = scores[ancestor.mem_id] = [ancestor, float(initial)]
        chain.append(entry)
        ancestor = ancestor.parent
    return chain


def _unlikely(node: LexborNode) -> bool:
    """Readability's first cut: blocks whose names or roles say boilerplate."""
    attrs = node.attributes  # one dict: cheaper than three lookups through node.attrs
    if not attrs:
        return False
    role = attrs.get("role")
    if role and role.strip().lower() in JUNK_ROLES:
        return True
    return unlikely_names(f"{attrs.get('class') or ''} {attrs.get('id') or ''}")


def _under_unlikely(node: LexborNode, memo: dict[int, bool]) -> bool:
    """Whether `node` or an ancestor is an unlikely block (memoized per ancestor)."""
    chain = []
    current: LexborNode | None = node
    verdict = False
    while current is not None and current.tag not in STOP_TAGS:
        known = memo.get(current.mem_id)
        if known is not None:
            verdict = known
            break
        chain.append(current)
        current = current.parent
    for element in reversed(chain):
        verdict = verdict or (element.tag not in KEPT_TAGS and _unlikely(element))
        memo[element.mem_id] = verdict
    return verdict


def article_blocks(tree: LexborHTMLParser) -> list[LexborNode]:
    """The article: the best-scored block and the siblings worth joining it (maybe none)."""
    scores = _candidates(tree)
    if not scores:
        return []
    final = _Finals(scores)
    ranked = final.best(5)
    top = _climb(scores[ranked[0]][0], ranked, scores, final)
    top_key = top.mem_id
    parent = top.parent
    if parent is None or parent.tag in STOP_TAGS or top.tag == "body":
        return [top] if _enough_text([top]) else []
    threshold = max(10.0, final.get(top_key, 0.0) * 0.2)
    blocks = []
    for sibling in parent.iter():
        key = sibling.mem_id
        if key == top_key or final.reaches(key, threshold) or _lone_paragraph(sibling):
            blocks.append(sibling)
    return blocks if _enough_text(blocks) else []


def _enough_text(blocks: list[LexborNode]) -> bool:
    """Readability's char threshold: less text than this is no article (a page of links)."""
    return sum(len(block.text()) for block in blocks) >= ARTICLE_MIN_CHARS


class _Finals:
    """Final scores (content score less link density), computed only where looked at:
    link density costs a walk over the block's links, and most blocks are never contenders."""

    def __init__(self, scores: dict[int, list]) -> None:
        self._scores = scores
        self._final: dict[int, float] = {}

    def get(self, key: int, default: float) -> float:
        found = self.score(key)
        return default if found is None else found

    def score(self, key: int) -> float | None:
        """The final score of a scored block, None for a block that scored nothing."""
        if key not in self._scores:
            return None
        found = self._final.get(key)
        if found is None:
            node, score = self._scores[key]
            found = self._final[key] = score * (1 - link_density(node))
        return found

    def reaches(self, key: int, limit: float) -> bool:
        """Whether a scored block's final score is `limit` or more. The final score is at
        most max(raw, 0): a low raw score answers without the cost of the link density."""
        entry = self._scores.get(key)
        if entry is None or (limit > 0 and entry[1] < limit):
            return False
        return self[key] >= limit

    def __getitem__(self, key: int) -> float:
        return self.get(key, 0.0)

    def best(self, count: int) -> list[int]:
        """The `count` best keys by final score (ties: lower key first), looking at blocks in
        order of raw score and stopping once no raw score can beat the last kept one."""
        scores = self._scores
        kept: list[tuple[float, int]] = []
        for key in sorted(scores, key=lambda k: (-scores[k][1], k)):
            if len(kept) >= count and max(scores[key][1], 0.0) < -kept[count - 1][0]:
                break
            kept.append((-self[key], key))
            kept.sort()
        return [key for _, key in kept[:count]]


def _climb(top: LexborNode, best: list[int], scores: dict[int, list], final: _Finals) -> LexborNode:
    """Readability's moves up from the best block: to the common ancestor of several close
    runners-up, to a parent that scores higher, past parents with a single child."""
    top_score = final[top.mem_id]
    close = {key for key in best[1:] if final[key] >= 0.75 * top_score}
    if len(close) >= 3:
        node = top.parent
        while node is not None and node.tag not in STOP_TAGS:
            held = sum(1 for key in close if _contains(node, scores[key][0]))
            if held >= 3:
                top = node
                break
            node = node.parent
    last = final.get(top.mem_id, top_score)
    node = top.parent
    while node is not None and node.tag not in STOP_TAGS and node.tag != "body":
        key = node.mem_id
        if key in scores:
            if not final.reaches(key, top_score / 3):
                break
            score = final[key]
            if score > last:
                top = node
                break
            last = score
        node = node.parent
    while top.tag != "body" and top.parent is not None and _only_child(top):
        top = top.parent
    return top


def _contains(ancestor: LexborNode, node: LexborNode) -> bool:
    current = node.parent
    key = ancestor.mem_id
    while current is not None:
        if current.mem_id == key:
            return True
        current = current.parent
    return False


def _only_child(node: LexborNode) -> bool:
    parent = node.parent
    if parent is None or parent.tag in STOP_TAGS or parent.tag == "body":
        return False
    return sum(1 for _ in parent.iter()) == 1


def _lone_paragraph(node: LexborNode) -> bool:
    if node.tag != "p":
        return False
    length = len(node.text())
    density = link_density(node)
    return (length > 80 and density < 0.25) or (0 < length < 80 and density == 0)


class Article:
    """The article of one page and, memoized per element, Readability's verdict on it."""

    def __init__(self, tree: LexborHTMLParser, main_seen: bool = False) -> None:
        """`main_seen`: a main landmark is known to be on the page (saves looking for one)."""
        self.tree = tree
        self.blocks = article_blocks(tree)
        self._promotes: bool | None = False if main_seen else None
        self.block_ids = {block.mem_id for block in self.blocks}
        self.around = set(self.block_ids)  # the blocks and their ancestors: wrappers
        self._verdicts: dict[int, str] = {}
        if self.blocks:
            parent = self.blocks[0].parent
            while parent is not None:
                self.around.add(parent.mem_id)
                parent = parent.parent

    def section(self, parent: LexborNode, section: str, mark: int, explicit: bool) -> str:
        """The section of an a/area link in `parent`, whose landmarks say `section` (given
        by the element `mark`, `explicit` when by tag or role rather than class words)."""
        if not self.blocks:
            return section
        if section == "main":
            verdict = self.verdict(parent)
            # Explicit markup is the contract's: only boilerplate names overrule it.
            if verdict == NAMED or (verdict != MAIN and not explicit):
                return UNKNOWN
            return section
        wrapped = section == UNKNOWN or mark in self.around
        if wrapped and self.promotes and self.verdict(parent) == MAIN:
            return "main"
        return section

    @property
    def promotes(self) -> bool:
        """Explicit landmarks win: the text may only name the main content of a page that
        names none itself (docs/LINKS.md). Looked for once, and only when it matters."""
        if self._promotes is None:
            self._promotes = not has_main_landmark(self.tree)
        return self._promotes

    def verdict(self, element: LexborNode) -> str:
        """For a link in `element`: MAIN, or why not: NAMED (in a block named like
        boilerplate), CLEANED (in a block cleaned for its tag or density), OUTSIDE (not in
        the article and in no named block). Memoized per element: linear in the DOM."""
        memo = self._verdicts
        chain = []
        verdict = OUTSIDE
        node: LexborNode | None = element
        while node is not None:
            key = node.mem_id
            known = memo.get(key)
            if known is not None:
                verdict = known
                break
            if key in self.around:
                verdict = memo[key] = MAIN if key in self.block_ids else OUTSIDE
                break
            chain.append(node)
            node = node.parent
        for node in reversed(chain):
            if verdict != NAMED:
                junk = junk_kind(node, verdict != OUTSIDE)
                if junk:
                    verdict = junk
            memo[node.mem_id] = verdict
        return verdict


def has_main_landmark(tree: LexborHTMLParser) -> bool:
    """Whether an element of the body is a `main` landmark (tag, role or class/id words)."""
    body = tree.body
    if body is None:
        return False
    for node in body.css(MAIN_CANDIDATES):
        tag = node.tag or ""
        if tag not in ROOTS and landmark(tag, node.attributes) == "main":
            return True
    return False


def junk_kind(node: LexborNode, in_article: bool) -> str:
    """Readability's removal rules for a block: NAMED, CLEANED or "" (kept).

    Outside the article only the names are judged: density there says nothing new.
    """
    attrs = node.attributes
    if attrs:
        if _unlikely(node):
            return NAMED
        names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
        if "share" in names.lower() and len(node.text()) < 500:
            return NAMED
    tag = node.tag or ""
    if not in_article:
        return ""
    if tag in DROPPED_TAGS:
        return CLEANED
    if tag in CLEANED_TAGS and _cleaned_conditionally(node, tag):
        return NAMED if class_weight(node) < 0 else CLEANED
    return ""


def _cleaned_conditionally(node: LexborNode, tag: str) -> bool:
    weight = class_weight(node)
    if weight < 0:
        return True
    text = node.text()
    if text.count(",") >= 10:
        return False
    counts = Counter(inner.tag for inner in node.css(COUNTED))  # one C walk, not five
    paragraphs, images, inputs = counts["p"], counts["img"], counts["input"]
    items = counts["li"] - 100
    embeds = counts["object"] + counts["embed"] + counts["iframe"]
    length = len(text.strip())
    density = link_density(node)
    is_list = tag in ("ul", "ol")
    return (
        (images > 1 and paragraphs / images < 0.5)
        or (not is_list and items > paragraphs)
        or inputs > paragraphs // 3
        or (not is_list and length < 25 and (images == 0 or images > 2))
        or (not is_list and weight < 25 and density > 0.2)
        or (weight >= 25 and density > 0.5)
        or (embeds == 1 and length < 75)
        or embeds > 1
    )
