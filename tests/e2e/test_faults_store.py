"""The store under faults and over time, through `linkgraph` child processes as a user runs it:
Debian's clickhouse-server SIGKILLed mid-crawl and started again, a worker SIGKILLed while its
records sit in the sink's buffer, a recrawl of an edited web (history views against both
truths), and a second process refused on an embedded data directory while a crawl runs.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.testweb import Web, WebServer, build_web, truth
from crawler.testweb.truth import indexable
from pipelines.store import Store, open_store
from tests.helpers.e2e import (
    backlinks_report,
    diff,
    linkgraph,
    seeds_file,
    start_linkgraph,
    stored,
    truth_links,
    truth_pages,
    wait_for,
)
from tests.helpers.servers import ClickHouseServer, have_clickhouse_server

Pair = tuple[str, str]


@pytest.fixture
def own_clickhouse(tmp_path: Path) -> Iterator[ClickHouseServer]:
    """A clickhouse-server of this test alone: the test may kill and restart it."""
    if not have_clickhouse_server():
        pytest.skip("Debian's clickhouse-server is not installed (make test installs it)")
    server = ClickHouseServer(tmp_path / "clickhouse").start()
    yield server
    server.kill()


def _finish(proc: subprocess.Popen[str], log: Path, timeout: float = 180.0) -> str:
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(
            f"the crawl did not end by itself:\n{log.read_text()[-6000:]}"
        ) from None
    output = log.read_text()
    assert proc.returncode == 0, output[-6000:]
    assert "crawl finished" in output, output[-6000:]
    return output


def _count(server: ClickHouseServer, database: str, table: str) -> int:
    from clickhouse_driver import Client

    try:
        client = Client("127.0.0.1", port=server.port, connect_timeout=1, database=database)
        return int(client.execute(f"SELECT count() FROM {table}")[0][0])
    except Exception:  # not created yet, or the server is down
        return 0


def _children(pid: int) -> list[int]:
    """The `linkgraph worker` children of `pid` (not its embedded Valkey)."""
    kids = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [k for k in kids if b"worker" in _cmdline(k)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # gone meanwhile
        return b""


def _assert_truth(target: str, records: list[dict[str, Any]]) -> None:
    pages, links = stored(target)  # asserts no page is shown twice
    expected = truth_pages(records)
    assert {u for u, s in pages.items() if s == 200} == {u for u, s in expected.items() if s == 200}
    assert pages == expected, diff(Counter(expected.items()), Counter(pages.items()))
    expected_links = truth_links(records)
    assert links == expected_links, diff(expected_links, links)


# -- ClickHouse dies ---------------------------------------------------------------------------


@pytest.mark.server
def test_clickhouse_sigkilled_mid_crawl_and_restarted_loses_nothing(
    tmp_path: Path, own_clickhouse: ClickHouseServer
) -> None:
    web = build_web(8, 40, 3)
    records = list(truth(web))
    url = own_clickhouse.url_for("killed")
    log = tmp_path / "crawl.log"
    with WebServer(web, latency_ms=20) as server:
        proc = start_linkgraph(["crawl", "--seeds-file", str(seeds_file(web, tmp_path)),
                       "--clickhouse", url, "--workers", "2", "--lease-timeout", "5",
                       "--data", str(tmp_path / "data"), "--proxy", server.proxy], log)  # fmt: skip
        wait_for("50 stored pages", lambda: _count(own_clickhouse, "killed", "page_fetches") >= 50)
        own_clickhouse.kill()
        time.sleep(5.0)  # the workers keep fetching meanwhile: their batches go to the spool
        own_clickhouse.start()
        output = _finish(proc, log)
    assert "Traceback" not in output, output[-6000:]
    assert "cannot reach ClickHouse" in output  # said while the server was down
    assert not list((tmp_path / "data").rglob("*.jsonl")), "spooled batches were not replayed"
    _assert_truth(url, records)


# -- a worker dies with records in its buffer ----------------------------------------------------


@pytest.mark.server
@pytest.mark.timeout(600)  # 2,500 fetches behind an 8 s batch age: ~60 s alone, more loaded
def test_worker_sigkilled_before_its_flush_is_recrawled_and_counted_once(
    tmp_path: Path, own_clickhouse: ClickHouseServer
) -> None:
    web = build_web(8, 40, 5)
    records = list(truth(web))
    url = own_clickhouse.url_for("unflushed")
    requests, log = tmp_path / "requests.jsonl", tmp_path / "crawl.log"
    # Batches flush by age only, 8 s after their first record: a worker killed before that
    # dies with fetched, unacknowledged records that nothing else holds. The kill follows the
    # last seed's fetch, which came 0.05 s after the first page's (measured at load 15 on 2
    # cores): 8 s leaves a wide margin, and the crawl, one level per flush, ends in half the
    # time 20 s took. "flushed too early" below would say if the margin ever ran out.
    env = {"LINKGRAPH_BATCH_SECONDS": "8", "LINKGRAPH_BATCH_ROWS": "1000000"}
    with WebServer(web, latency_ms=20, log_path=str(requests)) as server:
        args = ["crawl", "--seeds-file", str(seeds_file(web, tmp_path)), "--clickhouse", url,
                "--workers", "3", "--lease-timeout", "3", "--data", str(tmp_path / "data"),
                "--proxy", server.proxy]  # fmt: skip
        proc = start_linkgraph(args, log, env)
        wait_for("three workers", lambda: len(_children(proc.pid)) == 3)
        # Children are queued only once their page is durable, so until the first flush the
        # crawl fetches the seeds and their robots.txt and nothing else: wait for all of them.
        wait_for("every seed fetched", lambda: _lines(requests) >= 2 * len(web.sites))
        assert _count(own_clickhouse, "unflushed", "page_fetches") == 0, "flushed too early"
        victim = _children(proc.pid)[1]
        os.kill(victim, 9)
        output = _finish(proc, log, timeout=540)
    assert "Traceback" not in output, output[-6000:]
    fetched = Counter(json.loads(line)["path"] for line in requests.read_text().splitlines())
    assert any(n > 1 for n in fetched.values()), "nothing the dead worker fetched was re-crawled"
    _assert_truth(url, records)


def _lines(path: Path) -> int:
    return path.read_text().count("\n") if path.exists() else 0


# -- history: recrawl an edited web ------------------------------------------------------------


def _signatures(records: Iterable[dict[str, Any]]) -> dict[Pair, tuple[frozenset[str], ...]]:
    """Per (src_url, dst_url): the anchors and the rel lists its source page carried."""
    anchors: dict[Pair, set[str]] = {}
    rels: dict[Pair, set[str]] = {}
    for r in records:
        if r["type"] == "link":
            pair = (r["src_url"], r["dst_url"])
            anchors.setdefault(pair, set()).add(r["anchor"])
            rels.setdefault(pair, set()).add(" ".join(r["rel"]))
    return {pair: (frozenset(anchors[pair]), frozenset(rels[pair])) for pair in anchors}


def test_recrawl_of_an_edited_web_shows_exactly_its_lost_and_changed_links(
    tmp_path: Path,
) -> None:
    before, after = build_web(12, 40, 9), build_web(12, 40, 9, revision=1)
    old, new = list(truth(before)), list(truth(after))
    data = tmp_path / "data"
    started: dict[str, datetime] = {}
    for web, crawl_id in ((before, "first"), (after, "second")):
        started[crawl_id] = datetime.fromtimestamp(math.ceil(time.time()), UTC)
        time.sleep(1.0)  # fetched_at is in whole seconds: all earlier fetches are before it
        with WebServer(web) as server:
            linkgraph(["crawl", "--seeds-file", str(seeds_file(web, tmp_path)), "--data",
                       str(data), "--crawl-id", crawl_id, "--proxy", server.proxy])  # fmt: skip

    old_sig, new_sig = _signatures(old), _signatures(new)
    refetched = set(truth_pages(new))
    lost = {pair for pair in old_sig.keys() - new_sig.keys() if pair[0] in refetched}
    changed = {pair for pair in old_sig.keys() & new_sig.keys() if old_sig[pair] != new_sig[pair]}
    anchor_changed = {p for p in changed if old_sig[p][0] != new_sig[p][0]}
    assert len(lost) > 20 and len(anchor_changed) > 20 and len(changed - anchor_changed) > 20

    target = str((data / "store").resolve())
    got_lost = _rows(target, "SELECT src_url, dst_url, last_anchor FROM lost_links")
    assert {(s, d) for s, d, _ in got_lost} == lost and len(got_lost) == len(lost)
    for s, d, last_anchor in got_lost:
        assert last_anchor in old_sig[(s, d)][0]
    got_changed = _rows(
        target,
        "SELECT src_url, dst_url, first_anchor, last_anchor, arrayStringConcat(first_rel, ' '), "
        "arrayStringConcat(last_rel, ' '), anchor_variants FROM link_changes",
    )
    assert {(s, d) for s, d, *_ in got_changed} == changed
    for s, d, first_anchor, last_anchor, first_rel, last_rel, variants in got_changed:
        (a0, r0), (a1, r1) = old_sig[(s, d)], new_sig[(s, d)]
        assert variants == (2 if a0 != a1 else 1)
        if len(a0) == len(a1) == len(r0) == len(r1) == 1:  # one occurrence: exact first/last
            assert (first_anchor, last_anchor) == (_only(a0), _only(a1))
            assert (first_rel, last_rel) == (_only(r0), _only(r1))

    # The current link set: the second crawl's, plus the first's for pages not fetched again.
    current = truth_links(new) + truth_links(
        r for r in old if r["type"] == "link" and r["src_url"] not in refetched
    )
    _, links = stored(target)
    assert links == current, diff(current, links)
    _assert_change_queries(target, before, old, new, started["second"])


def _assert_change_queries(
    target: str,
    web: Web,
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    between: datetime,
) -> None:
    """`changes` (by crawl and by date) and `backlinks --new-since/--lost-since` rows, exactly
    as the two truths differ, for every domain the webs link to. By crawl, any pair gone from a
    page both crawls fetched is lost; by date, only one an indexable fetch of `web` (the first
    crawl's) carried (issue 16: a noindex page's links are never lost). The edit keeps every
    page's facts, so the second fetch is indexable when the first was."""
    both = truth_pages(old).keys() & truth_pages(new).keys()
    carried = {url for url in both if indexable(web.page(url))}
    before, after = _backlink_anchors(old), _backlink_anchors(new)
    domains = before.keys() | after.keys()
    seen = Counter[str]()
    store = open_store(target)
    try:
        for domain in sorted(domains):
            was, now = before.get(domain, {}), after.get(domain, {})
            lost = {p: a for p, a in was.items() if p[0] in both and p not in now}
            lost_by_date = {p: a for p, a in lost.items() if p[0] in carried}
            seen["unindexed"] += len(lost) - len(lost_by_date)
            added_by_crawl = {p: a for p, a in now.items() if p[0] in both and p not in was}
            added = {p: a for p, a in now.items() if p not in was}
            expected = sorted(
                [("lost", s, d, a) for (s, d), a in lost.items()]
                + [("new", s, d, a) for (s, d), a in added_by_crawl.items()]
            )
            rows = _changes(store, domain, from_crawl="first", to_crawl="second")
            # A `changed` row (issue 16) is a live link whose anchor or rel changed: in both.
            changed = [(r["src_url"], r["dst_url"]) for r in rows if r["change"] == "changed"]
            assert all(p in was and p in now for p in changed), domain
            got = [
                (r["change"], r["src_url"], r["dst_url"], r["anchor"])
                for r in rows
                if r["change"] != "changed"
            ]
            assert got == expected, domain
            seen.update(change for change, *_ in got)
            rows = _changes(store, domain, since=between)
            got = sorted(
                (r["change"], r["src_url"], r["dst_url"], r["anchor"])
                for r in rows
                if r["change"] != "changed"
            )
            assert got == sorted(
                [("lost", s, d, a) for (s, d), a in lost_by_date.items()]
                + [("new", s, d, a) for (s, d), a in added.items()]
            ), domain
            for since, status, pairs in (
                ("new_since", "live", added),
                ("lost_since", "lost", lost_by_date),
            ):
                rows = backlinks_report(store, domain, **{since: between})
                assert {(r["status"], r["src_url"], r["dst_url"]) for r in rows} == {
                    (status, s, d) for s, d in pairs
                }, (domain, since)
    finally:
        store.close()
    assert seen["new"] > 10 and seen["lost"] > 10, seen  # the edit reaches other domains' links
    assert seen["unindexed"] > 0, seen  # and the rule for noindex pages is put to the test


