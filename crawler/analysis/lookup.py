"""A small target's live backlinks from flat key lookups, joined here (issue 17, point 6).

backlinks_report answers any target, but each of its subqueries costs chDB ~10 ms to plan
however few rows it reads (a random domain's first page: 107 of 167 ms planning at 100M links,
bench/RESULTS.md), and clickhouse-server 18.16 builds a hash table per join. A target whose
link rows (every fetch) number at most LOOKUP_ROWS is answered from three flat reads instead:
its link rows (backlinks_links.sql, by the table key), its linking pages' latest fetches and its
source domains' languages (backlinks_pages.sql, from domain_pages), and, when an authority run
exists, the scores of those domains and pages (backlinks_scores.sql). The rows
are backlinks_report's, column for column and in its order: tests compare the two on every
filter, target mode and page size (tests/integration/test_backlinks_lookup.py); the SQL stays
the definition. Lost links (lost_since) and bigger targets are left to it.

    >>> lookup_page(store, backlinks_params("example.com", limit=100))  # doctest: +SKIP
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawler.analysis.queries import has_authority, run_named
from pipelines.sqlparams import epoch_seconds
from pipelines.store import Result, Store

# Link rows (every fetch) of a target read whole and joined here: past ~750 the rows and the
# literal sets of names cost more than backlinks_report's planning (bench/RESULTS.md).
LOOKUP_ROWS = 750
# The names (source pages and domains) a lookup sends as literal sets: well inside the servers'
# max_query_size (256 KiB), whatever the length of the URLs.
LOOKUP_NAME_BYTES = 100_000
COLUMNS = (
    "src_url", "src_domain", "dst_url", "ordinal", "anchor", "rel", "section", "kind", "dofollow",
    "authority", "page_authority", "country", "first_seen", "last_seen", "status", "lost_at",
    "reason", "reason_detail",
)  # fmt: skip
# backlinks_report's country rule (refdomains_report.sql documents it): ccTLDs used as generic
# names, and each language's main country.
GENERIC_CCTLDS = frozenset(
    ("ai", "am", "cc", "co", "eu", "fm", "gg", "io", "ly", "me", "su", "to", "tv", "ws")
)
LANG_COUNTRIES = {
    "cs": "CZ", "da": "DK", "de": "DE", "el": "GR", "es": "ES", "fi": "FI", "fr": "FR",
    "he": "IL", "hu": "HU", "it": "IT", "ja": "JP", "ko": "KR", "nb": "NO", "nl": "NL",
    "nn": "NO", "no": "NO", "pl": "PL", "pt": "PT", "ro": "RO", "ru": "RU", "sk": "SK",
    "sv": "SE", "tr": "TR", "uk": "UA", "zh": "CN",
}  # fmt: skip


def lookup_page(store: Store, params: dict[str, Any]) -> Result | None:
    """backlinks_report's rows for `params` (backlinks_params, with_target) when the target has
    at most LOOKUP_ROWS link rows (their names within LOOKUP_NAME_BYTES) and no lost links are
    asked for; None otherwise."""
    if params["lost_since"]:
        return None
    target: dict[str, Any] = {k: params[k] for k in ("mode", "target") if k in params}
    links = run_named(
        store,
        "backlinks_links",
        {
            "domain": params["domain"],
            "anchor_contains": params["anchor_contains"],
            "limit": LOOKUP_ROWS + 1,
            **target,
        },
    )
    if len(links.rows) > LOOKUP_ROWS:
        return None
    rows = [dict(zip(links.columns, row, strict=True)) for row in links.rows]
    domains = sorted({row["src_domain"] for row in rows})
    urls = sorted({row["src_url"] for row in rows})
    if sum(len(name.encode()) + 4 for name in (*domains, *urls)) > LOOKUP_NAME_BYTES:
        return None
    latest: dict[str, int] = {}
    langs: dict[str, str] = {}
    if rows:
        names = {"domain": params["domain"], "src_domains": domains, "src_urls": urls}
        pages = run_named(store, "backlinks_pages", names)
        for kind, name, lang, fetch_us in pages.rows:
            if kind == "fetch":
                latest[name] = fetch_us
            else:
                langs[name] = lang
    occurrences, seen = _current(rows, latest)
    scores = _scores(store, domains, sorted({row["src_url"] for row in occurrences}))
    unscored = rows[0]["unscored"] if rows else 0.0
    kept = []
    for row in occurrences:
        first_seen, last_seen = seen[row["src_url"], row["dst_url"]]
        link = {
            **row,
            "authority": scores.get(("domain", row["src_domain"]), unscored),
            "page_authority": scores.get(("page", row["src_url"]), unscored),
            "country": country(row["src_domain"], langs.get(row["src_domain"], "")),
            "first_seen": first_seen,
            "last_seen": last_seen,
            "status": "live",
            "lost_at": None,
            "reason": "",
            "reason_detail": "",
        }
        if link["anchor_match"] and _wanted(link, params):
            kept.append(link)
    rows_out = [tuple(link[name] for name in COLUMNS) for link in _ordered(kept, params)]
    return Result(list(COLUMNS), rows_out)


def _wanted(link: dict[str, Any], params: dict[str, Any]) -> bool:
    """backlinks_report's filters on a live link (its WHERE; anchor_contains is SQL's)."""
    new_since = params["new_since"]
    return (
        (not new_since or link["first_seen"].timestamp() >= epoch_seconds(new_since, "new_since"))
        and (not params["dofollow"] or link["dofollow"] == 1)
        and (not params["rel"] or params["rel"] in link["rel"])
        and (not params["section"] or link["section"] == params["section"])
        and (not params["kind"] or link["kind"] == params["kind"])
        and link["authority"] >= params["min_authority"]
        and (not params["country"] or link["country"] == _ascii_upper(params["country"]))
    )


def _ordered(links: list[dict[str, Any]], params: dict[str, Any]) -> list[dict[str, Any]]:
    """backlinks_report's order (authority desc, src_domain, dofollow first, src_url, dst_url,
    ordinal), one row per source domain with one_per_domain, then its limit."""
    links.sort(
        key=lambda r: (
            -r["authority"], r["src_domain"], -r["dofollow"], r["src_url"], r["dst_url"],
            r["ordinal"],
        )
    )  # fmt: skip
    if params["one_per_domain"]:
        firsts: dict[str, dict[str, Any]] = {}
        for link in links:
            firsts.setdefault(link["src_domain"], link)
        links = list(firsts.values())
    return links[: int(params["limit"])]


def country(src_domain: str, lang: str) -> str:
    """backlinks_report's country of a source domain with language `lang` (lower case): its
    ccTLD, else lang's region, else lang's main country, else ''. Byte lengths and ASCII-only
    upper case, as ClickHouse's length and upper."""
    tld = src_domain.split(".")[-1]
    if len(tld.encode()) == 2 and tld not in GENERIC_CCTLDS:
        return "GB" if tld == "uk" else _ascii_upper(tld)
    parts = lang.replace("_", "-").split("-")
    if len(parts) > 1 and len(parts[1].encode()) == 2:
        return _ascii_upper(parts[1])
    return LANG_COUNTRIES.get(parts[0], "")


