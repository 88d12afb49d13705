"""The link store on both backends: chDB (26.x, in-process) and clickhouse-server 18.16, one
server or a cluster (2 shards, one with 2 replicas)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.errors import QueryError, StoreError, StoreLocked, StoreUnavailable
from crawler.records import OutLink, Page
from pipelines.columns import LINK_COLUMNS, PAGE_COLUMNS
from pipelines.server_store import ServerStore
from pipelines.store import Store, migrations, open_store
from tests.helpers.e2e import domain_truth
from tests.helpers.e2e import utc as at
from tests.helpers.samples import GRAPH, T0, T1, T2, fetch


@pytest.fixture(
    params=[
        "chdb",
        pytest.param("server", marks=pytest.mark.server),
        pytest.param("cluster", marks=[pytest.mark.server, pytest.mark.cluster]),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """chDB, one clickhouse-server, and the 2-shard cluster through its first node."""
    if request.param == "chdb":
        target = str(tmp_path / "graph")
    elif request.param == "server":
        target = request.getfixturevalue("ch_url")
    else:
        target = request.getfixturevalue("ch_cluster_url") + "?cluster=lg"
    opened = open_store(target)
    opened.migrate()
    yield opened
    opened.close()


def load(store: Store, *fetches: tuple[list[Page], list[OutLink]]) -> None:
    for pages, links in fetches:
        store.insert(pages, links)


def test_round_trip_every_column(store: Store) -> None:
    page = Page(
        url="http://a.com/x",
        host="www.a.com",
        domain="a.com",
        status=301,
        content_type="text/html",
        title="Tïtle 'q'",
        lang="fr",
        canonical="http://a.com/c",
        redirect_to="http://b.com/",
        meta_robots="noindex,nofollow",
        x_robots_tag="noarchive",
        noindex=True,
        nofollow=True,
        outlink_count=1,
        depth=3,
        size=12345,
        fetched_at=T1 + 0.25,
        crawl_id="crawl-9",
        error="",
        ip="2001:db8::1",
        emails=["Info@a.com", "x'y@b.co.uk"],
    )
    link = OutLink(
        src_url="http://a.com/x",
        dst_url="http://b.com/",
        anchor="B \\ 'x'",
        rel=("nofollow", "ugc", "sponsored", "me"),
        kind="area",
        section="footer",
        dom_path="body>footer>map>area",
        ordinal=7,
        is_image=True,
        hreflang="de",
        src_host="www.a.com",
        src_domain="a.com",
        dst_host="b.com",
        dst_domain="b.com",
        is_external=True,
        page_nofollow=True,
        fetched_at=T1 + 0.25,
        crawl_id="crawl-9",
    )
    store.insert([page], [link])
    pages = store.query("SELECT * FROM pages").dicts()
    assert pages == [{
        "url": "http://a.com/x", "fetch_us": 1_700_000_100_250_000, "host": "www.a.com",
        "domain": "a.com", "status": 301, "content_type": "text/html", "title": "Tïtle 'q'",
        "lang": "fr", "canonical": "http://a.com/c", "redirect_to": "http://b.com/",
        "meta_robots": "noindex,nofollow", "x_robots_tag": "noarchive", "noindex": 1,
        "nofollow": 1, "outlink_count": 1, "depth": 3, "size": 12345, "fetched_at": at(T1),
        "crawl_id": "crawl-9", "error": "", "ip": "2001:db8::1",
        "emails": ["Info@a.com", "x'y@b.co.uk"],
    }]  # fmt: skip
    links = store.query("SELECT * FROM links").dicts()
    assert links == [{
        "dst_domain": "b.com", "dst_url": "http://b.com/", "src_url": "http://a.com/x",
        "fetch_us": 1_700_000_100_250_000, "ordinal": 7, "dst_host": "b.com",
        "src_host": "www.a.com", "src_domain": "a.com", "anchor": "B \\ 'x'",
        "rel": ["nofollow", "ugc", "sponsored", "me"], "nofollow": 1, "ugc": 1, "sponsored": 1,
        "kind": "area", "section": "footer", "dom_path": "body>footer>map>area", "is_image": 1,
        "hreflang": "de", "is_external": 1, "page_nofollow": 1, "fetched_at": at(T1),
        "crawl_id": "crawl-9",
    }]  # fmt: skip


def test_insert_columns_match_the_schema(store: Store) -> None:
    for table, columns in (("page_fetches", PAGE_COLUMNS), ("link_fetches", LINK_COLUMNS)):
        described = store.query(f"DESCRIBE TABLE {table}").rows
        assert [row[0] for row in described] == [name for name, _, _ in columns]


def test_redelivered_fetch_shows_once(store: Store) -> None:
    load(store, *GRAPH)
    before = (store.query("SELECT * FROM links ORDER BY src_url, ordinal").rows,
              store.query("SELECT * FROM pages ORDER BY url").rows)  # fmt: skip
    load(store, *GRAPH[:4], GRAPH[-1])
    after = (store.query("SELECT * FROM links ORDER BY src_url, ordinal").rows,
             store.query("SELECT * FROM pages ORDER BY url").rows)  # fmt: skip
    assert after == before
    assert len(before[1]) == 8 and len(before[0]) == 13
    for name, params in (("backlinks", {"domain": "c1.com"}), ("refdomains", {"domain": "c2.com"})):
        assert len(store.named(name, params).rows) == {"backlinks": 6, "refdomains": 4}[name]


def test_fetch_twice_in_one_block_shows_once(store: Store) -> None:
    """chDB inserts skip the per-block ReplacingMergeTree pass (optimize_on_insert = 0): a fetch
    twice in one block stays two rows until a merge, and every reader shows it once."""
    pages = [page for fetched, _ in GRAPH for page in fetched]
    links = [link for _, fetched in GRAPH for link in fetched]
    store.insert(pages + pages, links + links)
    assert store.query("SELECT count() FROM links").rows == [(13,)]
    assert store.query("SELECT count() FROM pages").rows == [(8,)]
    assert len(store.named("backlinks", {"domain": "c1.com"}).rows) == 6
    assert len(store.named("refdomains", {"domain": "c2.com"}).rows) == 4
    assert store.query("SELECT max(fetches) FROM link_history").rows == [(1,)]
    assert domain_rows(store) == domain_truth(links)


def test_newer_fetch_replaces_link_set(store: Store) -> None:
    load(store, *GRAPH)
    rows = store.query("SELECT dst_url, anchor FROM links WHERE src_url = 'http://f.com/1' "
                       "ORDER BY ordinal").rows  # fmt: skip
    assert rows == [("http://c1.com/", "F1"), ("http://c2.com/", "F2")]
    assert [r[0] for r in store.named("backlinks", {"domain": "t.com"}).rows] == ["http://d.com/1"]
    # an older fetch delivered late changes nothing
    load(store, fetch("http://f.com/1", T1, ("http://t.com/", "late")))
    assert store.query("SELECT count() FROM links WHERE src_url = 'http://f.com/1'").rows == [(2,)]
    # a page whose newest fetch has no links has no current links
    load(store, fetch("http://f.com/1", T2 + 50))
    assert store.query("SELECT count() FROM links WHERE src_url = 'http://f.com/1'").rows == [(0,)]


def test_backlinks(store: Store) -> None:
    load(store, *GRAPH)
    result = store.named("backlinks", {"domain": "c1.com"})
    assert result.columns == ["src_url", "src_domain", "dst_url", "anchor", "rel", "section",
                              "kind", "nofollow", "first_seen", "last_seen"]  # fmt: skip
    main = ("main", "a")
    assert result.rows == [
        ("http://b.com/1", "b.com", "http://c1.com/", "B1", [], *main, 0, at(T1), at(T1)),
        ("http://d.com/1", "d.com", "http://c1.com/", "D1", [], *main, 0, at(T1), at(T1)),
        ("http://f.com/1", "f.com", "http://c1.com/", "F1", [], *main, 0, at(T2), at(T2)),
        ("http://t.com/", "t.com", "http://c1.com/", "TC1", [], *main, 0, at(T1), at(T1)),
        ("http://a.com/1", "a.com", "http://c1.com/x", "A1", [], *main, 0, at(T1), at(T1)),
        ("http://a.com/1", "a.com", "http://c1.com/x", "A1 footer", ["nofollow"], *main, 1,
         at(T1), at(T1)),
    ]  # fmt: skip
    assert store.named("backlinks", {"domain": "nowhere.org"}).rows == []


def test_refdomains(store: Store) -> None:
    load(store, *GRAPH)
    result = store.named("refdomains", {"domain": "c1.com"})
    assert result.columns == ["ref_domain", "links", "dofollow_links", "pages_linked",
                              "first_seen", "last_seen"]  # fmt: skip
    assert result.rows == [
        ("a.com", 2, 1, 1, at(T1), at(T1)),
        ("b.com", 1, 1, 1, at(T1), at(T1)),
        ("d.com", 1, 1, 1, at(T1), at(T1)),
        ("f.com", 1, 1, 1, at(T2), at(T2)),
        ("t.com", 1, 1, 1, at(T1), at(T1)),
    ]
    assert store.named("refdomains", {"domain": "t.com"}).rows == [
        ("d.com", 1, 1, 1, at(T1), at(T1)),
    ]  # f.com linked t.com only in an older fetch


def test_gap(store: Store) -> None:
    load(store, *GRAPH)
    params = {"domain": "t.com", "competitors": ["c1.com", "c2.com", "c3.com"]}
    result = store.named("gap", {**params, "min_k": 2})
    assert result.columns == ["ref_domain", "competitors", "competitor_count", "example_src_url",
                              "example_dst_url", "example_anchor"]  # fmt: skip
    assert result.rows == [
        ("a.com", ["c1.com", "c2.com"], 2, "http://a.com/1", "http://c1.com/x", "A1"),
        ("b.com", ["c1.com", "c2.com"], 2, "http://b.com/1", "http://c1.com/", "B1"),
    ]
    assert store.named("gap", {**params, "min_k": 1}).rows == [
        ("a.com", ["c1.com", "c2.com"], 2, "http://a.com/1", "http://c1.com/x", "A1"),
        ("b.com", ["c1.com", "c2.com"], 2, "http://b.com/1", "http://c1.com/", "B1"),
        ("c1.com", ["c2.com"], 1, "http://c1.com/", "http://c2.com/", "C1C2"),
        ("e.com", ["c3.com"], 1, "http://e.com/1", "http://c3.com/", "E3"),
    ]  # d.com links t.com; f.com did once; t.com is the domain itself


def test_parameters_are_checked(store: Store) -> None:
    with pytest.raises(QueryError, match=r"missing parameter.*min_k"):
        store.named("gap", {"domain": "t.com", "competitors": ["a.com"]})
    with pytest.raises(QueryError, match=r"unknown parameter.*limit"):
        store.named("backlinks", {"domain": "t.com", "limit": 3})
    with pytest.raises(QueryError, match="'min_k' must be UInt32"):
        store.named("gap", {"domain": "t.com", "competitors": ["a.com"], "min_k": "2"})
    with pytest.raises(QueryError, match="'competitors' must be a list"):
        store.named("gap", {"domain": "t.com", "competitors": "a.com", "min_k": 1})
    with pytest.raises(QueryError, match="unknown query 'nope'"):
        store.named("nope", {})
    evil = "x' OR 1=1 --\\'"
    load(store, *GRAPH)
    assert store.named("backlinks", {"domain": evil}).rows == []
    assert store.query("SELECT {s:String}", {"s": evil}).rows == [(evil,)]


def test_server_errors_carry_the_code(store: Store) -> None:
    with pytest.raises(StoreError) as info:
        store.query("SELECT no_such_column FROM links")
    assert info.value.code == 47


def test_migrations_are_idempotent(store: Store) -> None:
    assert store.migrate() == []
    applied = store.query("SELECT version FROM schema_migrations FINAL ORDER BY version").rows
    allowed = [(m.version,) for m in migrations() if m.requires <= store.version_info]
    assert applied == allowed


def test_second_process_is_refused(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "graph"))
    store.migrate()
    try:
        script = textwrap.dedent(f"""
            from crawler.errors import StoreLocked
            from pipelines.store import open_store
            try:
                open_store({str(tmp_path / "graph")!r})
            except StoreLocked as exc:
                print("LOCKED", exc)
        """)
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             timeout=60, cwd=Path(__file__).parents[2])  # fmt: skip
        assert out.stdout.startswith("LOCKED"), out.stderr
        assert "in use by another process" in out.stdout
        store.insert(*fetch("http://a.com/", T1, ("http://b.com/", "B")))
        assert store.query("SELECT count() FROM links").rows == [(1,)]
    finally:
        store.close()


def test_one_embedded_store_per_process(tmp_path: Path) -> None:
    first = open_store(str(tmp_path / "one"))
    again = open_store(str(tmp_path / "one"))
    try:
        assert again is first
        with pytest.raises(StoreError, match="one data directory per process"):
            open_store(str(tmp_path / "two"))
    finally:
        again.close()
        first.close()
    assert not isinstance(StoreLocked("x"), StoreUnavailable)


def test_history_lost_and_changed_links(store: Store) -> None:
    load(store, *GRAPH)
    load(store, fetch("http://b.com/1", T2, ("http://c1.com/", "B1 renamed", ("sponsored",))))
    load(store, *GRAPH[1:2])  # an old fetch re-delivered late changes no history
    history = store.query(
        "SELECT src_url, dst_url, first_seen, last_seen, first_anchor, last_anchor, first_rel, "
        "last_rel, anchor_variants FROM link_history WHERE dst_domain = 'c1.com' "
        "AND src_url = 'http://b.com/1'"
    ).rows
    assert history == [("http://b.com/1", "http://c1.com/", at(T1), at(T2), "B1", "B1 renamed",
                        [], ["sponsored"], 2)]  # fmt: skip
    # a.com/1 carries c1.com/x twice with two anchors in one fetch: not a change between fetches.
    changes = store.query("SELECT src_url, dst_url FROM link_changes ORDER BY src_url").rows
    assert changes == [("http://b.com/1", "http://c1.com/")]
    lost = store.query("SELECT src_url, dst_url, last_seen, checked_at FROM lost_links").rows
    assert lost == [("http://f.com/1", "http://t.com/", at(T0), at(T2))]
    domains = store.query(
        "SELECT src_domain, links, dofollow_links, first_seen, last_seen "
        "FROM referring_domains WHERE dst_domain = 'c1.com' ORDER BY src_domain"
    ).rows
    assert domains == [
        ("a.com", 1, 1, at(T1), at(T1)),
        ("b.com", 1, 1, at(T1), at(T2)),
        ("d.com", 1, 1, at(T1), at(T1)),
        ("f.com", 1, 1, at(T2), at(T2)),
        ("t.com", 1, 1, at(T1), at(T1)),
    ]  # links ever seen: distinct (src_url, dst_url) pairs
    edges = store.query("SELECT dst_domain, links FROM domain_graph WHERE src_domain = 'f.com' "
                        "ORDER BY dst_domain").rows  # fmt: skip
    assert edges == [("c1.com", 1), ("c2.com", 1), ("t.com", 1)]


def domain_rows(store: Store) -> tuple[list[tuple], list[tuple]]:
    refs = store.query("SELECT * FROM referring_domains ORDER BY dst_domain, src_domain").rows
    edges = store.query("SELECT * FROM domain_graph ORDER BY src_domain, dst_domain").rows
    return refs, edges


def test_domain_views_exact_under_redelivery(store: Store) -> None:
    """referring_domains and domain_graph against the records, re-delivered fetches included."""
    hidden = fetch("http://g.com/1", T2, ("http://c1.com/", "G"), ("http://c2.com/", "G2"))
    for link in hidden[1]:
        link.page_nofollow = True  # a page saying nofollow: its links are not dofollow
    batches = [*GRAPH, hidden,
               fetch("http://b.com/1", T2, ("http://c1.com/", "B1", ("sponsored",)))]  # fmt: skip
    load(store, *batches)
    truth = domain_truth([link for _, links in batches for link in links])
    assert domain_rows(store) == truth
    assert truth[0][:3] == [
        ("c1.com", "a.com", 1, 1, at(T1), at(T1)),
        ("c1.com", "b.com", 1, 1, at(T1), at(T2)),  # dofollow at T1, sponsored at T2
        ("c1.com", "d.com", 1, 1, at(T1), at(T1)),
    ]
    assert ("c2.com", "g.com", 1, 0, at(T2), at(T2)) in truth[0]
    assert ("a.com", "c1.com", 1, 1, at(T1), at(T1)) in truth[1]  # c1.com/x twice: 1 link
    # Re-delivered fetches (a worker killed after the insert, a retry after a timeout), read
    # before and after their parts merge: nothing counted twice.
    load(store, *GRAPH[:4], GRAPH[-1], hidden)
    assert domain_rows(store) == truth
    for table in ("link_fetches", "domain_edges"):
        optimize(store, table)
    assert domain_rows(store) == truth


def optimize(store: Store, table: str) -> None:
    """Merge `table`'s parts; on a cluster each shard's local table, from the shard's first
    replica (a Distributed table cannot OPTIMIZE, and 18.16's OPTIMIZE ... ON CLUSTER of a
    replicated table fails with "Unknown log entry type")."""
    cluster = getattr(store, "cluster", "")
    if not cluster:
        store.execute(f"OPTIMIZE TABLE {table} FINAL")
        return
    from clickhouse_driver import Client

    assert isinstance(store, ServerStore)
    replicas = store.execute(
        f"SELECT host_address, port FROM system.clusters WHERE cluster = '{cluster}' "
        "AND replica_num = 1"
    ).rows
    for host, port in replicas:
        client = Client(host, port=port, database=store.database)
        client.execute(f"OPTIMIZE TABLE {table}_local FINAL")
        client.disconnect()


@pytest.mark.parametrize("engine", ["chdb", pytest.param("server", marks=pytest.mark.server)])
def test_domain_edges_backfill(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 008 on a store already holding links fills domain_edges from link_fetches;
    its backfill run again (or overlapping the view's own inserts) counts nothing twice."""
    import pipelines.store_base as store_module

    every = migrations()
    # Every migration but 008: the links are written with today's columns (010's emails).
    monkeypatch.setattr(store_module, "migrations", lambda: [m for m in every if m.version != 8])
    target = str(tmp_path / "graph") if engine == "chdb" else request.getfixturevalue("ch_url")
    with open_store(target) as opened:
        opened.migrate()
        wide = fetch("http://w.com/1", T1, *[
            (f"http://c1.com/p{i % 150}", f"W{i}", ("nofollow",) if i % 3 == 0 else ())
            for i in range(400)
        ])  # fmt: skip
        batches = [*GRAPH, wide]
        load(opened, *batches)
        monkeypatch.setattr(store_module, "migrations", lambda: every)
        assert opened.migrate() == ["008_domain_edges"]
        truth = domain_truth([link for _, links in batches for link in links])
        assert ("c1.com", "w.com", 150, 100, at(T1), at(T1)) in truth[0]
        assert domain_rows(opened) == truth
        backfill = next(s for m in every if m.version == 8 for s in m.statements
                        if s.startswith("INSERT INTO domain_edges"))  # fmt: skip
        opened.execute(backfill)
        load(opened, wide)
        assert domain_rows(opened) == truth


