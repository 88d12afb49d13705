"""The named-query runner and the parameters of each report: plain typed values in, rows out.

The commands backlinks, refdomains, local, anchors, gap, broken, changes, top-pages,
linked-domains, ips and contacts each run one named query of schema/queries/ with the
parameters built here; nothing here prints or reads argparse.

    >>> store = open_link_graph(Path("linkgraph-data"))                    # doctest: +SKIP
    >>> run_named(store, "gap_report", gap_params("me.com", ["rival.com"])).rows  # doctest: +SKIP
    [('blog.net', 1, ...)]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler import datadir, settings
from crawler.analysis.addresses import IP_COLUMNS, ip_rows
from crawler.analysis.contacts import CONTACT_PATH
from crawler.analysis.targets import Target
from crawler.errors import ConfigError, QueryError
from pipelines.store import Result, Store, open_store

EXACT_MATCH_WARNING = 0.30  # share of links above which `anchors` warns about exact-match text
ANCHOR_TYPES = ("exact", "branded", "url", "generic", "other", "empty")
LOCAL_COLUMNS = ("ref_domain", "country", "country_source", "lang", "links", "dofollow_links")
ALL_ROWS = 2**63 - 1
_NEVER = datetime(2106, 1, 1, tzinfo=UTC)  # past any fetch; DateTime ends in 2106
_AUTHORITY_QUERIES = ("backlinks_report", "refdomains_report", "gap_report")
# The queries reading a table a store made by an older linkgraph may lack: the authority
# tables (migrations 005, 012), domain_link_rows (011), domain_pages (013: the reports), or that
# come first for a store with nothing in it yet (backlinks_links: a first `backlinks` on a new
# database finds the tables made, as the shortlist's query did before it).
_MIGRATED_QUERIES = (
    *_AUTHORITY_QUERIES,
    "refdomains_bounds",
    "backlinks_sources",
    "backlinks_links",
    "backlinks_pages",
    "backlinks_scores",
)
# The queries reading a target in its mode (fragments/target_match.sql); a caller that names
# no mode means the whole domain. `narrowed` (a mode other than domain) is set here.
_TARGET_QUERIES = (
    *_AUTHORITY_QUERIES,
    "refdomains_bounds",
    "backlinks_links",
    "anchors",
    "broken",
    "changes",
    "changes_crawls",
    "velocity",
    "top_pages",
    "referring_ips",
    "contacts",
)
# The queries telling why a link was lost (fragments/lost_links.sql).
_LOST_QUERIES = ("backlinks_report", "changes", "velocity")


def open_link_graph(
    data: Path, clickhouse: str = "", *, create: bool = False, connections: int = 1
) -> Store:
    """The store a report reads: `clickhouse` (a URL) if given, with up to `connections`
    connections, else the embedded one under `data`; a missing embedded store is an error
    unless `create` (importing into a new one)."""
    if clickhouse:
        return open_store(clickhouse, connections=connections)
    path = datadir.check(data) / "store"
    if create:
        path.mkdir(parents=True, exist_ok=True)
    elif not path.is_dir():
        raise ConfigError(f"no link graph at {data}: run `linkgraph crawl --data {data}`")
    return open_store(str(path.resolve()))


def run_named(store: Store, name: str, params: dict[str, Any]) -> Result:
    """Run a named query, migrating the store first if it reads the authority tables; a
    target query without `mode` covers the whole domain, refdomains_report without
    `src_domains` every referring domain."""
    if name in _TARGET_QUERIES:
        if "mode" not in params:
            params = {**params, "mode": "domain", "target": ""}
        params = {**params, "narrowed": int(params["mode"] != "domain")}
    if name == "refdomains_report" and "src_domains" not in params:
        params = {**params, "src_domains": []}  # every referring domain (refdomains.py narrows)
    if name in _LOST_QUERIES and "lost_after_errors" not in params:
        params = {**params, "lost_after_errors": settings.LINKGRAPH_LOST_AFTER_ERRORS}
    if name in _MIGRATED_QUERIES:
        # A store that never ran `linkgraph authority` may predate migration 005, the tables'
        # one definition: the migration creates them (empty) the way every other table comes;
        # one made before 011 gets domain_link_rows, backfilled once from link_fetches.
        store.ensure_migrated()
    if name == "changes_crawls":
        _check_crawls(store, [params["from_crawl"], params["to_crawl"]])
    return _live_not_lost(store.named(name, params))


def _check_crawls(store: Store, crawl_ids: list[str]) -> None:
    """QueryError naming a crawl id the store has no fetch of (0 rows would say nothing)."""
    sql = "SELECT DISTINCT crawl_id FROM page_fetches WHERE has({ids:Array(String)}, crawl_id)"
    known = {row[0] for row in store.query(sql, {"ids": crawl_ids}).rows}
    unknown = [crawl_id for crawl_id in crawl_ids if crawl_id not in known]
    if unknown:
        listing = 'linkgraph sql "SELECT DISTINCT crawl_id FROM page_fetches"'
        raise QueryError(f"no crawl {unknown[0]!r} in the store (`{listing}` lists them)")


def _live_not_lost(result: Result) -> Result:
    """A live link's lost_at is empty (None), not the DateTime zero, 1970-01-01."""
    if "lost_at" not in result.columns:
        return result
    at = result.columns.index("lost_at")
    rows = []
    for row in result.rows:
        values = list(row)
        values[at] = None if _is_zero(values[at]) else values[at]
        rows.append(tuple(values))
    return Result(result.columns, rows)


