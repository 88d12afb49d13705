"""Toxicity: exact scores and reasons on a hand-built graph; a disavow file of the simulated web
written by the CLI, read back and checked line by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.analysis.disavow import MAX_BYTES, MAX_LINES, read_disavow
from crawler.analysis.toxicity import Backlink, score_backlinks, score_domain
from crawler.records import OutLink, Page
from pipelines.store import open_store
from tests.conftest import Engine
from tests.helpers.e2e import CrawledWeb, crawled_web, linkgraph
from tests.helpers.servers import ClickHouseServer

T = "shoes.com"


def _link(src: str, anchor: str = "Shoes", section: str = "main", outlinks: int = 10,
          lang: str = "en", dst: str = "http://shoes.com/") -> Backlink:  # fmt: skip
    domain = src.split("/")[2].removeprefix("www.")
    return Backlink(src, domain, dst, anchor, section, "body>main>p>a", outlinks, lang)


def test_scores_and_reasons_on_a_hand_built_graph() -> None:
    links = [
        # pbn1..pbn3.net: one template; pbn1 also uses one keyword anchor on 2 of 2 links.
        _link("http://pbn1.net/a", "cheap running trainers"),
        _link("http://pbn1.net/b", "Cheap  Running Trainers", outlinks=150),
        _link("http://pbn2.net/a", "shoes.com"),
        _link("http://pbn3.net/a", "click here"),
        # sitewide footer links from 5 pages of blog.de, in German.
        *(_link(f"http://blog.de/{i}", "Shoes", "footer", lang="de-DE") for i in range(5)),
        # a clean editorial link, and one from a domain nothing links to.
        _link("http://news.org/story", "this shoe shop"),
        _link("http://lonely.io/x", "Shoes.com"),
    ]
    templates = {
        "pbn1.net": "A",
        "pbn2.net": "A",
        "pbn3.net": "A",
        "blog.de": "B",
        "news.org": "A2",
    }
    pagerank = {"pbn1.net": 0.2, "pbn2.net": 0.2, "pbn3.net": 0.2, "blog.de": 0.2,
                "news.org": 0.19, "lonely.io": 0.01}  # fmt: skip
    domains, scored = score_backlinks(T, links, templates, pagerank, "en")
    floor = "half the mean 0.0833"
    assert [(d.ref_domain, d.score, d.links, d.pages, d.reasons) for d in domains] == [
        ("pbn1.net", 52.5, 2, 2, (
            "shared_template: same link template as 2 other referring domains "
            "(pbn2.net, pbn3.net) +25",
            "exact_anchor: 2 of 2 links use the anchor 'cheap running trainers' +20",
            "outlinks on 1 of 2 links +15 each",
        )),
        ("blog.de", 35.0, 5, 5, (
            "foreign_lang: pages in 'de', the target's in 'en' +10",
            "foreign_tld: .de, the target is .com +10",
            "sitewide on 5 of 5 links +15 each",
        )),
        ("pbn2.net", 25.0, 1, 1, (
            "shared_template: same link template as 2 other referring domains "
            "(pbn1.net, pbn3.net) +25",
        )),
        ("pbn3.net", 25.0, 1, 1, (
            "shared_template: same link template as 2 other referring domains "
            "(pbn1.net, pbn2.net) +25",
        )),
        ("lonely.io", 15.0, 1, 1, (f"low_authority: domain PageRank 0.01 < {floor} +15",)),
        ("news.org", 0.0, 1, 1, ()),
    ]  # fmt: skip
    by_src = {s.src_url: (s.score, s.reasons) for s in scored}
    assert [s.src_url for s in scored] == [link.src_url for link in links]
    assert by_src["http://pbn1.net/b"] == (60.0, (
        "shared_template: same link template as 2 other referring domains "
        "(pbn2.net, pbn3.net) +25",
        "exact_anchor: 2 of 2 links use the anchor 'cheap running trainers' +20",
        "outlinks: the linking page has 150 links (>= 100) +15",
    ))  # fmt: skip
    assert by_src["http://pbn1.net/a"][0] == 45.0
    assert by_src["http://blog.de/3"] == (35.0, (
        "foreign_lang: pages in 'de', the target's in 'en' +10",
        "foreign_tld: .de, the target is .com +10",
        "sitewide: footer link, 5 pages of blog.de link to the target (>= 5) +15",
    ))  # fmt: skip
    assert by_src["http://news.org/story"] == (0.0, ())


def test_without_authority_low_authority_is_not_checked() -> None:
    domains, _ = score_backlinks(T, [_link("http://lonely.io/x")], {}, None, "")
    assert [(d.ref_domain, d.score, d.reasons) for d in domains] == [("lonely.io", 0.0, ())]


def _fetch(src: str, ip: str, when: float = 1.7e9) -> tuple[Page, OutLink]:
    """A fetch of `src`, served from `ip`, with one link to the target."""
    host = src.split("/")[2]
    page = Page(url=src, host=host, domain=host, status=200, outlink_count=1, fetched_at=when,
                ip=ip)  # fmt: skip
    link = OutLink(src, "http://shoes.com/", "shoes", src_host=host, src_domain=host,
                   dst_host=T, dst_domain=T, is_external=True, fetched_at=when)  # fmt: skip
    return page, link


def test_shared_address_block_on_stored_addresses(engine: Engine) -> None:
    fetches = [
        # 93.184.216.0/24 serves a.net, b.net, c.net; k.net left it (its latest fetch moved).
        _fetch("http://a.net/1", "93.184.216.10"),
        _fetch("http://b.net/1", "93.184.216.11"),
        _fetch("http://c.net/1", "::ffff:93.184.216.12"),
        _fetch("http://k.net/1", "93.184.216.99", when=1.6e9),
        # 151.101.1.0/24 serves a.net (its second page), k.net, l.net, m.net.
        _fetch("http://a.net/2", "151.101.1.5"),
        _fetch("http://k.net/1", "151.101.1.1"),
        _fetch("http://l.net/1", "151.101.1.6"),
        _fetch("http://m.net/1", "151.101.1.7"),
        # 2a00:1450:4001::/48 serves d, e, f.org; g.org is in the next /48.
        _fetch("http://d.org/1", "2a00:1450:4001:82a::1"),
        _fetch("http://e.org/1", "2a00:1450:4001:1::2"),
        _fetch("http://f.org/1", "2a00:1450:4001:ffff::3"),
        _fetch("http://g.org/1", "2a00:1450:4002::1"),
        # Private addresses (a proxy, a LAN) and no address at all say nothing.
        _fetch("http://h.com/1", "10.0.0.5"),
        _fetch("http://i.com/1", "10.0.0.6"),
        _fetch("http://j.com/1", "10.0.0.7"),
        _fetch("http://n.com/1", ""),
    ]
    store = open_store(engine.target)
    try:
        store.migrate()
        store.insert([page for page, _ in fetches], [link for _, link in fetches])
        domains = score_domain(store, T).domains
    finally:
        store.close()

    def served(block: str, others: str) -> tuple[str, ...]:
        return (f"shared_address: served from {block}, as {others} +15",)

    v4, v4b, v6 = "93.184.216.0/24", "151.101.1.0/24", "2a00:1450:4001::/48"
    assert [(d.ref_domain, d.score, d.links, d.pages, d.reasons) for d in domains] == [
        ("a.net", 15.0, 2, 2, served(v4b, "3 other referring domains (k.net, l.net, m.net)")),
        ("b.net", 15.0, 1, 1, served(v4, "2 other referring domains (a.net, c.net)")),
        ("c.net", 15.0, 1, 1, served(v4, "2 other referring domains (a.net, b.net)")),
        ("d.org", 15.0, 1, 1, served(v6, "2 other referring domains (e.org, f.org)")),
        ("e.org", 15.0, 1, 1, served(v6, "2 other referring domains (d.org, f.org)")),
        ("f.org", 15.0, 1, 1, served(v6, "2 other referring domains (d.org, e.org)")),
        ("k.net", 15.0, 1, 1, served(v4b, "3 other referring domains (a.net, l.net, m.net)")),
        ("l.net", 15.0, 1, 1, served(v4b, "3 other referring domains (a.net, k.net, m.net)")),
        ("m.net", 15.0, 1, 1, served(v4b, "3 other referring domains (a.net, k.net, l.net)")),
        ("g.org", 0.0, 1, 1, ()),
        ("h.com", 0.0, 1, 1, ()),
        ("i.com", 0.0, 1, 1, ()),
        ("j.com", 0.0, 1, 1, ()),
        ("n.com", 0.0, 1, 1, ()),
    ]


def test_disavow_file_of_the_simulated_web(analysis_web: CrawledWeb, tmp_path: Path) -> None:
    web, records, args, _ = analysis_web
    counts: dict[str, int] = {}
    for r in records:
        if r["type"] == "link" and r["src_domain"] != r["dst_domain"]:
            counts[r["dst_domain"]] = counts.get(r["dst_domain"], 0) + 1
    target = max((d for d in counts if d in web.domains), key=lambda d: (counts[d], d))
    referring = {r["src_domain"] for r in records if r["type"] == "link"
                 and r["dst_domain"] == target and r["src_domain"] != target}  # fmt: skip
    scores = _jsonl(["toxicity", target, *args])
    assert {row["ref_domain"] for row in scores} == referring
    link_scores = _jsonl(["toxicity", target, "--links", *args])
    min_score = sorted({row["score"] for row in scores if row["score"] > 0})[-2]
    out = tmp_path / "disavow.txt"
    linkgraph(["disavow", target, "--min-score", str(min_score), "--out", str(out), *args])
    raw = out.read_bytes()
    text = raw.decode("utf-8")
    lines = text.splitlines()
    assert len(lines) <= MAX_LINES and len(raw) <= MAX_BYTES and text.endswith("\n")
    want_domains = [r for r in scores if r["score"] >= min_score]
    listed = {r["ref_domain"] for r in want_domains}
    worst: dict[str, dict] = {}
    for r in link_scores:
        if r["score"] < min_score or r["src_domain"] in listed:
            continue
        if r["src_url"] not in worst or r["score"] > worst[r["src_url"]]["score"]:
            worst[r["src_url"]] = r
    assert want_domains, "the simulated web should have domains scoring that much"
    body = [line for line in lines if not line.startswith("# Disavow file for")]
    assert lines[0].startswith(f"# Disavow file for {target}, written by linkgraph on ")
    assert lines[1] == "# Each entry's comment gives its score and reasons (linkgraph toxicity)."
    expected = []
    for r in want_domains:
        expected += [f"# score {r['score']:g}: {r['reasons']}", f"domain:{r['ref_domain']}"]
    for url, r in sorted(worst.items()):
        expected += [f"# score {r['score']:g}: {r['reasons']}", url]
    assert body[1:] == expected
    back = read_disavow(out)
    assert back.domains == frozenset(listed)
    assert back.urls == frozenset(worst)
    assert listed <= referring


@pytest.mark.server
def test_scores_are_the_same_on_clickhouse_18(
    tmp_path_factory: pytest.TempPathFactory, clickhouse: ClickHouseServer
) -> None:
    """Every domain's and link's score and reasons, from a crawl into clickhouse-server 18.16,
    are those from the same crawl into chDB."""
    crawls = [crawled_web(tmp_path_factory), crawled_web(tmp_path_factory, clickhouse)]
    targets = sorted({r["dst_domain"] for r in crawls[0].records if r["type"] == "link"})
    for target in targets:
        got = []
        for crawled in crawls:
            store = open_store(crawled.target)
            try:
                got.append(score_domain(store, target))
            finally:
                store.close()
        assert got[0] == got[1], target
    assert any(d.score > 0 for d in got[0][0])


def _jsonl(args: list[str]) -> list[dict]:
    proc = linkgraph([*args, "--format", "jsonl"])
    return [json.loads(line) for line in proc.stdout.splitlines()]