def _ascii_upper(text: str) -> str:
    return "".join(chr(ord(c) - 32) if "a" <= c <= "z" else c for c in text)


def _current(
    rows: list[dict[str, Any]], latest: dict[str, int]
) -> tuple[list[dict[str, Any]], dict[tuple[str, str], tuple[datetime, datetime]]]:
    """The occurrences on their page's latest fetch (one per src_url, dst_url, ordinal: a not
    yet merged repeat is dropped) and each (src_url, dst_url) pair's first and last fetch."""
    seen: dict[tuple[str, str], tuple[datetime, datetime]] = {}
    current: dict[tuple[str, str, int], dict[str, Any]] = {}
    for row in rows:
        pair = row["src_url"], row["dst_url"]
        at = row["fetched_at"]
        first, last = seen.get(pair, (at, at))
        seen[pair] = min(first, at), max(last, at)
        if row["fetch_us"] == latest.get(row["src_url"]):
            current.setdefault((*pair, row["ordinal"]), row)
    return list(current.values()), seen


def _scores(store: Store, domains: list[str], urls: list[str]) -> dict[tuple[str, str], Any]:
    """(level, name) -> authority in the latest run, as the engine gives it; nothing without
    a run (every score 0)."""
    if not domains or not has_authority(store):
        return {}
    result = run_named(store, "backlinks_scores", {"src_domains": domains, "src_urls": urls})
    return {(level, name): score for level, name, score in result.rows}
