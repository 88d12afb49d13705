"""A first page of referring domains without the exact counts of every one (issue 17, point 6).

refdomains_report orders by `links` (current link occurrences) desc, then ref_domain. Phase 1
(refdomains_bounds.sql) ranks the referring domains by an upper bound of `links` (their rows of
link_fetches over every fetch: one column of the target's range); phase 2 runs
refdomains_report on the first candidates alone. The first N exact rows are the whole query's
first N once the Nth sorts before anything a domain left out could reach: a bound below the
Nth's links, or equal to it with a greater name (candidates come in bound desc, name order, so
every domain left out has a bound at most the next candidate's, and an equal bound only with
a name after it). Otherwise, or when the filter (--country) keeps fewer than N rows, the
candidates grow fourfold, until they are every referring domain: named still, so their pages
are read by domain (domain_pages, migration 013), not looked up through the target's links.

Sorts: the query's own order, and --sort -links (the same order: page_rows' sort is stable).
Any other --sort has no bound here (ascending counts, dates, authority, lang...) and reads
the whole query: REFDOMAINS_SORTS.

    >>> refdomains_page(store, {"domain": "example.com", "country": ""}, need=100)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from typing import Any

from crawler.analysis.queries import run_named
from pipelines.store import Result, Store

log = logging.getLogger(__name__)

GROWTH = 4  # candidates too few: ask this many times as many again
# --sort values whose order is refdomains_report's own (links desc, ref_domain).
REFDOMAINS_SORTS = frozenset({"", "-links", "-links,ref_domain"})


def refdomains_need(sort: str, offset: int, limit: int | None) -> int | None:
    """The rows of refdomains_report's order a page needs (offset + limit), or None (all of
    them) without a limit or under a --sort that order does not give."""
    if limit is None or sort.replace(" ", "") not in REFDOMAINS_SORTS:
        return None
    return offset + limit


def refdomains_page(store: Store, params: dict[str, Any], need: int | None) -> Result:
    """refdomains_report's rows for `params` (domain, country, mode, target): its first `need`
    rows, read through candidates ranked by an upper bound, or all of them (`need` None)."""
    first = first_rows(store, params, need) if need else None
    if first is not None:
        return first
    whole = run_named(store, "refdomains_report", {**params, "src_domains": []})
    return Result(whole.columns, whole.rows[:need]) if need else whole


def first_rows(store: Store, params: dict[str, Any], need: int) -> Result | None:
    """The first `need` rows of refdomains_report for `params`, from candidates alone (all
    of them once they are few); None when the target has no referring domain."""
    target = {k: v for k, v in params.items() if k in ("domain", "mode", "target")}
    want = need
    while True:
        bounds = run_named(store, "refdomains_bounds", {**target, "limit": want + 1}).rows
        if not bounds:
            return None  # no referring domain: nothing to name
        names = [str(name) for name, _ in bounds[:want]]
        result = run_named(store, "refdomains_report", {**params, "src_domains": names})
        if len(bounds) <= want or _settled(result, need, bounds[want]):
            # Every referring domain named (their pages read by domain, migration 013), or
            # the first `need` settled.
            return Result(result.columns, result.rows[:need])
        log.debug("%d candidates gave %d rows, not yet the first %d", want, len(result.rows), need)
        want *= GROWTH


def _settled(result: Result, need: int, following: tuple[Any, ...]) -> bool:
    """Whether the first `need` rows of `result` (the candidates' exact rows) are the whole
    query's: the next candidate (name, bound) sorts after the last of them even at its bound."""
    if len(result.rows) < need:
        return False
    row = result.rows[need - 1]
    links = int(row[result.columns.index("links")])
    name = str(row[result.columns.index("ref_domain")])
    bound, next_name = int(following[1]), str(following[0])
    return bound < links or (bound == links and next_name > name)
