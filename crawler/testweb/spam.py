"""A planted spam network for the simulated web, with its truth: which domains are spam, of what
kind, and the address block each was hosted in.

Opt-in (`build_web(..., spam=True)`): the natural sites and their pages stay exactly as without
it, and no natural site links into the network, so every other test's truth is unchanged. The
network's sites come after the natural ones and link to `SpamNetwork.targets`, the most popular
natural sites (those a spammer sells links to). Its kinds, each a known footprint:

- `farm`: sites of one kit, every page a list of hundreds of links to each other and to the
  targets, with the money anchor;
- `pbn`: a private blog network, short blog posts on one theme (the same markup on every site),
  each with one money-anchor link in the article; hosted in one address block;
- `footer`: sites carrying the money-anchor link in the footer of every page (sitewide);
- `foreign`: sites in languages the targets do not use, linking with the (English) money anchor;
- `directory`: "web directories", pages of hundreds of links to sites of every kind.

The crawler sees every site behind the test web's proxy, from 127.0.0.1: `addresses` is where
the network is hosted (public addresses: the toxicity signals skip others), for tests that give
the signals the truth's addresses.

    >>> from crawler.testweb.model import build_web
    >>> web = build_web(sites=6, pages_per_site=30, seed=1, spam=True)
    >>> network = web.spam
    >>> sorted(set(network.kinds.values()))
    ['directory', 'farm', 'footer', 'foreign', 'pbn']
    >>> all(d not in network.kinds for d in network.natural)
    True
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.testweb.generator import content_count, content_url
from crawler.testweb.names import NOUNS, OUTSIDE, Site
from crawler.testweb.pages import Block, Decoy, Link, Page
from crawler.urls.canonical import registrable_domain

if TYPE_CHECKING:
    from crawler.testweb.model import Web

# (kind, sites of that kind, pages per site besides the home page)
KINDS = (("farm", 5, 4), ("pbn", 5, 8), ("footer", 4, 7), ("foreign", 4, 6), ("directory", 3, 3))
TARGETS = 3  # the most popular natural sites are the network's customers
FARM_LINKS = 160  # links on a farm page (>= 100: the toxicity signal `outlinks`)
DIRECTORY_LINKS = 240
FOREIGN_LANGS = ("ru", "zh", "tr", "vi")
SPAM_WORDS = ("best", "cheap", "top", "buy", "discount", "deals", "pro", "hub", "zone", "now")
SPAM_TLDS = ("com", "net", "info", "xyz", "top", "biz", "online", "site")
PBN_BLOCK = "93.184.216"  # one /24 hosts the whole PBN
OTHER_BLOCKS = "185"  # every other spam site in a /24 of its own, 185.N.0.7


@dataclass(frozen=True)
class SpamNetwork:
    """The network's sites and truth labels: `kinds` maps each spam domain to its kind,
    `addresses` to the IPv4 address that hosts it, `anchors` each target domain to its money
    anchor; `natural` holds the natural sites' domains."""

    sites: tuple[Site, ...]
    kinds: dict[str, str]
    addresses: dict[str, str]
    targets: tuple[Site, ...]
    anchors: dict[str, str]
    natural: frozenset[str]


def plant(natural: tuple[Site, ...], popularity: list[float], seed: int) -> SpamNetwork:
    """The network for a web of `natural` sites (`popularity`: their Zipf weights)."""
    rng = random.Random(f"linkgraph-testweb:spam:{seed}")
    ranked = sorted(natural, key=lambda s: (-popularity[s.index], s.index))
    targets = tuple(ranked[: min(TARGETS, len(ranked))])
    anchors = {t.domain: _money_anchor(t, number) for number, t in enumerate(targets)}
    taken = {s.domain for s in natural} | set(OUTSIDE)
    sites: list[Site] = []
    kinds: dict[str, str] = {}
    addresses: dict[str, str] = {}
    for kind, count, _ in KINDS:
        for _ in range(count):
            domain = _spam_domain(rng, taken)
            index = len(natural) + len(sites)
            site = Site(index, f"www.{domain}", domain, domain.split(".")[0], "semantic",
                        "utf-8", frozenset({f"spam:{kind}"}))  # fmt: skip
            sites.append(site)
            kinds[domain] = kind
            number = len(sites)
            pbn = kind == "pbn"
            addresses[domain] = f"{PBN_BLOCK}.{number}" if pbn else f"{OTHER_BLOCKS}.{number}.0.7"
    return SpamNetwork(tuple(sites), kinds, addresses, targets, anchors,
                       frozenset(s.domain for s in natural))  # fmt: skip


def _money_anchor(target: Site, number: int) -> str:
    """A keyword anchor that does not name the target (`is_keyword_anchor`)."""
    noun = NOUNS[(target.index * 7 + number) % len(NOUNS)]
    return f"{SPAM_WORDS[number % 3]} {noun} {('online', 'deals', 'shop')[number % 3]}"


