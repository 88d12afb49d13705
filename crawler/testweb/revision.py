"""Later revisions of the simulated web: the same pages with some `<a>` links edited.

For recrawl and history tests: revision 1, 2, ... each edits the previous one (links removed,
anchors and rel tokens changed, links out of the web added); pages, statuses and URLs stay.

    >>> from crawler.testweb.model import build_web
    >>> before, after = build_web(2, 30, 1), build_web(2, 30, 1, revision=1)
    >>> [p.url for p in before.pages()] == [p.url for p in after.pages()]
    True
"""

from __future__ import annotations

import random
from dataclasses import replace

from crawler.testweb.names import OUTSIDE
from crawler.testweb.pages import Block, Decoy, Link, Page

REVISION_REMOVE = 0.06  # share of <a> links on HTML pages each revision removes ...
REVISION_ANCHOR = 0.06  # ... gives a new anchor text ...
REVISION_REL = 0.06  # ... toggles the rel token "sponsored" of (never touching nofollow) ...
REVISION_ADD = 0.04  # ... and follows with a new link to a site outside the web (no new pages)


def revise(pages: dict[str, Page], seed: int, revision: int) -> dict[str, Page]:
    """`pages` as edited by `revision` (1, 2, ...): each revision edits the previous one.

    Deterministic per (seed, revision, page URL), independent of the order sites are built in;
    only `<a>` links in the body change and new ones lead outside the web, so the crawled pages,
    their statuses and URLs stay as they were.
    """
    for number in range(1, revision + 1):
        revise_once(pages, seed, number)
    return pages


def revise_once(pages: dict[str, Page], seed: int, number: int) -> None:
    """Edit `pages` (as revision `number` - 1 left them) into revision `number`."""
    for url, page in pages.items():
        rng = random.Random(f"linkgraph-testweb:revision:{seed}:{number}:{url}")
        for block in page.blocks:
            _revise_block(block, rng, number)


def _revise_block(block: Block, rng: random.Random, number: int) -> None:
    kept: list[Link | Decoy] = []
    for item in block.items:
        roll = rng.random()
        if not isinstance(item, Link) or item.kind != "a":
            kept.append(item)
        elif roll < REVISION_REMOVE:
            continue
        elif roll < REVISION_REMOVE + REVISION_ANCHOR and item.text.strip():
            kept.append(replace(item, text=f"{item.text} (rev {number})"))
        elif roll < REVISION_REMOVE + REVISION_ANCHOR + REVISION_REL:
            tokens = item.rel.split()
            toggled = [t for t in tokens if t.lower() != "sponsored"]
            kept.append(
                replace(
                    item, rel=" ".join(toggled if toggled != tokens else [*tokens, "sponsored"])
                )
            )
        elif roll < REVISION_REMOVE + REVISION_ANCHOR + REVISION_REL + REVISION_ADD:
            kept.extend((item, _added_link(item, rng, number)))
        else:
            kept.append(item)
    block.items = kept
    for child in block.children:
        _revise_block(child, rng, number)


def _added_link(beside: Link, rng: random.Random, number: int) -> Link:
    """A link `revision` adds after `beside`, in its block: out of scope, so never fetched."""
    target = f"https://{rng.choice(OUTSIDE)}/rev{number}-{rng.randrange(10**6)}"
    return replace(beside, target=target, form="abs", text=f"New in rev {number}", rel="", img=None)
