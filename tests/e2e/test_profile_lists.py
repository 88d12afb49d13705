"""`top-pages`, `linked-domains` and `ips` against the simulated web's truth, through the CLI,
on chDB and on clickhouse-server 18.16."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from tests.helpers.e2e import CrawledWeb, linkgraph


def _rows(web: CrawledWeb, *args: str) -> list[dict[str, Any]]:
    out = linkgraph([*args, *web.args, "--format", "jsonl"]).stdout
    return [json.loads(line) for line in out.splitlines()]


def _external(web: CrawledWeb) -> list[dict[str, Any]]:
    return [r for r in web.records if r["type"] == "link" and r["src_domain"] != r["dst_domain"]]


def _dofollow(web: CrawledWeb, r: dict[str, Any]) -> bool:
    page = web.web.page(r["src_url"])
    return not {"nofollow", "ugc", "sponsored"} & set(r["rel"]) and not (page and page.nofollow)


def test_top_pages(analysis_web: CrawledWeb) -> None:
    links = _external(analysis_web)
    domain = Counter(r["dst_domain"] for r in links).most_common(1)[0][0]
    status = {r["url"]: r["status"] for r in analysis_web.records if r["type"] == "page"}
    mine = [r for r in links if r["dst_domain"] == domain]
    expected = [
        (url, len({r["src_domain"] for r in group}), len(group),
         sum(_dofollow(analysis_web, r) for r in group), status.get(url, 0))
        for url in {r["dst_url"] for r in mine}
        for group in [[r for r in mine if r["dst_url"] == url]]
    ]  # fmt: skip
    expected.sort(key=lambda e: (-e[1], -e[2], e[0]))
    got = _rows(analysis_web, "top-pages", domain)
    assert [
        (r["dst_url"], r["ref_domains"], r["links"], r["dofollow_links"], r["status"]) for r in got
    ] == expected


def test_linked_domains(analysis_web: CrawledWeb) -> None:
    links = _external(analysis_web)
    domain = sorted(analysis_web.web.domains)[0]
    out = [r for r in links if r["src_domain"] == domain]
    expected = {
        d: (len(group), sum(_dofollow(analysis_web, r) for r in group),
            len({r["src_url"] for r in group}), len({r["dst_url"] for r in group}))
        for d in {r["dst_domain"] for r in out}
        for group in [[r for r in out if r["dst_domain"] == d]]
    }  # fmt: skip
    got = _rows(analysis_web, "linked-domains", domain)
    assert {
        r["dst_domain"]: (r["links"], r["dofollow_links"], r["pages_linking"], r["pages_linked"])
        for r in got
    } == expected
    assert [r["dst_domain"] for r in got] == sorted(expected, key=lambda d: (-expected[d][0], d))


def test_ips_behind_the_proxy(analysis_web: CrawledWeb) -> None:
    """The crawl went through the simulated web's proxy on loopback: every page's address is
    the proxy's, so every referring domain is in one /24 (README: --proxy)."""
    links = _external(analysis_web)
    domain = Counter(r["dst_domain"] for r in links).most_common(1)[0][0]
    mine = [r for r in links if r["dst_domain"] == domain]
    got = _rows(analysis_web, "ips", domain)
    refs = sorted({r["src_domain"] for r in mine})
    assert got == [
        {"ip": "127.0.0.1", "subnet": "127.0.0.0/24", "ref_domains": len(refs),
         "ref_pages": len({r["src_url"] for r in mine}), "links": len(mine),
         "subnet_ref_domains": len(refs), "domains": refs}
    ]  # fmt: skip
