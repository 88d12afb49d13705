"""Toxicity: exact scores and reasons on a hand-built graph; a disavow file of the simulated web
written by the CLI, read back and checked line by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.disavow import MAX_BYTES, MAX_LINES, read_disavow
from crawler.toxicity import Backlink, score_backlinks
from tests.e2e import linkgraph
from tests.test_authority_cmd import crawled_web

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


def test_disavow_file_of_the_simulated_web(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    web, records, data = crawled_web(tmp_path_factory)
    counts: dict[str, int] = {}
    for r in records:
        if r["type"] == "link" and r["src_domain"] != r["dst_domain"]:
            counts[r["dst_domain"]] = counts.get(r["dst_domain"], 0) + 1
    target = max((d for d in counts if d in web.domains), key=lambda d: (counts[d], d))
    referring = {r["src_domain"] for r in records if r["type"] == "link"
                 and r["dst_domain"] == target and r["src_domain"] != target}  # fmt: skip
    scores = _jsonl(["toxicity", target, "--data", str(data)])
    assert {row["ref_domain"] for row in scores} == referring
    link_scores = _jsonl(["toxicity", target, "--links", "--data", str(data)])
    min_score = sorted({row["score"] for row in scores if row["score"] > 0})[-2]
    out = tmp_path / "disavow.txt"
    linkgraph(["disavow", target, "--min-score", str(min_score), "--out", str(out),
               "--data", str(data)])  # fmt: skip
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


def _jsonl(args: list[str]) -> list[dict]:
    proc = linkgraph([*args, "--format", "jsonl"])
    return [json.loads(line) for line in proc.stdout.splitlines()]
