"""The planted spam network: opt-in without changing the natural web, and each kind carrying the
footprint its truth label names."""

from __future__ import annotations

from collections import Counter
from typing import Any

from crawler.analysis.addresses import subnet_of
from crawler.testweb import Web, build_web, truth
from crawler.testweb.spam import DIRECTORY_LINKS, FARM_LINKS, KINDS


def test_natural_web_is_unchanged_by_the_network() -> None:
    plain = list(truth(build_web(6, 30, 1)))
    web = build_web(6, 30, 1, spam=True)
    network = web.spam
    assert network is not None
    natural = [r for r in truth(web) if (r.get("src_domain") or _domain(web, r)) in network.natural]
    assert natural == plain
    assert build_web(6, 30, 1).spam is None


def test_each_kind_has_its_footprint() -> None:
    web = build_web(6, 30, 1, spam=True)
    network = web.spam
    assert network is not None
    assert Counter(network.kinds.values()) == {kind: count for kind, count, _ in KINDS}
    targets = {t.domain for t in network.targets}
    links = [r for r in truth(web) if r["type"] == "link" and r["src_domain"] in network.kinds]
    pages = {r["url"] for r in truth(web) if r["type"] == "page"}
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for r in links:
        by_kind.setdefault(network.kinds[r["src_domain"]], []).append(r)
    for kind, _, extra in KINDS:
        sites = [s for s in web.sites if network.kinds.get(s.domain) == kind]
        crawled = {u for u in pages for s in sites if u.startswith(s.home)}
        assert len(crawled) == len(sites) * (extra + 1), kind  # every page is reachable
    own = {kind: extra + 1 for kind, _, extra in KINDS}  # each page's menu of its site's pages
    per_page = Counter(r["src_url"] for r in by_kind["farm"])
    assert set(per_page.values()) == {FARM_LINKS + own["farm"]}
    per_page = Counter(r["src_url"] for r in by_kind["directory"])
    assert set(per_page.values()) == {DIRECTORY_LINKS + own["directory"]}
    money = [r for r in links if r["dst_domain"] in targets]
    for r in money:
        kind = network.kinds[r["src_domain"]]
        want = r["anchor"] if kind == "directory" else network.anchors[r["dst_domain"]]
        assert r["anchor"] == want
        assert r["section"] == {"footer": "footer"}.get(kind, "main"), r
    langs = {web.page(s.home).lang for s in web.sites if network.kinds.get(s.domain) == "foreign"}
    assert "en" not in langs and len(langs) == 4
    blocks = Counter(subnet_of(ip) for ip in network.addresses.values())
    pbn = [d for d, k in network.kinds.items() if k == "pbn"]
    assert blocks[subnet_of(network.addresses[pbn[0]])] == len(pbn)
    assert sorted(blocks.values()) == [1] * (len(network.kinds) - len(pbn)) + [len(pbn)]


def _domain(web: Web, record: dict[str, Any]) -> str:
    site = web.site_of(record["url"])
    return site.domain if site else ""