def _is_zero(value: Any) -> bool:
    return isinstance(value, datetime) and value.timestamp() == 0


def with_target(params: dict[str, Any], target: Target) -> dict[str, Any]:
    """A target query's parameters narrowed to `target` (fragments/target_match.sql)."""
    return {**params, "mode": target.mode, "target": target.value}


def has_authority(store: Store) -> bool:
    """Whether `linkgraph authority` has stored scores (without them every domain counts 0)."""
    return bool(store.execute("SELECT count() FROM domain_authority").rows[0][0])


def backlinks_params(
    domain: str,
    *,
    dofollow: bool = False,
    rel: str = "",
    section: str = "",
    kind: str = "",
    anchor_contains: str = "",
    min_authority: float = 0.0,
    country: str = "",
    new_since: datetime | None = None,
    lost_since: datetime | None = None,
    one_per_domain: bool = False,
    limit: int | None = None,
) -> dict[str, Any]:
    """backlinks_report.sql's parameters; an empty filter (or None) filters nothing."""
    return {
        "domain": domain,
        "dofollow": int(dofollow),
        "rel": rel.strip().lower(),
        "section": section.strip().lower(),
        "kind": kind.strip().lower(),
        "anchor_contains": anchor_contains,
        "min_authority": min_authority,
        "country": country,
        "new_since": new_since or 0,
        "lost_since": lost_since or 0,
        "one_per_domain": int(one_per_domain),
        "limit": limit or ALL_ROWS,
        "src_domains": [],  # all: crawler.analysis.shortlist narrows a first page's
    }


def local_rows(result: Result) -> list[tuple[Any, ...]]:
    """refdomains_report rows cut to LOCAL_COLUMNS, by country (unknown last), then links."""
    picks = [result.columns.index(c) for c in LOCAL_COLUMNS]
    rows = [tuple(row[i] for i in picks) for row in result.rows]
    rows.sort(key=lambda r: (r[1] == "", r[1], -r[4], r[0]))
    return rows


def keywords_param(values: Iterable[str]) -> list[str]:
    """Exact-match terms from comma-separated values: whitespace-normalized, lowercased."""
    terms = (" ".join(term.split()) for value in values for term in value.split(","))
    return sorted({term.lower() for term in terms if term})