def _changes(store: Store, domain: str, **window: Any) -> list[dict[str, Any]]:
    """Rows of `linkgraph changes DOMAIN` with `window` (since=, from_crawl=, ...), run in this
    process on `store`."""
    from crawler.analysis.queries import changes_query, run_named

    name, params = changes_query(domain, **window)
    return run_named(store, name, params).dicts()


def _backlink_anchors(records: list[dict[str, Any]]) -> dict[str, dict[Pair, str]]:
    """dst_domain -> {(src_url, dst_url): anchor of the pair's first occurrence} over links
    from other domains (truth records come in ordinal order)."""
    found: dict[str, dict[Pair, str]] = {}
    for r in records:
        if r["type"] == "link" and r["src_domain"] != r["dst_domain"]:
            pairs = found.setdefault(r["dst_domain"], {})
            pairs.setdefault((r["src_url"], r["dst_url"]), r["anchor"])
    return found


def _rows(target: str, sql: str) -> list[tuple[Any, ...]]:
    store = open_store(target)
    try:
        return store.query(sql).rows
    finally:
        store.close()


def _only(values: frozenset[str]) -> str:
    (value,) = values
    return value


# -- one process per embedded data directory ------------------------------------------------


def test_second_process_on_a_running_crawls_data_is_refused_at_once(tmp_path: Path) -> None:
    web = build_web(6, 30, 4)
    records = list(truth(web))
    data, log = tmp_path / "data", tmp_path / "crawl.log"
    seeds = str(seeds_file(web, tmp_path))
    with WebServer(web, latency_ms=30) as server:
        # Slow on purpose (one request per host every 0.5 s): it must outlive the attempts.
        proc = start_linkgraph(["crawl", "--seeds-file", seeds, "--data", str(data), "--host-delay",
                       "0.5", "--host-concurrency", "1", "--proxy", server.proxy], log)  # fmt: skip
        wait_for("the crawl to start", lambda: (data / "frontier" / "url").exists())
        for args in (["sql", "SELECT 1"], ["backlinks", web.sites[0].domain],
                     ["crawl", "--seeds-file", seeds, "--proxy", server.proxy]):  # fmt: skip
            started = time.monotonic()
            second = linkgraph([*args, "--data", str(data)], check=False, timeout=60)
            assert time.monotonic() - started < 20, f"{args[0]} waited instead of failing"
            assert second.returncode == 1, second.stdout + second.stderr  # runtime error
            message = second.stderr.strip().splitlines()[-1]
            assert message.startswith("linkgraph: error: the embedded store"), message
            assert "in use by another process (pid" in message and "--clickhouse" in message
            assert proc.poll() is None, "the running crawl was harmed"
        output = _finish(proc, log)
    assert "Traceback" not in output, output[-6000:]
    _assert_truth(str((data / "store").resolve()), records)
