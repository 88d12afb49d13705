"""Why a backlink was lost, and how a live one changed: `changes` on hand-built fetches, one
source page per reason, on chDB and on clickhouse-server 18.16.

Three fetches a week apart. Each page links to the target on day 1; what its later fetches
answer decides the reason (schema/queries/fragments/lost_links.sql). A page failing once is
not lost; failing LINKGRAPH_LOST_AFTER_ERRORS (2) fetches in a row is, at the second.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler import settings
from crawler.analysis.queries import run_named
from crawler.records import OutLink, Page
from pipelines.store import Store
from tests.helpers.stores import filled_store

DAYS = [datetime(2026, 3, d, 12, tzinfo=UTC).timestamp() for d in (1, 8, 15)]
ME = "me.com"
TARGET, OTHER = "http://me.com/offer", "http://me.com/new-offer"


def _src(name: str) -> str:
    return f"http://{name}.example.org/page"


def _page(url: str, day: int, status: int = 200, **facts: Any) -> Page:
    host = url.split("/")[2]
    return Page(
        url=url, host=host, domain="example.org", status=status, fetched_at=DAYS[day],
        crawl_id=f"c{day}", **facts,
    )  # fmt: skip


def _link(
    src: str, day: int, dst: str = TARGET, anchor: str = "offer", rel: tuple[str, ...] = ()
) -> OutLink:
    return OutLink(
        src_url=src, dst_url=dst, anchor=anchor, rel=rel, section="main", ordinal=0,
        src_host=src.split("/")[2], src_domain="example.org", dst_host="me.com", dst_domain=ME,
        is_external=True, fetched_at=DAYS[day], crawl_id=f"c{day}",
    )  # fmt: skip


# name -> (page fetches and links of days 2 and 3); every page links to TARGET on day 1.
LATER: dict[str, list[tuple[dict[str, Any], list[dict[str, Any]]]]] = {
    "removed": [({}, [])],
    "gone": [({"status": 404}, [])],
    "error": [({"status": 503}, []), ({"status": 503}, [])],
    "blip": [({"status": 500}, []), ({}, [{}])],
    "once": [({}, [{}]), ({"status": 502}, [])],
    "timeout": [({"status": 0, "error": "timeout"}, []), ({"status": 0, "error": "timeout"}, [])],
    "redirect": [({"status": 301, "redirect_to": "http://elsewhere.net/"}, [])],
    "noindex": [({"noindex": True, "meta_robots": "noindex"}, [{}])],
    "canonical": [({"canonical": "http://mirror.example.org/page"}, [{}])],
    "robots": [({"status": 0, "error": "robots.txt"}, [])],
    "moved": [({}, [{"dst": OTHER}])],
    "nofollow": [({}, [{"rel": ("nofollow",)}])],
    "anchor": [({}, [{"anchor": "best offer"}])],
    "sponsored": [({}, [{"rel": ("sponsored",)}]), ({}, [{"rel": ("sponsored", "ugc")}])],
}


def _fill(store: Store) -> None:
    store.migrate()
    for name, later in LATER.items():
        src = _src(name)
        store.insert([_page(src, 0)], [_link(src, 0)])
        for day, (facts, links) in enumerate(later, start=1):
            store.insert(
                [_page(src, day, **facts)],
                [_link(src, day, s.get("dst", TARGET), s.get("anchor", "offer"), s.get("rel", ()))
                 for s in links],
            )  # fmt: skip


@pytest.fixture(params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from filled_store(request, tmp_path, _fill)


def _at(day: int) -> datetime:
    return datetime.fromtimestamp(DAYS[day], UTC)


def _changes(store: Store, since: int, until: float) -> list[tuple[Any, ...]]:
    rows = run_named(
        store,
        "changes",
        {"domain": ME, "since": _at(since), "until": datetime.fromtimestamp(until, UTC)},
    ).dicts()
    return [
        (r["change"], r["changed_at"], r["src_url"].split("/")[2].split(".")[0], r["dst_url"],
         r["reason"], r["reason_detail"], r["anchor"])
        for r in rows
    ]  # fmt: skip


def test_every_reason_of_a_lost_or_changed_link(store: Store) -> None:
    assert settings.LINKGRAPH_LOST_AFTER_ERRORS == 2
    day2 = [
        ("changed", _at(1), "anchor", TARGET, "anchor changed", "offer", "best offer"),
        ("changed", _at(1), "nofollow", TARGET, "now nofollow", "", "offer"),
        ("changed", _at(1), "sponsored", TARGET, "now sponsored", "", "offer"),
        ("lost", _at(1), "canonical", TARGET, "canonical elsewhere",
         "http://mirror.example.org/page", "offer"),
        ("lost", _at(1), "gone", TARGET, "page gone", "404", "offer"),
        ("lost", _at(1), "moved", TARGET, "moved", OTHER, "offer"),
        ("lost", _at(1), "noindex", TARGET, "noindex", "", "offer"),
        ("lost", _at(1), "redirect", TARGET, "redirected", "http://elsewhere.net/", "offer"),
        ("lost", _at(1), "removed", TARGET, "link removed", "", "offer"),
        ("lost", _at(1), "robots", TARGET, "blocked by robots.txt", "", "offer"),
        ("new", _at(1), "moved", OTHER, "", "", "offer"),
    ]  # fmt: skip
    # Day 2 alone: one failed fetch (error, timeout, blip) loses nothing yet.
    assert _changes(store, 1, DAYS[1] + 1) == day2
    day3 = [
        ("changed", _at(2), "sponsored", TARGET, "now ugc", "", "offer"),
        ("lost", _at(2), "error", TARGET, "page error", "503", "offer"),
        ("lost", _at(2), "timeout", TARGET, "page error", "0", "offer"),
    ]
    # Day 3: the second failure in a row loses the link; "once" failed once after a good
    # fetch and "blip" recovered: neither is lost.
    assert _changes(store, 2, DAYS[2] + 1) == day3
    assert _changes(store, 1, DAYS[2] + 1) == day2 + day3


def test_one_failed_fetch_is_enough_when_told(store: Store) -> None:
    rows = run_named(
        store,
        "changes",
        {"domain": ME, "since": _at(1), "until": _at(2), "lost_after_errors": 1},
    ).dicts()
    lost = {(r["src_url"].split("/")[2].split(".")[0], r["reason"], r["reason_detail"])
            for r in rows if r["change"] == "lost" and r["reason"] == "page error"}  # fmt: skip
    # "blip" failed on day 2 too, but day 3 carries its link again: found, not lost.
    assert lost == {("error", "page error", "503"), ("timeout", "page error", "0")}


def test_backlinks_lost_since_and_the_report_give_the_reasons(store: Store) -> None:
    from crawler.analysis.report import collect, render_html
    from tests.helpers.e2e import backlinks_report

    rows = backlinks_report(store, ME, lost_since=_at(1))
    got = sorted(
        (r["src_url"].split("/")[2].split(".")[0], r["lost_at"], r["reason"], r["reason_detail"])
        for r in rows
    )
    assert {r["status"] for r in rows} == {"lost"}
    assert got == [
        ("canonical", _at(1), "canonical elsewhere", "http://mirror.example.org/page"),
        ("error", _at(2), "page error", "503"),
        ("gone", _at(1), "page gone", "404"),
        ("moved", _at(1), "moved", OTHER),
        ("noindex", _at(1), "noindex", ""),
        ("redirect", _at(1), "redirected", "http://elsewhere.net/"),
        ("removed", _at(1), "link removed", ""),
        ("robots", _at(1), "blocked by robots.txt", ""),
        ("timeout", _at(2), "page error", "0"),
    ]
    live = backlinks_report(store, ME)
    assert {r["reason"] for r in live} == {""}
    data = collect(store, ME, [])
    assert sorted((r["src_url"], r["reason"]) for r in data.lost) == sorted(
        (r["src_url"], r["reason"]) for r in rows
    )
    page = render_html(data)
    assert "<h2>Lost links and why</h2>" in page
    assert "<tr><td>page error</td><td>2</td></tr>" in page


def test_lost_links_of_named_source_domains_equal_the_whole_query(store: Store) -> None:
    # A shortlist names source domains (crawler/analysis/shortlist.py): the lost part's own
    # src_domains parts, nested in it (pipelines/sqlparams.py), give the same rows.
    from crawler.analysis.queries import backlinks_params
    from crawler.analysis.shortlist import backlinks_page

    for extra in ({"lost_since": _at(1)}, {"lost_since": _at(1), "new_since": _at(1)}):
        whole = run_named(store, "backlinks_report", backlinks_params(ME, **extra)).rows
        assert len(whole) >= 9, extra
        domains = sorted({row[1] for row in whole})
        named = {**backlinks_params(ME, **extra), "src_domains": domains}
        assert run_named(store, "backlinks_report", named).rows == whole
        first = {**named, "src_domains": domains[:2]}
        assert run_named(store, "backlinks_report", first).rows == [
            row for row in whole if row[1] in domains[:2]
        ]
        for limit in (1, 3, 100):
            got = backlinks_page(store, backlinks_params(ME, **extra, limit=limit)).rows
            assert got == whole[:limit], (extra, limit)
