"""A first page of referring domains read through candidates ranked by an upper bound (issue 17,
point 6) equals the whole query's first rows, on a crawled simulated web, in chDB and in
clickhouse-server 18.16: for the most linked domains and a median one, with and without
--country, in domain and host mode, page sizes from 1 up (ties in `links` included) and pages
past every row (the whole query).

The bound (a domain's link_fetches rows over every fetch) equals the exact count on a web
crawled once, so the store is given history first: older fetches of the least linking
domains' pages, carrying their links many times over. Their bounds then rank first while their
exact counts rank last, and a page that trusted the bound's order, or stopped widening too
early, would differ from the whole query.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

import crawler.analysis.refdomains as refdomains_module
from crawler.analysis.queries import run_named
from crawler.analysis.refdomains import refdomains_need, refdomains_page
from crawler.analysis.targets import domain_target, resolve_target
from crawler.testweb import build_web
from crawler.urls.canonical import host_of
from pipelines.store import Store, open_store
from tests.helpers.e2e import CrawledWeb, crawled_web
from tests.helpers.ranking import most_linked
from tests.helpers.servers import ClickHouseServer

WEB = (24, 10, 5)  # sites, pages per site, seed: up to 23 referring domains per domain
NEEDS = (1, 2, 3, 5, 8, 13, 1000)
COPIES = 6  # older fetches carrying each link of an inflated domain again


def _add_history(store: Store, domain: str, sources: list[str]) -> None:
    """Older fetches of the pages of `sources` linking into `domain`, each carrying its links
    COPIES times at new ordinals: rows of every fetch (the bound), never current links."""
    columns = [str(row[0]) for row in store.query("DESCRIBE TABLE link_fetches").rows]
    changed = {
        "fetch_us": "fetch_us - 1000000 * (i + 1)",
        "ordinal": "ordinal + 1000 * (i + 1)",
        "fetched_at": "fetched_at - 86400 * (i + 1)",
    }
    select = ", ".join(changed.get(name, name) for name in columns)
    store.query(
        f"INSERT INTO link_fetches ({', '.join(columns)}) SELECT {select} FROM link_fetches "
        f"ARRAY JOIN range({COPIES}) AS i WHERE dst_domain = {{domain:String}} "
        "AND has({sources:Array(String)}, src_domain)",
        {"domain": domain, "sources": sources},
    )


def _targets(crawled: CrawledWeb, domain: str) -> list[dict[str, Any]]:
    """`domain` whole, and its most linked host (--mode host)."""
    hosts = Counter(
        host_of(r["dst_url"])
        for r in crawled.records
        if r["type"] == "link" and r["dst_domain"] == domain and r["src_domain"] != domain
    )
    return [
        domain_target(domain).params(),
        resolve_target(hosts.most_common(1)[0][0], "host").params(),
    ]


def _compare(crawled: CrawledWeb, monkeypatch: pytest.MonkeyPatch) -> None:
    ranked = most_linked(crawled.records)
    top = ranked[0]
    store = open_store(crawled.target)
    try:
        before = run_named(store, "refdomains_report", {"domain": top, "country": ""})
        links = before.columns.index("links")
        # The least linking half, inflated: their bounds come first, their exact counts last.
        least = [str(row[0]) for row in before.rows[len(before.rows) // 2 :]]
        _add_history(store, top, least)
        after = run_named(store, "refdomains_report", {"domain": top, "country": ""})
        assert [r[: links + 1] for r in after.rows] == [r[: links + 1] for r in before.rows]
        bounds = run_named(store, "refdomains_bounds", {"domain": top, "limit": 1000}).rows
        # The bound's order is not the exact one: its first is one of the least linking.
        assert str(bounds[0][0]) in least and len(bounds) == len(after.rows), bounds
        counts = [int(r[links]) for r in after.rows]
        assert len(counts) > 12 and len(set(counts)) < len(counts), counts  # ties to break
        countries = Counter(str(r[after.columns.index("country")]) for r in after.rows)
        narrowed = 0
        named: list[int] = []  # the candidates each refdomains_report call names

        def spy(store: Store, name: str, params: dict[str, Any]) -> Any:
            if name == "refdomains_report":
                named.append(len(params["src_domains"]))
            return run_named(store, name, params)

        monkeypatch.setattr(refdomains_module, "run_named", spy)
        for domain in (top, ranked[1], ranked[len(ranked) // 2]):
            for target in _targets(crawled, domain):
                every = len(run_named(store, "refdomains_bounds", {**target, "limit": 10**6}).rows)
                for country in ("", countries.most_common(1)[0][0]):
                    params = {**target, "country": country}
                    whole = run_named(store, "refdomains_report", params).rows
                    for need in NEEDS:
                        named.clear()
                        got = refdomains_page(store, params, need).rows
                        assert got == whole[:need], (params, need)
                        # Answered by fewer candidates than every referring domain.
                        narrowed += 0 < named[-1] < every
        assert narrowed > 20, narrowed  # most pages here came from candidates alone
        # A --sort with no bound reads every row; -links is the query's own order.
        assert refdomains_need("authority", 0, 5) is None
        assert refdomains_need("-links", 2, 5) == refdomains_need("", 2, 5) == 7
    finally:
        store.close()


@pytest.mark.timeout(900)  # a crawl, then ~200 queries on a shared machine
def test_first_pages_equal_the_whole_query_on_chdb(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    _compare(crawled_web(tmp_path_factory, web=build_web(*WEB), name="refdomains_web"), monkeypatch)


@pytest.mark.server
@pytest.mark.timeout(900)
def test_first_pages_equal_the_whole_query_on_clickhouse_18(
    tmp_path_factory: pytest.TempPathFactory,
    clickhouse: ClickHouseServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    web = build_web(*WEB)
    _compare(crawled_web(tmp_path_factory, clickhouse, web=web, name="refdomains_web"), monkeypatch)