def link_rows(store: Store) -> dict[tuple[str, str], int]:
    rows = store.execute(
        "SELECT dst_domain, src_domain, sum(link_rows) FROM domain_link_rows "
        "GROUP BY dst_domain, src_domain"
    ).rows
    return {(dst, src): int(n) for dst, src, n in rows}


def inserted_rows(batches: list[tuple[list[Page], list[OutLink]]]) -> dict[tuple[str, str], int]:
    """What migration 011's view counts: every link row inserted, self-links excluded."""
    counts: dict[tuple[str, str], int] = {}
    for _, links in batches:
        for link in links:
            if link.src_domain != link.dst_domain:
                key = (link.dst_domain, link.src_domain)
                counts[key] = counts.get(key, 0) + 1
    return counts


def test_domain_link_rows_bound_the_links_under_redelivery(store: Store) -> None:
    """domain_link_rows counts every link row as inserted (migration 011): a re-delivered
    fetch counts again, merged or not, so it stays at or above the rows link_fetches keeps."""
    load(store, *GRAPH)
    assert link_rows(store) == inserted_rows(GRAPH) != {}
    again = [*GRAPH[:4], GRAPH[-1]]
    load(store, *again)
    for table in ("link_fetches", "domain_link_rows"):
        optimize(store, table)
    kept = store.execute(
        "SELECT dst_domain, src_domain, count() FROM link_fetches FINAL "
        "WHERE src_domain != dst_domain GROUP BY dst_domain, src_domain"
    ).rows
    assert {(d, s): int(n) for d, s, n in kept} == inserted_rows(GRAPH)
    counted = link_rows(store)
    assert counted.keys() == inserted_rows(GRAPH).keys()
    if getattr(store, "cluster", ""):
        # A replicated table drops an insert block it already has (insert deduplication),
        # the view's block with it: exact here, an upper bound either way.
        assert counted == inserted_rows(GRAPH)
    else:
        assert counted == inserted_rows([*GRAPH, *again])


