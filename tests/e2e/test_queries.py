"""The query commands against the simulated web's truth: exact rows, through the CLI.

One embedded crawl of the simulated web per module (as `linkgraph crawl` runs for a user); each
answer is computed again from `crawler.testweb.truth` alone and compared row for row.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crawler.testweb import Web, WebServer, build_web, truth
from tests.helpers.e2e import linkgraph

SITES, PAGES_PER_SITE, SEED = 20, 60, 7
GENERIC_CC = {"ai", "am", "cc", "co", "eu", "fm", "gg", "io", "ly", "me", "su", "to", "tv", "ws"}
LANG_COUNTRY = {"de": "DE", "fr": "FR", "it": "IT", "es": "ES", "nl": "NL", "sv": "SE", "ja": "JP"}
GENERIC = {
    "click here",
    "here",
    "read more",
    "more",
    "learn more",
    "website",
    "home",
    "link",
    "this site",
    "visit",
    "visit site",
    "source",
    "site",
    "page",
    "details",
    "info",
}


@pytest.fixture(scope="module")
def web() -> Web:
    return build_web(SITES, PAGES_PER_SITE, SEED)


@pytest.fixture(scope="module")
def records(web: Web) -> list[dict[str, Any]]:
    return list(truth(web))


@pytest.fixture(scope="module")
def data(web: Web, tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("queries")
    seeds = tmp / "seeds.txt"
    seeds.write_text("".join(site.home + "\n" for site in web.sites))
    with WebServer(web) as server:
        linkgraph(
            [
                "crawl",
                "--seeds-file",
                str(seeds),
                "--data",
                str(tmp / "data"),
                "--proxy",
                server.proxy,
            ]
        )
    return str(tmp / "data")


def rows(args: list[str], data: str) -> list[dict[str, Any]]:
    out = linkgraph([*args, "--data", data, "--format", "jsonl"]).stdout
    return [json.loads(line) for line in out.splitlines()]


def external(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["type"] == "link" and r["src_domain"] != r["dst_domain"]]


def least_linked(web: Web, records: list[dict[str, Any]]) -> tuple[str, list[str]]:
    ranked = Counter(r["dst_domain"] for r in records if r["type"] == "link")
    domains = [d for d, _ in ranked.most_common() if d in web.domains]
    return domains[-1], domains[:2]


def dofollow(web: Web, r: dict[str, Any]) -> bool:
    page = web.page(r["src_url"])
    flags = {"nofollow", "ugc", "sponsored"}
    return not flags & set(r["rel"]) and not (page is not None and page.nofollow)


def country(web: Web, records: list[dict[str, Any]], domain: str) -> str:
    """The documented rule: ccTLD, else lang's region, else lang's main country."""
    tld = domain.rsplit(".", 1)[-1]
    if len(tld) == 2 and tld not in GENERIC_CC:
        return "GB" if tld == "uk" else tld.upper()
    langs: Counter[str] = Counter()
    for r in records:
        if r["type"] == "page" and r["status"] == 200 and _domain(r["url"]) == domain:
            page = web.page(r["url"])
            if page is not None and page.lang and page.is_html:
                langs[page.lang.lower()] += 1
    if not langs:
        return ""
    lang = max(langs.items(), key=lambda kv: (kv[1], kv[0]))[0].replace("_", "-")
    parts = lang.split("-")
    if len(parts) > 1 and len(parts[1]) == 2:
        return parts[1].upper()
    return LANG_COUNTRY.get(parts[0], "")


def _domain(url: str) -> str:
    from crawler.testweb.pages import domain_of

    return domain_of(url)


def key(r: dict[str, Any]) -> tuple[Any, ...]:
    return (
        r["src_url"],
        r["dst_url"],
        r["ordinal"],
        r["anchor"],
        tuple(r["rel"]),
        r["section"],
        r["kind"],
    )


def test_backlinks_rows_and_filters(web: Web, records: list[dict[str, Any]], data: str) -> None:
    domain, _ = least_linked(web, records)
    truth_rows = [r for r in external(records) if r["dst_domain"] == domain]
    got = rows(["backlinks", domain], data)
    assert Counter(map(key, got)) == Counter(map(key, truth_rows))
    assert {r["status"] for r in got} == {"live"}
    assert all(r["dofollow"] == int(dofollow(web, r)) for r in got)
    assert all(r["country"] == country(web, records, r["src_domain"]) for r in got)
    section = Counter(r["section"] for r in truth_rows).most_common(1)[0][0]
    checks: list[tuple[list[str], Any]] = [
        (["--dofollow"], lambda r: dofollow(web, r)),
        (["--rel", "nofollow"], lambda r: "nofollow" in r["rel"]),
        (["--section", section], lambda r: r["section"] == section),
        (["--kind", "a"], lambda r: r["kind"] == "a"),
        (["--anchor-contains", "E"], lambda r: "e" in r["anchor"].lower()),
        (["--country", "GB"], lambda r: country(web, records, r["src_domain"]) == "GB"),
    ]
    for extra, keep in checks:
        got = rows(["backlinks", domain, *extra], data)
        assert Counter(map(key, got)) == Counter(key(r) for r in truth_rows if keep(r)), extra
    # One per source domain: its first row in the documented order (no authority scores yet:
    # src_domain, dofollow first, then src_url, dst_url, ordinal).
    first: dict[str, dict[str, Any]] = {}
    for r in sorted(
        truth_rows, key=lambda r: (not dofollow(web, r), r["src_url"], r["dst_url"], r["ordinal"])
    ):
        first.setdefault(r["src_domain"], r)
    got = rows(["backlinks", domain, "--one-per-domain"], data)
    assert [key(r) for r in got] == [key(first[d]) for d in sorted(first)]
    assert len(rows(["backlinks", domain, "--one-per-domain", "--limit", "2"], data)) == 2
    # Everything seen in this crawl is new since yesterday; nothing is lost.
    assert len(rows(["backlinks", domain, "--new-since", "2000-01-01"], data)) == len(truth_rows)
    assert rows(["backlinks", domain, "--new-since", "2100-01-01"], data) == []
    assert rows(["backlinks", domain, "--lost-since", "2000-01-01"], data) == []


def test_refdomains_and_local(web: Web, records: list[dict[str, Any]], data: str) -> None:
    domain, _ = least_linked(web, records)
    links = [r for r in external(records) if r["dst_domain"] == domain]
    expected = {}
    for ref in {r["src_domain"] for r in links}:
        mine = [r for r in links if r["src_domain"] == ref]
        follow = sum(dofollow(web, r) for r in mine)
        expected[ref] = (
            len(mine),
            follow,
            round(follow / len(mine), 4),
            len({r["dst_url"] for r in mine}),
            country(web, records, ref),
        )
    got = rows(["refdomains", domain], data)
    assert {
        r["ref_domain"]: (
            r["links"],
            r["dofollow_links"],
            r["dofollow_share"],
            r["pages_linked"],
            r["country"],
        )
        for r in got
    } == expected
    assert [r["ref_domain"] for r in got] == sorted(expected, key=lambda d: (-expected[d][0], d))
    got = rows(["local", domain], data)
    assert {r["ref_domain"]: r["country"] for r in got} == {d: v[4] for d, v in expected.items()}
    code = next(v[4] for v in expected.values() if v[4])
    got = rows(["refdomains", domain, "--country", code.lower()], data)
    assert {r["ref_domain"] for r in got} == {d for d, v in expected.items() if v[4] == code}


def anchor_type(anchor: str, domain: str, keywords: set[str]) -> str:
    text = anchor.lower()
    brand = re.sub(r"[^a-z0-9]", "", domain.split(".")[0])
    if not anchor:
        return "empty"
    if re.fullmatch(r"(https?://|www\.)\S*", text) or re.fullmatch(
        r"[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(/\S*)?", text
    ):
        return "url"
    if text in keywords:
        return "exact"
    if brand and brand in re.sub(r"[^a-z0-9]", "", text):
        return "branded"
    if text in GENERIC:
        return "generic"
    return "other"


def test_anchors_distribution_and_warning(
    web: Web, records: list[dict[str, Any]], data: str
) -> None:
    _, (domain, _) = least_linked(web, records)
    links = [r for r in external(records) if r["dst_domain"] == domain]
    top = Counter(r["anchor"] for r in links if r["anchor"]).most_common(1)[0][0]
    keywords = {top.lower()}
    counts = Counter(r["anchor"] for r in links)
    refs = {a: len({r["src_domain"] for r in links if r["anchor"] == a}) for a in counts}
    proc = linkgraph(["anchors", domain, "--keywords", top, "--data", data, "--format", "jsonl"])
    got = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {r["anchor"]: (r["anchor_type"], r["links"], r["ref_domains"]) for r in got} == {
        a: (anchor_type(a, domain, keywords), n, refs[a]) for a, n in counts.items()
    }
    share = counts[top] / len(links)
    assert ("exact-match anchors are" in proc.stderr) == (share > 0.30)
    assert f"exact {share:.1%}" in proc.stderr


def test_gap_rows_examples_and_disavow(
    web: Web, records: list[dict[str, Any]], data: str, tmp_path: Path
) -> None:
    domain, rivals = least_linked(web, records)
    links = external(records)
    mine = {r["src_domain"] for r in links if r["dst_domain"] == domain}
    expected: dict[str, tuple[Any, ...]] = {}
    for ref in sorted({r["src_domain"] for r in links if r["dst_domain"] in rivals} - mine):
        if ref == domain:
            continue
        hits = [r for r in links if r["src_domain"] == ref and r["dst_domain"] in rivals]
        best = min(hits, key=lambda r: (r["src_url"], r["dst_url"], r["ordinal"]))
        expected[ref] = (
            sorted({r["dst_domain"] for r in hits}),
            best["src_url"],
            best["dst_url"],
            best["anchor"],
            best["section"],
            best["rel"],
        )
    assert expected
    args = ["gap", domain, "--vs", rivals[0], "--vs", rivals[1]]
    got = rows(args, data)
    assert {
        r["ref_domain"]: (
            r["competitors"],
            r["example_src_url"],
            r["example_dst_url"],
            r["example_anchor"],
            r["example_section"],
            r["example_rel"],
        )
        for r in got
    } == expected
    got = rows([*args, "--min", "2"], data)
    assert {r["ref_domain"] for r in got} == {d for d, v in expected.items() if len(v[0]) == 2}
    # A disavowed domain disappears; a disavowed page moves the example (or drops the domain).
    gone, moved = sorted(expected)[0], expected[sorted(expected)[-1]][1]
    disavow = tmp_path / "disavow.txt"
    disavow.write_text(f"# test\ndomain:{gone}\n{moved}\n")
    got = rows([*args, "--exclude-disavow", str(disavow)], data)
    assert gone not in {r["ref_domain"] for r in got}
    assert moved not in {r["example_src_url"] for r in got}
    # CSV: UTF-8 with a header.
    out = tmp_path / "gap.csv"
    linkgraph([*args, "--data", data, "--format", "csv", "--out", str(out)])
    table = list(csv.reader(out.open(encoding="utf-8")))
    assert table[0][:3] == ["ref_domain", "competitors", "competitor_count"]
    assert len(table) == len(expected) + 1


def test_broken_reclaim_and_prospects(web: Web, records: list[dict[str, Any]], data: str) -> None:
    status = {r["url"]: r["status"] for r in records if r["type"] == "page"}
    dead = {u for u, s in status.items() if 400 <= s < 600}
    links = [r for r in external(records) if r["dst_url"] in dead]
    assert {status[r["dst_url"]] for r in links} >= {404}
    domain = Counter(r["dst_domain"] for r in links).most_common(1)[0][0]
    expected = Counter(key(r) for r in links if r["dst_domain"] == domain)
    got = rows(["broken", domain], data)
    assert Counter(map(key, got)) == expected
    assert all(r["dst_status"] == status[r["dst_url"]] == r["final_status"] for r in got)
    rivals = sorted({r["dst_domain"] for r in links} - {domain})[:3]
    me = sorted(web.domains - set(rivals))[0]
    expected = Counter(key(r) for r in links if r["dst_domain"] in rivals and r["src_domain"] != me)
    args = ["broken", me, "--prospects"] + [a for d in rivals for a in ("--vs", d)]
    assert Counter(map(key, rows(args, data))) == expected


def test_xlsx_export(web: Web, records: list[dict[str, Any]], data: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    domain, _ = least_linked(web, records)
    out = tmp_path / "backlinks.xlsx"
    linkgraph(["backlinks", domain, "--data", data, "--format", "xlsx", "--out", str(out)])
    sheet = load_workbook(out).active
    assert sheet is not None
    values = list(sheet.values)
    assert values[0][:3] == ("src_url", "src_domain", "dst_url")
    assert len(values) - 1 == sum(1 for r in external(records) if r["dst_domain"] == domain)
