"""A first page of backlinks without reading the target's whole link set (issue 17, point 6).

backlinks_report orders by the source domain's authority, then the source domain, so the first
N rows come from the first source domains in that order. Phase 1 (backlinks_sources.sql) lists
those from domain_link_rows, each with the link rows it ever sent, until they add up to N; phase 2
runs backlinks_report on their links alone. If the filters (or links since lost) leave fewer
than N rows, the shortlist was too short: it grows fourfold and phase 2 runs again. A shortlist
of every source domain (a domain with few, or a page past the rows of the first ones) still
names them: the query then reads their pages by domain (domain_pages, migration 013) instead
of looking them up through the target's links, 458 -> 186 ms for a random domain at 100M on
clickhouse-server 18.16 (bench/RESULTS.md, issue 17). Either way the rows are the whole
query's first N: every row of a listed domain sorts before every row of a domain after it.
A target of few link rows (at most lookup.LOOKUP_ROWS, no lost links asked) skips all this: its
rows are joined from three flat reads (crawler/analysis/lookup.py).

    >>> backlinks_page(store, backlinks_params("example.com", limit=100))  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from typing import Any

from crawler.analysis.lookup import lookup_page
from crawler.analysis.queries import ALL_ROWS, run_named
from pipelines.store import Result, Store

log = logging.getLogger(__name__)

GROWTH = 4  # a too-short shortlist asks this many times the links again


def backlinks_page(store: Store, params: dict[str, Any]) -> Result:
    """backlinks_report's rows for `params` (backlinks_params), read through a shortlist of
    source domains when `params` asks for a first page (a limit below every row)."""
    small = lookup_page(store, params)  # a target of few links: flat reads joined here
    if small is not None:
        return small
    need = int(params["limit"])
    want = need
    while need < ALL_ROWS:
        domains, complete = shortlist(store, params["domain"], want)
        result = run_named(store, "backlinks_report", {**params, "src_domains": domains})
        if complete or len(result.rows) >= need:
            return result  # complete: every source domain named, every row read
        log.debug(
            "shortlist of %d domains gave %d of %d rows", len(domains), len(result.rows), need
        )
        want = min(want * GROWTH, ALL_ROWS)
    return run_named(store, "backlinks_report", {**params, "src_domains": []})


def shortlist(store: Store, domain: str, want: int) -> tuple[list[str], bool]:
    """The first source domains of `domain` in backlinks_report's order whose links add up to
    `want`, and whether they are all of its source domains."""
    # Each listed domain sent at least one link: `want` domains always add up to `want`.
    rows = run_named(store, "backlinks_sources", {"domain": domain, "limit": want}).rows
    picked, links = [], 0
    for src_domain, count, _ in rows:
        picked.append(str(src_domain))
        links += int(count)
        if links >= want:
            break
    return picked, len(picked) == len(rows) and len(rows) < want