@pytest.mark.parametrize("engine", ["chdb", pytest.param("server", marks=pytest.mark.server)])
def test_domain_link_rows_backfill(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 011 on a store already holding links counts them from link_fetches."""
    import pipelines.store_base as store_module

    every = migrations()
    monkeypatch.setattr(store_module, "migrations", lambda: [m for m in every if m.version != 11])
    target = str(tmp_path / "graph") if engine == "chdb" else request.getfixturevalue("ch_url")
    with open_store(target) as opened:
        opened.migrate()
        load(opened, *GRAPH)
        monkeypatch.setattr(store_module, "migrations", lambda: every)
        assert opened.migrate() == ["011_domain_link_rows"]
        assert link_rows(opened) == inserted_rows(GRAPH) != {}
        load(opened, GRAPH[0])  # the view counts from now on
        assert link_rows(opened) == inserted_rows([*GRAPH, GRAPH[0]])


def page_rows(store: Store, table: str) -> set[tuple[str, str, int, int, str]]:
    rows = store.execute(f"SELECT DISTINCT domain, url, fetch_us, status, lang FROM {table}").rows
    return {(str(d), str(u), int(f), int(s), str(lang)) for d, u, f, s, lang in rows}


def test_domain_pages_hold_every_fetch_under_redelivery(store: Store) -> None:
    """domain_pages (migration 013) has each fetch of page_fetches, by domain; a re-delivered
    fetch adds no fetch a reader could see (max(fetch_us) per url, uniqExact(url))."""
    load(store, *GRAPH)
    fetched = page_rows(store, "page_fetches")
    assert page_rows(store, "domain_pages") == fetched != set()
    load(store, *GRAPH[:3])
    assert page_rows(store, "domain_pages") == fetched


@pytest.mark.parametrize("engine", ["chdb", pytest.param("server", marks=pytest.mark.server)])
def test_domain_pages_backfill(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 013 on a store already holding pages fills domain_pages from page_fetches;
    the view keeps it from then on."""
    import pipelines.store_base as store_module

    every = migrations()
    monkeypatch.setattr(store_module, "migrations", lambda: [m for m in every if m.version != 13])
    target = str(tmp_path / "graph") if engine == "chdb" else request.getfixturevalue("ch_url")
    with open_store(target) as opened:
        opened.migrate()
        load(opened, *GRAPH[:-1])
        monkeypatch.setattr(store_module, "migrations", lambda: every)
        assert opened.migrate() == ["013_domain_pages"]
        assert page_rows(opened, "domain_pages") == page_rows(opened, "page_fetches") != set()
        load(opened, GRAPH[-1])  # the view from now on
        assert page_rows(opened, "domain_pages") == page_rows(opened, "page_fetches")
