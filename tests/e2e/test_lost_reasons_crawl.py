"""Why backlinks are lost, on a recrawled simulated web: three crawls of revisions 0, 1, 2 with
fates (crawler/testweb/fates.py: pages gone 404/410, failing, redirected, noindex, canonical
elsewhere, disallowed by robots.txt; backlinks moved, turned nofollow/ugc/sponsored,
re-anchored), then every `changes` row per crawl window and every `backlinks --lost-since` row
equal the history truth (crawler/testweb/history.py) exactly, reasons and details included, on
chDB and on clickhouse-server 18.16.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from crawler import settings
from crawler.analysis.queries import changes_query, run_named
from crawler.testweb import WebServer, build_web
from crawler.testweb.fates import fated
from crawler.testweb.history import change_rows
from pipelines.store import Store, open_store
from tests.helpers.e2e import backlinks_report, linkgraph, seeds_file
from tests.helpers.servers import ClickHouseServer

WEB = (8, 30, 7)  # sites, pages per site, seed
REVISIONS = (0, 1, 2)
LOST = {"link removed", "moved", "page gone", "page error", "redirected", "noindex",
        "canonical elsewhere", "blocked by robots.txt"}  # fmt: skip
CHANGED = {"now nofollow", "now ugc", "now sponsored", "anchor changed"}


class Recrawled(NamedTuple):
    """The store of three crawls, the CLI options naming it, and when each crawl started
    (plus one bound after the last: the windows are [starts[k], starts[k + 1]))."""

    args: list[str]
    target: str
    starts: list[datetime]


@pytest.fixture(params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def recrawled(request: pytest.FixtureRequest, tmp_path: Path) -> Recrawled:
    data = tmp_path / "data"
    target = str(data / "store")
    if request.param == "server":
        clickhouse: ClickHouseServer = request.getfixturevalue("clickhouse")
        target = clickhouse.url_for(f"lost_{uuid.uuid4().hex[:12]}")
    args = ["--data", str(data)] + (["--clickhouse", target] if request.param == "server" else [])
    starts = []
    for revision in REVISIONS:
        web = build_web(*WEB, revision=revision, fates=True)
        starts.append(datetime.fromtimestamp(math.ceil(time.time()), UTC))
        time.sleep(1.0)  # fetched_at is in whole seconds: all earlier fetches are before it
        with WebServer(web) as server:
            linkgraph(["crawl", "--seeds-file", str(seeds_file(web, tmp_path)), *args,
                       "--crawl-id", f"rev{revision}", "--proxy", server.proxy])  # fmt: skip
    starts.append(datetime.fromtimestamp(math.ceil(time.time()) + 1, UTC))
    return Recrawled(args, target, starts)


@pytest.fixture(scope="module")
def truth_rows() -> list[dict[str, Any]]:
    webs = [build_web(*WEB, revision=r, fates=True) for r in REVISIONS]
    return change_rows(webs, settings.LINKGRAPH_LOST_AFTER_ERRORS)


def _key(change: str, r: dict[str, Any], reason: str, detail: str) -> tuple[Any, ...]:
    return (change, r["src_url"], r["dst_url"], r["anchor"], tuple(r["rel"]), reason, detail)


def test_the_fated_revisions_give_every_reason(truth_rows: list[dict[str, Any]]) -> None:
    """The truth itself: each reason occurs, and a page failing once loses nothing yet."""
    assert settings.LINKGRAPH_LOST_AFTER_ERRORS == 2
    lost = [r for r in truth_rows if r["change"] == "lost"]
    assert {r["reason"] for r in lost} == LOST
    assert {r["reason"] for r in truth_rows if r["change"] == "changed"} == CHANGED
    assert {r["detail"] for r in lost if r["reason"] == "page gone"} >= {"404", "410"}
    # Errors dealt in revision 1 fail in crawls 1 and 2: lost at crawl 2, never at crawl 1.
    assert {r["crawl"] for r in lost if r["reason"] == "page error"} == {2}
    web = build_web(*WEB, revision=1, fates=True)
    once = {url for fate, url in fated(web, 1) if fate == "blip"}
    once |= {url for fate, url in fated(build_web(*WEB, revision=2, fates=True), 2)
             if fate in ("blip", "error")}  # fmt: skip
    assert once and not [r for r in lost if r["src_url"] in once]


@pytest.mark.timeout(600)  # three crawls in the fixture: ~4 min on 2 loaded cores
def test_changes_and_lost_since_equal_the_truth_with_reasons(
    recrawled: Recrawled, truth_rows: list[dict[str, Any]]
) -> None:
    expected: dict[tuple[int, str], list[tuple[Any, ...]]] = {}
    for r in truth_rows:
        key = _key(r["change"], r, r["reason"], r["detail"])
        expected.setdefault((r["crawl"], r["dst_domain"]), []).append(key)
    store = open_store(recrawled.target)
    try:
        domains = {d for (d,) in store.query("SELECT DISTINCT dst_domain FROM link_fetches").rows}
        assert domains >= {domain for _, domain in expected}
        for domain in sorted(domains):
            for crawl in range(len(REVISIONS)):
                got = _changes(store, domain, recrawled.starts[crawl], recrawled.starts[crawl + 1])
                assert got == sorted(expected.get((crawl, domain), [])), (domain, crawl)
            _assert_lost_since(store, domain, recrawled.starts, truth_rows)
    finally:
        store.close()
    _assert_cli(recrawled, truth_rows)


def _changes(store: Store, domain: str, since: datetime, until: datetime) -> list[tuple[Any, ...]]:
    name, params = changes_query(domain, since=since, until=until)
    rows = run_named(store, name, params).dicts()
    return sorted(_key(r["change"], r, r["reason"], r["reason_detail"]) for r in rows)


def _assert_lost_since(
    store: Store, domain: str, starts: list[datetime], truth_rows: list[dict[str, Any]]
) -> None:
    """`backlinks --lost-since` from each crawl on: the links lost by it or a later one."""
    for crawl in range(1, len(REVISIONS)):
        rows = backlinks_report(store, domain, lost_since=starts[crawl])
        got = {(r["status"], r["src_url"], r["dst_url"], r["reason"], r["reason_detail"])
               for r in rows}  # fmt: skip
        assert got == {
            ("lost", r["src_url"], r["dst_url"], r["reason"], r["detail"])
            for r in truth_rows
            if r["change"] == "lost" and r["crawl"] >= crawl and r["dst_domain"] == domain
        }, (domain, crawl)


def _assert_cli(recrawled: Recrawled, truth_rows: list[dict[str, Any]]) -> None:
    """`linkgraph changes` as a user runs it, for the domain losing links for most reasons."""
    reasons: dict[str, set[str]] = {}
    for r in truth_rows:
        if r["change"] == "lost":
            reasons.setdefault(r["dst_domain"], set()).add(r["reason"])
    domain = max(sorted(reasons), key=lambda d: len(reasons[d]))
    since, until = recrawled.starts[1], recrawled.starts[-1]
    out = linkgraph(["changes", domain, "--since", since.isoformat(), "--until",
                     until.isoformat(), *recrawled.args, "--format", "jsonl"]).stdout  # fmt: skip
    got = sorted(
        (r["change"], r["src_url"], r["dst_url"], r["reason"], r["reason_detail"])
        for r in map(json.loads, out.splitlines())
    )
    assert got == sorted(
        (r["change"], r["src_url"], r["dst_url"], r["reason"], r["detail"])
        for r in truth_rows
        if r["crawl"] >= 1 and r["dst_domain"] == domain
    )
    assert len({r[3] for r in got if r[0] == "lost"}) >= 3, got
