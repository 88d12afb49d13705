"""Ground truth of `changes` over successive crawls of the simulated web's revisions: which
backlinks each crawl finds new, lost (and why) or changed, walked on the model (never on HTML).

The rule is schema/queries/fragments/lost_links.sql's, restated on the model: a backlink (a
link to another registrable domain) is carried by an indexable fetch of its page (not noindex,
no canonical naming another URL); the page's fetches after the last one carrying it decide
whether and why it is lost. One dict per row, `crawl` the index of the crawl that showed it:

    {"crawl", "change" (new | lost | changed), "src_url", "dst_url", "dst_domain",
     "anchor", "rel", "reason", "detail"}

    >>> from crawler.testweb.model import build_web
    >>> webs = [build_web(4, 30, 1, revision=r, fates=True) for r in (0, 1)]
    >>> rows = change_rows(webs, lost_after_errors=2)
    >>> sorted({r["reason"] for r in rows if r["change"] == "lost"})[:3]
    ['blocked by robots.txt', 'canonical elsewhere', 'link removed']
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from crawler.testweb.model import Web
from crawler.testweb.pages import Page
from crawler.testweb.truth import noindex, truth

Pair = tuple[str, str]  # (dst_url, dst_domain)
RELS = ("nofollow", "ugc", "sponsored")  # the tokens whose arrival is a `changed` row


@dataclass(slots=True)
class Fetch:
    """What one crawl stored for a page: its facts and its backlinks, in document order."""

    crawl: int
    status: int
    redirect_to: str = ""
    noindex: bool = False
    canonical: str = ""
    links: list[tuple[Pair, str, tuple[str, ...]]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status >= 500

    def first(self, pair: Pair) -> tuple[str, tuple[str, ...]] | None:
        """(anchor, rel) of the pair's first occurrence on this fetch, None when absent."""
        return next(((a, r) for p, a, r in self.links if p == pair), None)

    def indexable(self, url: str) -> bool:
        return not self.noindex and self.canonical in ("", url)


def change_rows(webs: Sequence[Web], lost_after_errors: int) -> list[dict[str, Any]]:
    """Every `changes` row of crawling `webs` one after the other (each crawl a default crawl
    of its web, truth.truth), ordered by crawl, change, src_url, dst_url, reason."""
    history: dict[str, list[Fetch]] = {}
    for crawl, web in enumerate(webs):
        for url, fetch in _fetches(web, crawl).items():
            history.setdefault(url, []).append(fetch)
    rows = [
        row for src, fetches in history.items() for row in _rows(src, fetches, lost_after_errors)
    ]
    return sorted(
        rows, key=lambda r: (r["crawl"], r["change"], r["src_url"], r["dst_url"], r["reason"])
    )


def _fetches(web: Web, crawl: int) -> dict[str, Fetch]:
    fetches: dict[str, Fetch] = {}
    for record in truth(web):
        if record["type"] == "page":
            fetches[record["url"]] = _facts(web.page(record["url"]), record["status"], crawl)
        elif record["type"] == "blocked":  # stored unfetched: status 0, robots.txt's error
            fetches[record["url"]] = Fetch(crawl, 0)
        elif record["type"] == "link" and record["src_domain"] != record["dst_domain"]:
            pair = (record["dst_url"], record["dst_domain"])
            fetches[record["src_url"]].links.append((pair, record["anchor"], tuple(record["rel"])))
    return fetches


def _facts(page: Page | None, status: int, crawl: int) -> Fetch:
    """The stored facts: noindex and canonical come from parsing, so from 200 HTML pages only."""
    fetch = Fetch(crawl, status)
    if page is None:
        return fetch
    if 300 <= status < 400 and page.redirect is not None:
        fetch.redirect_to = page.redirect.target
    if status == 200 and page.is_html:
        fetch.noindex = noindex(page)
        fetch.canonical = next((h.target for h in page.head if h.kind == "canonical"), "")
    return fetch


def _rows(src: str, fetches: list[Fetch], errors: int) -> Iterator[dict[str, Any]]:
    pairs = list(dict.fromkeys(p for f in fetches for p, _, _ in f.links))
    born = {p: next(i for i, f in enumerate(fetches) if f.first(p)) for p in pairs}
    for pair in pairs:
        carrying = [f for f in fetches if f.first(pair)]
        anchor, rel = carrying[0].first(pair)  # type: ignore[misc]
        yield _row(carrying[0], "new", src, pair, anchor, rel)
        for prev, cur in pairwise(carrying):
            yield from _changed(src, pair, prev, cur)
        lost = _lost(src, pair, fetches, errors, born)
        if lost is not None:
            anchor, rel = carrying[-1].first(pair)  # type: ignore[misc]
            yield _row(lost[0], "lost", src, pair, anchor, rel, lost[1], lost[2])


def _changed(src: str, pair: Pair, prev: Fetch, cur: Fetch) -> Iterator[dict[str, Any]]:
    (was, was_rel), (now, now_rel) = prev.first(pair), cur.first(pair)  # type: ignore[misc]
    for token in RELS:
        if token in now_rel and token not in was_rel:
            yield _row(cur, "changed", src, pair, now, now_rel, f"now {token}")
    if now != was:
        yield _row(cur, "changed", src, pair, now, now_rel, "anchor changed", was)


def _lost(
    src: str, pair: Pair, fetches: list[Fetch], errors: int, born: dict[Pair, int]
) -> tuple[Fetch, str, str] | None:
    """(the fetch that lost the pair, reason, detail), or None while it is not lost."""
    kept = [i for i, f in enumerate(fetches) if f.first(pair) and f.indexable(src)]
    if not kept:
        return None
    later = fetches[kept[-1] + 1 :]
    run = next((i for i, f in enumerate(later) if not f.failed), len(later))
    if run >= errors:
        return later[errors - 1], "page error", str(later[errors - 1].status)
    if run == len(later):
        return None
    fetch = later[run]
    if fetch.status == 0:  # not failed, so robots.txt's (truth.py's "blocked" records)
        return fetch, "blocked by robots.txt", ""
    if 300 <= fetch.status < 400:
        return fetch, "redirected", fetch.redirect_to
    if fetch.status >= 400:
        return fetch, "page gone", str(fetch.status)
    if fetch.noindex:
        return fetch, "noindex", ""
    if not fetch.indexable(src):
        return fetch, "canonical elsewhere", fetch.canonical
    at = kept[-1] + 1 + run
    moved = sorted(p[0] for p in born if born[p] == at and p[1] == pair[1])
    return (fetch, "moved", moved[0]) if moved else (fetch, "link removed", "")


def _row(
    fetch: Fetch,
    change: str,
    src: str,
    pair: Pair,
    anchor: str,
    rel: tuple[str, ...],
    reason: str = "",
    detail: str = "",
) -> dict[str, Any]:
    return {
        "crawl": fetch.crawl, "change": change, "src_url": src, "dst_url": pair[0],
        "dst_domain": pair[1], "anchor": anchor, "rel": list(rel), "reason": reason,
        "detail": detail,
    }  # fmt: skip
