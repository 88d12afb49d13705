"""A first page of backlinks read through the shortlist of source domains (issue 17, point 6)
equals the whole query's first rows, on the crawled simulated web (authority computed, so the
order is by scores, not names), in chDB and in clickhouse-server 18.16: for the most linked
domains and a few others, every filter the CLI has, and page sizes from 1 up, including filters
that leave a short shortlist too few rows (it grows) and pages past every row (the whole query).
A small target's lookup (crawler/analysis/lookup.py) gives each page the same rows.
"""

from __future__ import annotations

from typing import Any

import pytest

from crawler.analysis import lookup
from crawler.analysis.queries import backlinks_params, run_named
from crawler.analysis.shortlist import backlinks_page, shortlist
from pipelines.store import open_store
from tests.helpers.e2e import CrawledWeb, crawled_web
from tests.helpers.ranking import most_linked
from tests.helpers.servers import ClickHouseServer

FILTERS: list[dict[str, Any]] = [
    {},
    {"dofollow": True},
    {"one_per_domain": True},
    {"anchor_contains": "e"},
    {"min_authority": 20.0},
]
LIMITS = (1, 3, 40, 10_000)


def _compare(crawled: CrawledWeb, monkeypatch: pytest.MonkeyPatch) -> None:
    # The targets here have few links: lookup.py would answer them all. The shortlist is what
    # this compares; lookup_page is compared beside it on the same pages.
    monkeypatch.setattr(lookup, "LOOKUP_ROWS", 0)
    ranked = most_linked(crawled.records)
    domains = [*ranked[:2], ranked[len(ranked) // 2]]
    store = open_store(crawled.target)
    try:
        top_sources = store.named("backlinks_sources", {"domain": ranked[0], "limit": 10**6}).rows
        # The shortlist is a true prefix: fewer source domains than the target has.
        picked, complete = shortlist(store, ranked[0], 1)
        assert (len(picked), complete) == (1, False), picked
        assert picked == [top_sources[0][0]] and len(top_sources) > 3, top_sources
        shortened = 0
        for domain in domains:
            for filters in FILTERS:
                whole = run_named(store, "backlinks_report", backlinks_params(domain, **filters))
                for limit in LIMITS:
                    params = backlinks_params(domain, **filters, limit=limit)
                    got = backlinks_page(store, params).rows
                    assert got == whole.rows[:limit], (domain, filters, limit)
                    with monkeypatch.context() as patch:
                        patch.setattr(lookup, "LOOKUP_ROWS", 10**6)
                        looked_up = lookup.lookup_page(store, params)
                    assert looked_up is not None and looked_up.rows == got, (domain, filters)
                    shortened += len(got) == limit and not shortlist(store, domain, limit)[1]
    finally:
        store.close()
    assert shortened > 10, shortened  # most first pages here came from a shortlist


@pytest.mark.timeout(900)  # a crawl, then ~200 queries on a shared machine
def test_first_pages_equal_the_whole_query_on_chdb(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    _compare(crawled_web(tmp_path_factory), monkeypatch)


@pytest.mark.server
@pytest.mark.timeout(900)
def test_first_pages_equal_the_whole_query_on_clickhouse_18(
    tmp_path_factory: pytest.TempPathFactory,
    clickhouse: ClickHouseServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _compare(crawled_web(tmp_path_factory, clickhouse), monkeypatch)