def anchor_summary(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> dict[str, float]:
    """Share of links per anchor type (0..1), every type present."""
    kind, links = columns.index("anchor_type"), columns.index("links")
    total = sum(int(row[links]) for row in rows)
    counts = dict.fromkeys(ANCHOR_TYPES, 0)
    for row in rows:
        counts[row[kind]] = counts.get(row[kind], 0) + int(row[links])
    return {k: (v / total if total else 0.0) for k, v in counts.items()}


def gap_params(
    domain: str, competitors: Iterable[str], min_k: int = 1, disavow: Path | None = None
) -> dict[str, Any]:
    """gap_report.sql's parameters; the domains and pages of a disavow file are left out."""
    domains: list[str] = []
    urls: list[str] = []
    if disavow is not None:
        from crawler.analysis.disavow import read_disavow

        entries = read_disavow(disavow)
        domains, urls = sorted(entries.domains), sorted(entries.urls)
    rivals = sorted(set(competitors) - {domain})
    if not rivals:
        raise ConfigError("--vs needs a competitor other than DOMAIN")
    return {
        "domain": domain,
        "competitors": rivals,
        "min_k": min_k,
        "disavow_domains": domains,
        "disavow_urls": urls,
    }


def broken_params(
    domain: str,
    competitors: Iterable[str] = (),
    *,
    prospects: bool = False,
    target: Target | None = None,
) -> dict[str, Any]:
    """broken.sql's parameters: DOMAIN's dead URLs (narrowed to `target`), or (prospects) the
    competitors'."""
    given = set(competitors)
    if prospects and target is not None and target.mode != "domain":
        raise ConfigError("--mode narrows DOMAIN's own URLs: --prospects takes whole domains")
    if prospects:
        rivals = sorted(given - {domain})
        if not rivals:
            raise ConfigError("--prospects needs --vs COMPETITOR (one or more)")
        return {"domains": rivals, "exclude_domain": domain, "mode": "domain", "target": ""}
    if given:
        raise ConfigError("--vs goes with --prospects")
    params = {"domains": [domain], "exclude_domain": ""}
    return with_target(params, target) if target is not None else params


def changes_query(
    domain: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    from_crawl: str = "",
    to_crawl: str = "",
) -> tuple[str, dict[str, Any]]:
    """(named query, parameters) of new and lost links: in a time window, or between crawls."""
    crawls = bool(from_crawl or to_crawl)
    if crawls == bool(since or until):
        raise ConfigError(
            "changes needs --since DATE [--until DATE], or --from-crawl A --to-crawl B"
        )
    if crawls:
        if not (from_crawl and to_crawl):
            raise ConfigError("--from-crawl and --to-crawl go together")
        return "changes_crawls", {"domain": domain, "from_crawl": from_crawl, "to_crawl": to_crawl}
    if since is None:
        raise ConfigError("--until needs --since")
    end = until or _NEVER
    if end <= since:
        raise ConfigError("--until must be after --since")
    return "changes", {"domain": domain, "since": since, "until": end}


PROFILE_QUERIES = {
    "top-pages": "top_pages",
    "linked-domains": "linked_domains",
    "ips": "referring_ips",
    "contacts": "contacts",
}


def check_profile_target(command: str, target: Target) -> None:
    """Refuse a target `command` cannot read (before any store is opened)."""
    if command == "linked-domains" and target.mode != "domain":
        raise ConfigError("linked-domains reads a whole domain's pages: no --mode host/...")


def profile_rows(
    store: Store, command: str, domain: str, target: Target
) -> tuple[Sequence[str], Sequence[Sequence[Any]]]:
    """The (columns, rows) of top-pages, linked-domains, ips or contacts (PROFILE_QUERIES) for
    a target, for the CLI and the API alike."""
    check_profile_target(command, target)
    name = PROFILE_QUERIES[command]
    if name == "linked_domains":
        result = run_named(store, name, {"domain": domain})
    elif name == "contacts":
        values = {"domain": domain, "contact_path": CONTACT_PATH}
        result = run_named(store, name, with_target(values, target))
    else:
        result = run_named(store, name, with_target({"domain": domain}, target))
    if name == "referring_ips":
        return IP_COLUMNS, ip_rows(result.columns, result.rows)
    return result.columns, result.rows