def _spam_domain(rng: random.Random, taken: set[str]) -> str:
    while True:
        words = [rng.choice(SPAM_WORDS), rng.choice(NOUNS), rng.choice(SPAM_WORDS)]
        domain = f"{'-'.join(words)}{rng.randrange(10, 99)}.{rng.choice(SPAM_TLDS)}"
        if domain not in taken and registrable_domain(domain) == domain:
            taken.add(domain)
            return domain


def build_spam_site(web: Web, site: Site) -> dict[str, Page]:
    """Every page of spam `site`, keyed by URL."""
    network = web.spam
    assert network is not None
    kind = network.kinds[site.domain]
    pages = next(extra for name, _, extra in KINDS if name == kind)
    urls = [site.home] + [f"http://{site.host}/p/{n}.html" for n in range(1, pages + 1)]
    rng = random.Random(f"linkgraph-testweb:spam:{web.seed}:{site.domain}")
    builder = _BUILDERS[kind]
    return {url: builder(web, network, site, urls, number, rng) for number, url in enumerate(urls)}


def _page(site: Site, url: str, blocks: list[Block], lang: str = "en") -> Page:
    return Page(url=url, title=f"{site.name} {url.rsplit('/', 1)[-1]}", lang=lang,
                style=site.style, blocks=blocks)  # fmt: skip


def _money(web: Web, network: SpamNetwork, number: int, page: int) -> Link:
    """The money link of page `page` of the network's site `number`: to each target in turn,
    its home page or one of its content pages."""
    target = network.targets[(number + page) % len(network.targets)]
    url = target.home if page % 2 else content_url(target, page % content_count(web.pages_per_site))
    return Link("a", url, form="abs", text=network.anchors[target.domain])


def _own(site: Site, urls: list[str]) -> Block:
    """The menu of every page of the site (so a crawl reaches them all)."""
    return Block("nav", _links((u, f"Page {n}") for n, u in enumerate(urls)))


def _links(pairs: Iterable[tuple[str, str]]) -> list[Link | Decoy]:
    return [Link("a", url, form="abs", text=text) for url, text in pairs]


def _farm(web: Web, net: SpamNetwork, site: Site, urls: list[str], n: int, rng: random.Random
          ) -> Page:  # fmt: skip
    farm = [s for s in net.sites if net.kinds[s.domain] == "farm"]
    items = _links(
        (f"http://{farm[i % len(farm)].host}/p/{i % 4 + 1}.html",
         f"{rng.choice(SPAM_WORDS)} {rng.choice(NOUNS)}")
        for i in range(FARM_LINKS - len(net.targets))
    )  # fmt: skip
    items += _links((t.home, net.anchors[t.domain]) for t in net.targets)
    return _page(site, urls[n], [_own(site, urls), Block("main", items)])


def _pbn(web: Web, net: SpamNetwork, site: Site, urls: list[str], n: int, rng: random.Random
         ) -> Page:  # fmt: skip
    # One theme: the same blocks and link counts on every site, only the posts differ.
    header = Block("header", [Link("a", site.home, text="Home")])
    recent = Block("aside", _links((u, f"Post {i}") for i, u in enumerate(urls[1:])))
    article = Block("main", [_money(web, net, site.index, n)])
    footer = Block("footer", [Link("a", "http://wikipedia.org/", form="abs", text="Wikipedia")])
    return _page(site, urls[n], [header, article, recent, footer])


def _footer(web: Web, net: SpamNetwork, site: Site, urls: list[str], n: int, rng: random.Random
            ) -> Page:  # fmt: skip
    target = net.targets[site.index % len(net.targets)]
    main = Block("main", [Link("a", urls[(n + 1) % len(urls)], text="Next article")])
    paid = Link("a", target.home, form="abs", text=net.anchors[target.domain])
    footer = Block("footer", [Link("a", site.home, text="Home"), paid])
    return _page(site, urls[n], [_own(site, urls), main, footer])


def _foreign(web: Web, net: SpamNetwork, site: Site, urls: list[str], n: int, rng: random.Random
             ) -> Page:  # fmt: skip
    lang = FOREIGN_LANGS[site.index % len(FOREIGN_LANGS)]
    main = Block("main", [_money(web, net, site.index, n), Link("a", site.home, text="Главная")])
    return _page(site, urls[n], [_own(site, urls), main], lang=lang)


def _directory(web: Web, net: SpamNetwork, site: Site, urls: list[str], n: int,
               rng: random.Random) -> Page:  # fmt: skip
    items = _links(
        (f"http://www.{rng.choice(OUTSIDE)}/{i}", f"Listing {i}")
        for i in range(DIRECTORY_LINKS - len(net.targets))
    )
    items += _links((t.home, t.name) for t in net.targets)
    return _page(site, urls[n], [_own(site, urls), Block("main", items)])


_BUILDERS = {"farm": _farm, "pbn": _pbn, "footer": _footer, "foreign": _foreign,
             "directory": _directory}  # fmt: skip
