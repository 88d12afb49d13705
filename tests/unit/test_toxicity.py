"""Toxicity: exact scores and reasons on a hand-built graph, no store involved."""

from __future__ import annotations

from crawler.analysis.toxicity import Backlink, score_backlinks

T = "shoes.com"


def _link(src: str, anchor: str = "Shoes", section: str = "main", outlinks: int = 10,
          lang: str = "en", dst: str = "http://shoes.com/") -> Backlink:  # fmt: skip
    domain = src.split("/")[2].removeprefix("www.")
    return Backlink(src, domain, dst, anchor, section, "body>main>p>a", outlinks, lang)


def test_scores_and_reasons_on_a_hand_built_graph() -> None:
    money = "cheap running trainers"
    links = [
        # pbn1, 2, 4.net: one template carrying one keyword anchor on all their links.
        _link("http://pbn1.net/a", money),
        _link("http://pbn1.net/b", "Cheap  Running Trainers", outlinks=150),
        _link("http://pbn2.net/a", money),
        _link("http://pbn2.net/b", money),
        _link("http://pbn4.net/a", money),
        _link("http://pbn4.net/b", money),
        # pbn3.net has the template, not the anchor: one theme is not one owner.
        _link("http://pbn3.net/a", "click here"),
        # sitewide footer links from 5 pages of blog.de, in German; its .de is no signal.
        *(_link(f"http://blog.de/{i}", "Shoes", "footer", lang="de-DE") for i in range(5)),
        # a clean editorial link, and one from a domain nothing links to.
        _link("http://news.org/story", "this shoe shop"),
        _link("http://lonely.io/x", "Shoes.com"),
    ]
    templates = {
        "pbn1.net": "A",
        "pbn2.net": "A",
        "pbn3.net": "A",
        "pbn4.net": "A",
        "blog.de": "B",
        "news.org": "A2",
    }
    pagerank = {"pbn1.net": 0.2, "pbn2.net": 0.2, "pbn3.net": 0.2, "pbn4.net": 0.2,
                "blog.de": 0.2, "news.org": 0.19, "lonely.io": 0.01}  # fmt: skip
    domains, scored = score_backlinks(T, links, templates, pagerank, "en")
    floor = "half the mean 0.0714"

    def network(*others: str) -> str:
        return (
            f"shared_template: same link template and anchor {money!r} as 2 other referring "
            f"domains ({', '.join(others)}) +25"
        )

    exact = f"exact_anchor: 2 of 2 links use the anchor {money!r} +20"
    assert [(d.ref_domain, d.score, d.links, d.pages, d.reasons) for d in domains] == [
        ("pbn1.net", 52.5, 2, 2, (
            network("pbn2.net", "pbn4.net"), exact, "outlinks on 1 of 2 links +15 each",
        )),
        ("pbn2.net", 45.0, 2, 2, (network("pbn1.net", "pbn4.net"), exact)),
        ("pbn4.net", 45.0, 2, 2, (network("pbn1.net", "pbn2.net"), exact)),
        ("blog.de", 25.0, 5, 5, (
            "foreign_lang: pages in 'de', the target's in 'en' +10",
            "sitewide on 5 of 5 links +15 each",
        )),
        ("lonely.io", 15.0, 1, 1, (f"low_authority: domain PageRank 0.01 < {floor} +15",)),
        ("news.org", 0.0, 1, 1, ()),
        ("pbn3.net", 0.0, 1, 1, ()),
    ]  # fmt: skip
    by_src = {s.src_url: (s.score, s.reasons) for s in scored}
    assert [s.src_url for s in scored] == [link.src_url for link in links]
    assert by_src["http://pbn1.net/b"] == (60.0, (
        network("pbn2.net", "pbn4.net"), exact,
        "outlinks: the linking page has 150 links (>= 100) +15",
    ))  # fmt: skip
    assert by_src["http://pbn1.net/a"][0] == 45.0
    assert by_src["http://blog.de/3"] == (25.0, (
        "foreign_lang: pages in 'de', the target's in 'en' +10",
        "sitewide: footer link, 5 pages of blog.de link to the target (>= 5) +15",
    ))  # fmt: skip
    assert by_src["http://news.org/story"] == (0.0, ())


def test_a_template_on_one_address_block_is_a_network() -> None:
    """Three domains of one template in one /24 (no common anchor); a fourth of the template
    elsewhere has neither signal; a country-code TLD other than the target's adds nothing."""
    links = [_link(f"http://{name}/p", "Shoes") for name in ("a.de", "b.fr", "c.it", "d.nl")]
    addresses = {"a.de": ["93.184.216.1"], "b.fr": ["93.184.216.2"], "c.it": ["93.184.216.3"],
                 "d.nl": ["151.101.1.1"]}  # fmt: skip
    templates = dict.fromkeys(addresses, "A")
    domains, _ = score_backlinks(T, links, templates, None, "en", addresses)
    block = "93.184.216.0/24"

    def reasons(*others: str) -> tuple[str, ...]:
        names = f"2 other referring domains ({', '.join(others)})"
        return (
            f"shared_template: same link template and served from {block} as {names} +25",
            f"shared_address: served from {block}, as {names} +15",
        )

    assert [(d.ref_domain, d.score, d.reasons) for d in domains] == [
        ("a.de", 40.0, reasons("b.fr", "c.it")),
        ("b.fr", 40.0, reasons("a.de", "c.it")),
        ("c.it", 40.0, reasons("a.de", "b.fr")),
        ("d.nl", 0.0, ()),
    ]


def test_without_authority_low_authority_is_not_checked() -> None:
    domains, _ = score_backlinks(T, [_link("http://lonely.io/x")], {}, None, "")
    assert [(d.ref_domain, d.score, d.reasons) for d in domains] == [("lonely.io", 0.0, ())]
