"""The stop rule of a first page of referring domains (crawler/analysis/refdomains.py) where
an upper bound ties an exact count, on chDB and clickhouse-server 18.16.

t.com's referring domains: c.com 3 current links; a.com and b.com 2 each, b.com's page having
carried 7 on an older fetch (bound 9). Exact order c, a, b; bound order b, c, a. The first two
candidates (b, c) give c 3, b 2, and the next candidate, a.com, is bound by 2 = b's count: a
tie, broken by the name (a before b), so the page is c, a and needs a.com read too. A rule
stopping at "Nth exact >= next bound" would answer c, b.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.analysis.queries import run_named
from crawler.analysis.refdomains import first_rows, refdomains_page
from crawler.records import OutLink, Page
from pipelines.store import Store
from tests.helpers.stores import filled_store

OLD = datetime(2026, 3, 1, 12, tzinfo=UTC).timestamp()
NOW = datetime(2026, 3, 8, 12, tzinfo=UTC).timestamp()


def _page(domain: str, when: float) -> Page:
    url = f"http://{domain}/p"
    return Page(url=url, host=domain, domain=domain, status=200, fetched_at=when)


def _links(domain: str, when: float, count: int) -> list[OutLink]:
    return [
        OutLink(
            src_url=f"http://{domain}/p",
            dst_url=f"http://t.com/{i % 2}",  # one URL linked twice: two links, one pair
            ordinal=i,
            src_host=domain,
            src_domain=domain,
            dst_host="t.com",
            dst_domain="t.com",
            is_external=True,
            fetched_at=when,
        )
        for i in range(count)
    ]


def _fill(store: Store) -> None:
    store.migrate()
    store.insert([_page("b.com", OLD)], _links("b.com", OLD, 7))
    pages = [_page(d, NOW) for d in ("a.com", "b.com", "c.com")]
    store.insert(
        pages, [*_links("a.com", NOW, 2), *_links("b.com", NOW, 2), *_links("c.com", NOW, 3)]
    )


@pytest.fixture(params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from filled_store(request, tmp_path, _fill)


def test_a_tie_at_the_bound_is_broken_by_name(store: Store) -> None:
    params = {"domain": "t.com", "country": ""}
    whole = run_named(store, "refdomains_report", params)
    assert [(r[0], r[1]) for r in whole.rows] == [("c.com", 3), ("a.com", 2), ("b.com", 2)]
    bounds = run_named(store, "refdomains_bounds", {"domain": "t.com", "limit": 10}).rows
    assert bounds == [("b.com", 9), ("c.com", 3), ("a.com", 2)]
    assert refdomains_page(store, params, 2).rows == whole.rows[:2]
    assert refdomains_page(store, params, 1).rows == whole.rows[:1]
    # Two rows: the tie sends the candidates to every domain, all three named (a rule
    # trusting the tie would have answered from b and c alone: c.com, b.com).
    first = first_rows(store, params, 2)
    assert first is not None and first.rows == whole.rows[:2]
