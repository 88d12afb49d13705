"""A small target's backlinks joined from flat lookups (crawler/analysis/lookup.py) equal
backlinks_report's rows, column for column and in order, on chDB and clickhouse-server 18.16.

The store is a seeded random web with history: pages fetched up to four times (links added,
dropped and changed between fetches, failed fetches, a fetch delivered twice), source domains on
every kind of TLD the country rule tells apart, languages in every form it reads (regions with
`-` and `_`, upper case, a script subtag, none, ties), anchors with non-ASCII case pairs, every
rel token, self-links, and targets on several hosts and paths of the target domain. Every
target, filter, target mode and page size is compared, before and after an authority run.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.analysis import lookup
from crawler.analysis.authority_job import run_authority
from crawler.analysis.queries import backlinks_params, run_named, with_target
from crawler.analysis.shortlist import backlinks_page
from crawler.analysis.targets import resolve_target
from crawler.records import OutLink, Page
from pipelines.store import Store
from tests.helpers.stores import filled_store

DAYS = [datetime(2026, 5, d, 9, tzinfo=UTC).timestamp() for d in (1, 8, 15, 22)]
SOURCES = [
    "shop.co.uk", "blog.io", "news.de", "site.com", "forum.org", "tv.tv", "x.ly", "press.fr",
    "b.xn--p1ai", "c.am", "d.net", "e.me", "f.info", "g.ws", "h.org",
]  # fmt: skip
LANGS = ["en-GB", "pt_br", "de", "sv", "en", "", "zh-Hant-TW", "FR-ca", "ja", "xx-yy", "uk"]
ANCHORS = ["École", "ÉCOLE d'été", "İstanbul", "straße", "STRASSE", "", "Read more", "ΣΊΣΥΦΟΣ"]
TARGETS = [
    "http://me.com/a", "https://me.com/a", "http://www.me.com/b", "http://blog.me.com/c",
    "http://me.com/a/deeper", "http://other.com/", "http://other.com/x",
]  # fmt: skip
RELS = [(), ("nofollow",), ("ugc",), ("sponsored", "ugc"), ("noopener",), ("nofollow", "noopener")]
FILTERS: list[dict[str, Any]] = [
    {},
    {"dofollow": True},
    {"rel": "nofollow"},
    {"rel": "NoOpener"},
    {"section": "main"},
    {"kind": "area"},
    {"anchor_contains": "école"},
    {"anchor_contains": "i̇stanbul"},
    {"anchor_contains": "σίσυφος"},
    {"min_authority": 30.0},
    {"country": "GB"},
    {"country": "CA"},
    {"country": "DE"},
    {"new_since": datetime.fromtimestamp(DAYS[2], UTC)},
    {"one_per_domain": True},
    {"one_per_domain": True, "dofollow": True, "section": "nav"},
]
TARGET_MODES = [
    ("me.com", None), ("www.me.com", "host"), ("me.com/a", "prefix"),
    ("http://me.com/a", "exact"), ("other.com", None), ("nobody.com", None),
]  # fmt: skip
LIMITS = (1, 10_000)


def _fill(store: Store) -> None:
    store.migrate()
    rng = random.Random(17)
    for domain in [*SOURCES, "me.com"]:
        for n in range(rng.randint(2, 4)):
            url = f"http://{'www.' if n % 2 else ''}{domain}/p{n}"
            host = url.split("/")[2]
            for day in sorted(rng.sample(range(len(DAYS)), rng.randint(1, len(DAYS)))):
                status = rng.choice([200, 200, 200, 404, 500])
                page = Page(
                    url=url, host=host, domain=domain, status=status, fetched_at=DAYS[day],
                    crawl_id=f"c{day}", lang=rng.choice(LANGS), nofollow=rng.random() < 0.15,
                )  # fmt: skip
                links = []
                if status == 200:
                    # Links among the sources too: their authority differs, and orders rows.
                    others = [(f"http://{d}/p0", d) for d in rng.sample(SOURCES, rng.randint(0, 4))]
                    dsts = [(t, t.split("/")[2].removeprefix("www.").removeprefix("blog."))
                            for t in rng.sample(TARGETS, rng.randint(0, 5))]  # fmt: skip
                    for ordinal, (dst, dst_domain) in enumerate(dsts + others):
                        links.append(_link(rng, page, dst, dst_domain, ordinal))
                store.insert([page], links)
                if rng.random() < 0.2:
                    store.insert([page], links)  # delivered twice: one fetch still
    store.settle()


def _link(rng: random.Random, page: Page, dst: str, dst_domain: str, ordinal: int) -> OutLink:
    dst_host = dst.split("/")[2]
    return OutLink(
        src_url=page.url, dst_url=dst, anchor=rng.choice(ANCHORS), rel=rng.choice(RELS),
        kind=rng.choice(["a", "a", "area"]), section=rng.choice(["main", "nav", "footer"]),
        ordinal=ordinal, src_host=page.host, src_domain=page.domain, dst_host=dst_host,
        dst_domain=dst_domain, is_external=dst_domain != page.domain,
        page_nofollow=page.nofollow, fetched_at=page.fetched_at, crawl_id=page.crawl_id,
    )  # fmt: skip


@pytest.fixture(params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from filled_store(request, tmp_path, _fill)


def _compare(store: Store) -> int:
    """Every target, filter and limit: lookup rows == the whole query's first rows; the number
    of comparisons that had rows."""
    nonempty = 0
    for text, mode in TARGET_MODES:
        target = resolve_target(text, mode)
        for filters in FILTERS:
            whole = run_named(
                store,
                "backlinks_report",
                with_target(backlinks_params(target.domain, **filters), target),
            )
            for limit in LIMITS:
                params = backlinks_params(target.domain, **filters, limit=limit)
                params = with_target(params, target)
                got = lookup.lookup_page(store, params)
                assert got is not None, (text, mode, filters)
                assert got.columns == whole.columns
                assert got.rows == whole.rows[:limit], (text, mode, filters, limit)
                # The values' types too: jsonl and CSV print 0 and 0.0 differently.
                assert _types(got.rows) == _types(whole.rows[:limit]), (text, mode, filters)
                nonempty += bool(got.rows)
    return nonempty


def _types(rows: list[tuple[Any, ...]]) -> list[tuple[type, ...]]:
    return [tuple(map(type, row)) for row in rows]


def test_lookup_rows_equal_the_report_before_and_after_an_authority_run(store: Store) -> None:
    before = _compare(store)
    run_authority(store)
    scored = {row[0] for row in store.execute("SELECT pagerank FROM domain_authority").rows}
    assert len(scored) > 3, scored  # the order is by scores now, not names alone
    after = _compare(store)
    # Most filters leave rows: the comparisons are not of empty lists.
    assert before > 110 and after > 110, (before, after)
    whole = run_named(store, "backlinks_report", backlinks_params("me.com"))
    countries = {row[whole.columns.index("country")] for row in whole.rows}
    assert {"GB", "DE", "CN", "SE", ""} <= countries and len(countries) > 6, countries


def test_a_bigger_target_is_left_to_the_report(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = backlinks_params("me.com", limit=5)
    rows = run_named(store, "backlinks_links", {"domain": "me.com", "anchor_contains": "",
                                                "limit": 10**6}).rows  # fmt: skip
    monkeypatch.setattr(lookup, "LOOKUP_ROWS", len(rows))
    assert lookup.lookup_page(store, params) is not None
    monkeypatch.setattr(lookup, "LOOKUP_ROWS", len(rows) - 1)
    assert lookup.lookup_page(store, params) is None
    assert (
        backlinks_page(store, params).rows
        == run_named(store, "backlinks_report", backlinks_params("me.com")).rows[:5]
    )
    lost = backlinks_params("me.com", lost_since=datetime.fromtimestamp(DAYS[1], UTC))
    monkeypatch.setattr(lookup, "LOOKUP_ROWS", 10**6)
    assert lookup.lookup_page(store, lost) is None  # lost links: the report's own part
    # Names too long to send as literal sets (URLs can be kilobytes each): the report again.
    names = {row[0] for row in rows} | {row[1] for row in rows}
    size = sum(len(name.encode()) + 4 for name in names)
    monkeypatch.setattr(lookup, "LOOKUP_NAME_BYTES", size)
    assert lookup.lookup_page(store, params) is not None
    monkeypatch.setattr(lookup, "LOOKUP_NAME_BYTES", size - 1)
    assert lookup.lookup_page(store, params) is None


@pytest.mark.parametrize(
    ("domain", "lang", "country"),
    [
        ("a.co.uk", "fr", "GB"), ("a.de", "en-us", "DE"), ("a.io", "de", "DE"),
        ("a.com", "en-gb", "GB"), ("a.com", "pt_br", "BR"), ("a.com", "zh-hant-tw", "CN"),
        ("a.com", "en", ""), ("a.com", "", ""), ("a.tv", "sv", "SE"), ("a.xn--p1ai", "uk", "UA"),
        ("a.com", "fr-ça", "FR"), ("a.é", "", "é"),
    ],
)  # fmt: skip
def test_country_rule(domain: str, lang: str, country: str) -> None:
    assert lookup.country(domain, lang) == country
