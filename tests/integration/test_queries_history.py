"""Named queries on hand-built fetches, on chDB and on clickhouse-server 18.16.

Two fetches of the same pages (a recrawl) make new and lost links; a redirect to a 404 makes a
broken backlink through a redirect. Every named query of the query commands runs on both
engines and gives the same exact rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.analysis.queries import run_named
from crawler.records import OutLink, Page
from pipelines.store import Store
from tests.helpers.e2e import backlinks_report
from tests.helpers.stores import filled_store

DAY1 = datetime(2026, 3, 1, 12, tzinfo=UTC).timestamp()
DAY2 = datetime(2026, 3, 8, 12, tzinfo=UTC).timestamp()
ME = "me.com"


def _page(url: str, when: float, status: int = 200, redirect_to: str = "", lang: str = "") -> Page:
    host = url.split("/")[2]
    domain = ".".join(host.split(".")[-2:])
    return Page(
        url=url,
        host=host,
        domain=domain,
        status=status,
        redirect_to=redirect_to,
        lang=lang,
        fetched_at=when,
        crawl_id="c1" if when == DAY1 else "c2",
    )


def _link(
    src: str, dst: str, when: float, ordinal: int, anchor: str, rel: tuple[str, ...] = ()
) -> OutLink:
    sh, dh = src.split("/")[2], dst.split("/")[2]
    sd, dd = ".".join(sh.split(".")[-2:]), ".".join(dh.split(".")[-2:])
    return OutLink(
        src_url=src,
        dst_url=dst,
        anchor=anchor,
        rel=rel,
        section="main",
        ordinal=ordinal,
        src_host=sh,
        src_domain=sd,
        dst_host=dh,
        dst_domain=dd,
        is_external=sd != dd,
        fetched_at=when,
        crawl_id="c1" if when == DAY1 else "c2",
    )


BLOG, NEWS = "http://blog.example.de/post", "http://news.example.org/a"
KEPT, DROPPED, ADDED = "http://me.com/kept", "http://me.com/dropped", "http://me.com/added"
MOVED, GONE = "http://me.com/moved", "http://me.com/gone"


def _fill(store: Store) -> None:
    store.migrate()
    # Day 1: blog links to kept, dropped and moved; news links to kept.
    store.insert(
        [_page(BLOG, DAY1, lang="de"), _page(NEWS, DAY1, lang="fr-CA")],
        [
            _link(BLOG, KEPT, DAY1, 0, "me"),
            _link(BLOG, DROPPED, DAY1, 1, "old deal"),
            _link(BLOG, MOVED, DAY1, 2, "moved page"),
            _link(NEWS, KEPT, DAY1, 0, "here"),
        ],
    )
    # Day 8: blog drops `dropped`, adds `added`; moved redirects to gone, which is a 404.
    store.insert(
        [
            _page(BLOG, DAY2, lang="de"),
            _page(KEPT, DAY2),
            _page(MOVED, DAY2, 301, GONE),
            _page(GONE, DAY2, 404),
        ],
        [
            _link(BLOG, KEPT, DAY2, 0, "me"),
            _link(BLOG, MOVED, DAY2, 1, "moved page"),
            _link(BLOG, ADDED, DAY2, 2, "new offer", ("nofollow",)),
        ],
    )
    # Re-delivered: exact duplicates change nothing.
    store.insert(
        [_page(BLOG, DAY2, lang="de")], [_link(BLOG, ADDED, DAY2, 2, "new offer", ("nofollow",))]
    )


@pytest.fixture(params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from filled_store(request, tmp_path, _fill)


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def test_changes_in_a_window(store: Store) -> None:
    rows = run_named(
        store, "changes", {"domain": ME, "since": _at(DAY1 + 1), "until": _at(DAY2 + 1)}
    ).dicts()
    assert [
        (r["change"], r["changed_at"], r["src_url"], r["dst_url"], r["anchor"], r["rel"])
        for r in rows
    ] == [
        ("lost", _at(DAY2), BLOG, DROPPED, "old deal", []),
        ("new", _at(DAY2), BLOG, ADDED, "new offer", ["nofollow"]),
    ]
    rows = run_named(
        store, "changes", {"domain": ME, "since": _at(0), "until": _at(DAY1 + 1)}
    ).dicts()
    assert sorted((r["change"], r["src_url"], r["dst_url"]) for r in rows) == [
        ("new", BLOG, DROPPED),
        ("new", BLOG, KEPT),
        ("new", BLOG, MOVED),
        ("new", NEWS, KEPT),
    ]


def test_changes_between_crawls(store: Store) -> None:
    rows = run_named(
        store, "changes_crawls", {"domain": ME, "from_crawl": "c1", "to_crawl": "c2"}
    ).dicts()
    # news was not fetched by c2: its links say nothing.
    assert [(r["change"], r["src_url"], r["dst_url"], r["anchor"]) for r in rows] == [
        ("lost", BLOG, DROPPED, "old deal"),
        ("new", BLOG, ADDED, "new offer"),
    ]


def _backlinks(store: Store, **filters: object) -> list[tuple[str, str, str]]:
    return [
        (r["status"], r["src_url"], r["dst_url"]) for r in backlinks_report(store, ME, **filters)
    ]


def test_backlinks_new_and_lost_since(store: Store) -> None:
    assert sorted(_backlinks(store)) == [
        ("live", BLOG, ADDED),
        ("live", BLOG, KEPT),
        ("live", BLOG, MOVED),
        ("live", NEWS, KEPT),
    ]
    assert _backlinks(store, new_since=_at(DAY2)) == [("live", BLOG, ADDED)]
    assert _backlinks(store, lost_since=_at(DAY2)) == [("lost", BLOG, DROPPED)]
    assert _backlinks(store, lost_since=_at(DAY2 + 1)) == []
    assert sorted(_backlinks(store, new_since=_at(DAY2), lost_since=_at(DAY1))) == [
        ("live", BLOG, ADDED),
        ("lost", BLOG, DROPPED),
    ]
    assert _backlinks(store, rel="NoFollow") == [("live", BLOG, ADDED)]
    assert sorted(_backlinks(store, country="CA")) == [("live", NEWS, KEPT)]
    assert len(_backlinks(store, country="DE")) == 3


def test_broken_through_a_redirect(store: Store) -> None:
    rows = run_named(store, "broken", {"domains": [ME], "exclude_domain": ""}).dicts()
    assert [
        (
            r["src_url"],
            r["dst_url"],
            r["dst_status"],
            r["final_url"],
            r["final_status"],
            r["anchor"],
        )
        for r in rows
    ] == [(BLOG, MOVED, 301, GONE, 404, "moved page")]


def test_refdomains_anchors_gap_run(store: Store) -> None:
    refs = run_named(store, "refdomains_report", {"domain": ME, "country": ""}).dicts()
    assert {
        (
            r["ref_domain"],
            r["links"],
            r["dofollow_links"],
            r["lang"],
            r["country"],
            r["country_source"],
        )
        for r in refs
    } == {("example.de", 3, 2, "de", "DE", "cctld"), ("example.org", 1, 1, "fr-ca", "CA", "lang")}
    anchors = run_named(store, "anchors", {"domain": ME, "keywords": ["New Offer"]}).dicts()
    assert {(r["anchor"], r["anchor_type"], r["links"]) for r in anchors} == {
        ("me", "branded", 1),
        ("moved page", "other", 1),
        ("new offer", "exact", 1),
        ("here", "generic", 1),
    }
    gap = run_named(
        store,
        "gap_report",
        {
            "domain": "other.com",
            "competitors": [ME],
            "min_k": 1,
            "disavow_domains": ["example.org"],
            "disavow_urls": [],
        },
    ).dicts()
    assert [
        (
            r["ref_domain"],
            r["competitors"],
            r["example_src_url"],
            r["example_dst_url"],
            r["example_first_seen"],
        )
        for r in gap
    ] == [("example.de", [ME], BLOG, ADDED, _at(DAY2))]


def test_empty_arrays(store: Store) -> None:
    anchors = run_named(store, "anchors", {"domain": ME, "keywords": []}).dicts()
    assert "exact" not in {r["anchor_type"] for r in anchors}
    gap = run_named(
        store,
        "gap_report",
        {
            "domain": "other.com",
            "competitors": [ME],
            "min_k": 1,
            "disavow_domains": [],
            "disavow_urls": [],
        },
    ).dicts()
    assert {r["ref_domain"] for r in gap} == {"example.de", "example.org"}
