"""The simulated web's fates (crawler/testweb/fates.py) and the history truth that reads them
(crawler/testweb/history.py), without a server: each page fate shows in its revision and the
reason the truth gives its backlinks is the one the fate stands for. The crawl of the same
revisions against this truth is tests/e2e/test_lost_reasons_crawl.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import pytest

from crawler.frontier.robots import parse_robots
from crawler.testweb import build_web, truth
from crawler.testweb.fates import FATES, fated
from crawler.testweb.history import change_rows
from crawler.testweb.render import respond

ARGS = (8, 30, 7)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return change_rows([build_web(*ARGS, revision=r, fates=True) for r in (0, 1, 2)], 2)


def test_fates_are_opt_in_and_deterministic() -> None:
    plain, fates = build_web(*ARGS, revision=1), build_web(*ARGS, revision=1, fates=True)
    assert list(truth(build_web(*ARGS, revision=1))) == list(truth(plain))
    assert list(truth(build_web(*ARGS, revision=1, fates=True))) == list(truth(fates))
    assert list(truth(plain)) != list(truth(fates))
    dealt = fated(fates, 1) + fated(build_web(*ARGS, revision=2, fates=True), 2)
    assert [fate for fate, _ in dealt] == list(FATES) * 2
    assert len({url for _, url in dealt}) == len(dealt)  # no page is fated twice


def test_page_fates_show_in_their_revision_and_after() -> None:
    webs = [build_web(*ARGS, revision=r, fates=True) for r in (0, 1, 2)]
    pages = dict(fated(webs[1], 1))
    statuses = {
        fate: [None if (p := w.page(pages[fate])) is None else p.status for w in webs]
        for fate in ("gone404", "gone410", "error", "blip", "redirect")
    }
    assert statuses == {
        "gone404": [200, None, None],
        "gone410": [200, 410, 410],
        "error": [200, 503, 503],
        "blip": [200, 503, 200],  # fails in its own revision only
        "redirect": [200, 301, 301],
    }
    noindex, canonical = webs[1].page(pages["noindex"]), webs[1].page(pages["canonical"])
    assert noindex is not None and noindex.meta_robots == "noindex"
    assert canonical is not None and [h.target for h in canonical.head] != [canonical.url]
    # robots: the page still answers; its site's robots.txt disallows it from then on.
    url = pages["robots"]
    assert [w.allowed(url) for w in webs] == [True, False, False]
    assert [getattr(w.page(url), "status", None) for w in webs] == [200, 200, 200]
    path = "/" + url.split("/", 3)[3]
    files = [respond(w, urljoin(url, "/robots.txt")) for w in webs]
    assert [f"Disallow: {path}\n" in f.body.decode("utf-8-sig") for f in files] == [
        False,
        True,
        True,
    ]
    assert all(parse_robots(f.body).can_fetch(url, "linkgraph") == w.allowed(url)
               for f, w in zip(files, webs, strict=True) if f.status == 200)  # fmt: skip


def test_each_page_fate_loses_its_backlinks_for_its_reason(rows: list[dict[str, Any]]) -> None:
    web = build_web(*ARGS, revision=1, fates=True)
    pages = dict(fated(web, 1))
    reasons = {
        fate: {(r["crawl"], r["reason"], r["detail"]) for r in rows
               if r["change"] == "lost" and r["src_url"] == url}
        for fate, url in pages.items()
        if fate in ("gone404", "gone410", "error", "blip", "redirect", "noindex", "canonical",
                    "robots")
    }  # fmt: skip
    redirect = web.page(pages["redirect"])
    canonical = web.page(pages["canonical"])
    assert redirect is not None and redirect.redirect is not None and canonical is not None
    assert reasons == {
        "gone404": {(1, "page gone", "404")},
        "gone410": {(1, "page gone", "410")},
        "error": {(2, "page error", "503")},  # the second failed fetch in a row
        "blip": set(),  # one failed fetch, then it answers again: nothing lost
        "redirect": {(1, "redirected", redirect.redirect.target)},
        "noindex": {(1, "noindex", "")},
        "canonical": {(1, "canonical elsewhere", canonical.head[0].target)},
        "robots": {(1, "blocked by robots.txt", "")},
    }


def test_link_fates_change_live_backlinks(rows: list[dict[str, Any]]) -> None:
    for crawl in (1, 2):
        got = {r["reason"] for r in rows if r["crawl"] == crawl and r["change"] != "new"}
        assert got >= {"moved", "now nofollow", "now ugc", "now sponsored", "anchor changed"}
    for r in rows:
        if r["reason"] == "moved":  # the new URL is of the same domain, and new then
            assert r["detail"] != r["dst_url"]
            assert (r["crawl"], "new", r["detail"]) in {
                (x["crawl"], x["change"], x["dst_url"])
                for x in rows
                if x["src_url"] == r["src_url"]
            }
