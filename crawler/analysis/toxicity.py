"""A transparent spam score for every referring domain and backlink of a domain.

A score is a sum of points, one per signal that fires, capped at 100; every point comes with
its reason, worded with the figures that fired it. Nothing is learned or hidden.

Signals of a referring domain (they count on each of its links to the target), with points and
why each one says "bought or built for links" rather than "a site that likes the target":
- `shared_template` (25): the domain's link template (the sorted set of `dom_path`s of every
  current link on its pages that link to the target) is that of at least 2 other referring
  domains which also share its `exact_anchor` or its address block: one owner running a
  network of sites. A template alone is not enough: `dom_path` is tag names only, and
  unrelated sites built on one popular theme (every site of one style in the simulated web)
  have equal templates; one theme carrying one money anchor, or on one host, is a network.
- `shared_address` (15): the domain's linking pages were served from an address block (IPv4
  /24, IPv6 /48; the `ip` of their latest fetch) that serves at least 2 other referring domains
  too: sites of one owner on one host. Only global addresses count: a loopback, private or
  proxy address (every page of a crawl behind `--proxy`) says nothing about hosting. Fewer
  points than a shared template, since CDNs and shared hosts put unrelated sites in one block.
- `exact_anchor` (20): one keyword anchor (not empty, not the target's brand, not a URL, not a
  generic "click here") carries at least half of the domain's links to the target, 2 or more:
  people who like a site link it by name or with their own words; a sold link carries the
  keyword the buyer ranks for, on every page.
- `low_authority` (15): the domain's PageRank in the latest `linkgraph authority` run is below
  half the mean, 1 / (2 N) for N domains (not checked before a run): nobody links to it, so it
  exists for its outlinks.
- `foreign_lang` (10): the main language of its linking pages (`<html lang>`, primary subtag)
  differs from the target's: a page in a language the target's readers do not read links for
  rankings, not for readers.

A country-code TLD is no signal: a `.de` or `.co.uk` site linking to a `.com` is how the web
links (local links are good links), and such a +10 once put every natural referring domain of
the simulated web above the disavow line.

Signals of one link:
- `outlinks` (15): the linking page has at least 100 links: a link list, not an editorial
  choice (a link farm's or a directory's page).
- `sitewide` (15): the link sits in a footer or sidebar (`aside`) and at least 5 pages of its
  domain link to the target: a sitewide placement is how links are rented.

A link scores its domain's points plus its own; a domain scores its points plus the mean of
its links' own points. The disavow file (`linkgraph disavow`) lists domains at or above a
minimum score, then the linking pages scoring that much whose domain is not listed.

    >>> link = Backlink("http://a.net/p", "a.net", "http://t.com/", "best shoes", "footer", "",
    ...                 120, "en")
    >>> domains, links = score_backlinks("t.com", [link])
    >>> links[0].score, links[0].reasons
    (15.0, ('outlinks: the linking page has 120 links (>= 100) +15',))
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from crawler.analysis.addresses import parse_address, subnet_of
from crawler.urls.canonical import registrable_domain

if TYPE_CHECKING:
    from pipelines.store import Store

TEMPLATE_MIN_DOMAINS = 3
ADDRESS_MIN_DOMAINS = 3
EXACT_ANCHOR_SHARE = 0.5
EXACT_ANCHOR_MIN_LINKS = 2
MANY_OUTLINKS = 100
SITEWIDE_MIN_PAGES = 5
SITEWIDE_SECTIONS = ("footer", "aside")
POINTS = {
    "shared_template": 25,
    "shared_address": 15,
    "exact_anchor": 20,
    "low_authority": 15,
    "foreign_lang": 10,
    "outlinks": 15,
    "sitewide": 15,
}
GENERIC_ANCHORS = frozenset(
    ["click here", "here", "this", "this site", "this page", "website", "web site", "site",
     "link", "read more", "more", "learn more", "see more", "source", "visit", "visit site",
     "homepage", "home", "page", "details", "article", "go"]
)  # fmt: skip


@dataclass(frozen=True)
class Backlink:
    """One current link into the target, with the facts of its page the signals read."""

    src_url: str
    src_domain: str
    dst_url: str
    anchor: str
    section: str
    dom_path: str
    outlinks: int  # links on the linking page (its outlink_count)
    lang: str  # the linking page's <html lang>


@dataclass(frozen=True)
class LinkScore:
    src_url: str
    src_domain: str
    dst_url: str
    anchor: str
    section: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DomainScore:
    ref_domain: str
    score: float
    links: int
    pages: int
    reasons: tuple[str, ...]


class Toxicity(NamedTuple):
    """A domain's scored referring domains and links; `authority` says whether low_authority
    was checked (it needs a `linkgraph authority` run first)."""

    domains: list[DomainScore]
    links: list[LinkScore]
    authority: bool


class Inputs(NamedTuple):
    """What the signals read for one target, as `score_backlinks` takes it."""

    links: list[Backlink]
    templates: dict[str, str]
    pagerank: dict[str, float]
    target_lang: str
    addresses: dict[str, list[str]]


def read_inputs(store: Store, domain: str) -> Inputs:
    """The signals' inputs for `domain`, read from the store."""
    store.ensure_migrated()  # authority (005, 012) and page addresses (007) of an older store
    params = {"domain": domain}
    links = [
        Backlink(r["src_url"], r["src_domain"], r["dst_url"], r["anchor"], r["section"],
                 r["dom_path"], int(r["outlinks"] or 0), r["lang"] or "")
        for r in store.named("toxicity_backlinks", params).dicts()
    ]  # fmt: skip
    templates = dict(store.named("toxicity_templates", params).rows)
    addresses: dict[str, list[str]] = {}
    for src_domain, ip, _ in store.named("toxicity_addresses", params).rows:
        addresses.setdefault(src_domain, []).append(ip)
    lang_rows = store.named("toxicity_lang", params).rows
    pagerank = {row[0]: float(row[1]) for row in store.named("authority_latest").rows}
    target_lang = lang_rows[0][0] if lang_rows else ""
    return Inputs(links, templates, pagerank, target_lang, addresses)


def score_domain(store: Store, domain: str) -> Toxicity:
    """Read the signals' inputs for `domain` from the store and score them."""
    return score_inputs(domain, read_inputs(store, domain))


def score_inputs(domain: str, inputs: Inputs) -> Toxicity:
    links, templates, pagerank, target_lang, addresses = inputs
    domains, scored = score_backlinks(domain, links, templates, pagerank, target_lang, addresses)
    return Toxicity(domains, scored, bool(pagerank))


TOXICITY_DOMAIN_COLUMNS = ("ref_domain", "score", "links", "pages", "reasons")
TOXICITY_LINK_COLUMNS = (
    "src_url", "src_domain", "dst_url", "anchor", "section", "score", "reasons"
)  # fmt: skip


def toxicity_rows(
    scores: Toxicity, *, links: bool = False, min_score: float = 0.0
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """(columns, rows) of `linkgraph toxicity`: per referring domain, or per link (`links`,
    highest score first), each scoring at least `min_score`, reasons joined with "; "."""
    if links:
        chosen = sorted(
            (s for s in scores.links if s.score >= min_score),
            key=lambda s: (-s.score, s.src_url, s.dst_url),
        )
        return TOXICITY_LINK_COLUMNS, [
            (s.src_url, s.src_domain, s.dst_url, s.anchor, s.section, s.score, "; ".join(s.reasons))
            for s in chosen
        ]
    return TOXICITY_DOMAIN_COLUMNS, [
        (s.ref_domain, s.score, s.links, s.pages, "; ".join(s.reasons))
        for s in scores.domains
        if s.score >= min_score
    ]


def score_backlinks(
    target: str,
    links: Sequence[Backlink],
    templates: Mapping[str, str] | None = None,
    pagerank: Mapping[str, float] | None = None,
    target_lang: str = "",
    addresses: Mapping[str, Iterable[str]] | None = None,
) -> tuple[list[DomainScore], list[LinkScore]]:
    """Scores of every referring domain (worst first) and link (in the given order).

    `templates` maps a referring domain to its link template (any string; equal strings are
    one template), `pagerank` every domain of the latest authority run to its PageRank (None
    or empty: not computed, `low_authority` is not checked), `addresses` a referring domain to
    the server addresses of its linking pages.
    """
    by_domain: dict[str, list[Backlink]] = defaultdict(list)
    for link in links:
        by_domain[link.src_domain].append(link)
    referring = set(by_domain)
    anchors = {d: _exact_anchor(target, group) for d, group in by_domain.items()}
    blocks = {d: {address_block(ip) for ip in ips} - {""} for d, ips in (addresses or {}).items()}
    shared = {
        "shared_template": _shared_groups(
            _network_templates(templates or {}, anchors, blocks), referring, TEMPLATE_MIN_DOMAINS
        ),
        "shared_address": _shared_groups(blocks, referring, ADDRESS_MIN_DOMAINS),
    }
    domain_reasons = {
        domain: _domain_signals(
            group,
            {s: g[domain] for s, g in shared.items() if domain in g},
            anchors[domain],
            pagerank,
            target_lang,
        )
        for domain, group in by_domain.items()
    }
    pages = {d: len({link.src_url for link in group}) for d, group in by_domain.items()}
    scored = []
    own_points: dict[str, list[int]] = defaultdict(list)
    own_reasons: dict[str, Counter[str]] = defaultdict(Counter)
    for link in links:
        reasons = _link_signals(link, pages[link.src_domain])
        own_points[link.src_domain].append(sum(points for _, _, points in reasons))
        own_reasons[link.src_domain].update(signal for signal, _, _ in reasons)
        mine = domain_reasons[link.src_domain]
        total = sum(p for _, _, p in mine) + sum(p for _, _, p in reasons)
        scored.append(
            LinkScore(link.src_url, link.src_domain, link.dst_url, link.anchor, link.section,
                      _cap(total), tuple(text for _, text, _ in mine + reasons))
        )  # fmt: skip
    domains = []
    for domain, group in by_domain.items():
        signals = domain_reasons[domain]
        mean = sum(own_points[domain]) / len(group)
        summary = [
            f"{signal} on {count} of {len(group)} links +{POINTS[signal]} each"
            for signal, count in sorted(own_reasons[domain].items())
        ]
        points = sum(p for _, _, p in signals) + mean
        texts = tuple(text for _, text, _ in signals) + tuple(summary)
        domains.append(DomainScore(domain, _cap(points), len(group), pages[domain], texts))
    domains.sort(key=lambda d: (-d.score, d.ref_domain))
    return domains, scored


Reason = tuple[str, str, int]  # (signal, text, points)


def _cap(total: float) -> float:
    return round(min(100.0, float(total)), 1)


def _fire(signal: str, text: str) -> Reason:
    return signal, f"{signal}: {text} +{POINTS[signal]}", POINTS[signal]


def _network_templates(
    templates: Mapping[str, str], anchors: Mapping[str, str], blocks: Mapping[str, set[str]]
) -> dict[str, list[str]]:
    """Each domain's template keyed with its exact anchor and with each of its address blocks
    (see `shared_template`): domains sharing a key share the template and one of these."""
    keys: dict[str, list[str]] = {}
    for domain, template in templates.items():
        if not template:
            continue
        mine = [f"{template}\0anchor {anchors[domain]!r}"] if anchors.get(domain) else []
        mine += [f"{template}\0served from {block}" for block in sorted(blocks.get(domain, ()))]
        keys[domain] = mine
    return keys


def _exact_anchor(target: str, group: Sequence[Backlink]) -> str:
    """The keyword anchor of `exact_anchor` when it fires for these links, else ''."""
    anchor, count = _top_keyword_anchor(target, group)
    if count >= EXACT_ANCHOR_MIN_LINKS and count >= EXACT_ANCHOR_SHARE * len(group):
        return anchor
    return ""


def _domain_signals(
    group: Sequence[Backlink],
    shared: Mapping[str, tuple[str, list[str]]],
    anchor: str,
    pagerank: Mapping[str, float] | None,
    target_lang: str,
) -> list[Reason]:
    domain = group[0].src_domain
    out = []
    if "shared_template" in shared:
        key, others = shared["shared_template"]
        text = (
            f"same link template and {key.split(chr(0))[1]} as {len(others)} other referring "
            f"domains ({_names(others)})"
        )
        out.append(_fire("shared_template", text))
    if "shared_address" in shared:
        block, others = shared["shared_address"]
        text = f"served from {block}, as {len(others)} other referring domains ({_names(others)})"
        out.append(_fire("shared_address", text))
    if anchor:
        count = sum(" ".join(link.anchor.lower().split()) == anchor for link in group)
        text = f"{count} of {len(group)} links use the anchor {anchor!r}"
        out.append(_fire("exact_anchor", text))
    if pagerank:
        floor = 1.0 / (2 * len(pagerank))
        score = pagerank.get(domain, 0.0)
        if score < floor:
            text = f"domain PageRank {score:.3g} < half the mean {floor:.3g}"
            out.append(_fire("low_authority", text))
    lang = _main_lang(group)
    if lang and target_lang and lang != _primary(target_lang):
        out.append(_fire("foreign_lang", f"pages in {lang!r}, the target's in {target_lang!r}"))
    return out


def _link_signals(link: Backlink, domain_pages: int) -> list[Reason]:
    out = []
    if link.outlinks >= MANY_OUTLINKS:
        text = f"the linking page has {link.outlinks} links (>= {MANY_OUTLINKS})"
        out.append(_fire("outlinks", text))
    if link.section in SITEWIDE_SECTIONS and domain_pages >= SITEWIDE_MIN_PAGES:
        text = (
            f"{link.section} link, {domain_pages} pages of {link.src_domain} link to the target "
            f"(>= {SITEWIDE_MIN_PAGES})"
        )
        out.append(_fire("sitewide", text))
    return out


def _shared_groups(
    keys: Mapping[str, Iterable[str]], referring: set[str], minimum: int
) -> dict[str, tuple[str, list[str]]]:
    """Each referring domain with a key ('' is none) that `minimum` referring domains share ->
    (that key, the other domains, sorted); of several such keys, the most shared (then the
    first)."""
    members: dict[str, list[str]] = defaultdict(list)
    for domain in sorted(referring):
        for key in set(keys.get(domain, ())) - {""}:
            members[key].append(domain)
    out: dict[str, tuple[str, list[str]]] = {}
    for key, group in sorted(members.items()):
        if len(group) < minimum:
            continue
        for domain in group:
            if domain not in out or len(group) > len(out[domain][1]) + 1:
                out[domain] = (key, [m for m in group if m != domain])
    return out


def _names(domains: Sequence[str]) -> str:
    return ", ".join(domains[:5]) + (", ..." if len(domains) > 5 else "")


def address_block(ip: str) -> str:
    """The block an address is in, IPv4 /24 or IPv6 /48; '' for no global address.

    >>> address_block("93.184.216.34"), address_block("2a00:1450:4001:82a::200e")
    ('93.184.216.0/24', '2a00:1450:4001::/48')
    >>> address_block("::ffff:93.184.216.34"), address_block("127.0.0.1"), address_block("")
    ('93.184.216.0/24', '', '')
    """
    address = parse_address(ip)
    if address is None or not address.is_global:
        return ""
    return subnet_of(ip)


def is_keyword_anchor(target: str, anchor: str) -> bool:
    """Not empty, not the brand (the target's name), not a URL, not generic.

    >>> is_keyword_anchor("cheap-flights.com", "Cheap Flights")
    False
    >>> is_keyword_anchor("x.com", "best flights")
    True
    """
    text = anchor.strip().lower()
    if not text or text in GENERIC_ANCHORS or "://" in text or text.startswith("www."):
        return False
    brand = registrable_domain(target).split(".")[0].replace("-", "")
    squeezed = "".join(ch for ch in text if ch.isalnum())
    return not (brand and brand in squeezed) and target not in text


def _top_keyword_anchor(target: str, group: Sequence[Backlink]) -> tuple[str, int]:
    counts = Counter(
        " ".join(link.anchor.lower().split())
        for link in group
        if is_keyword_anchor(target, link.anchor)
    )
    if not counts:
        return "", 0
    anchor, count = min(counts.items(), key=lambda item: (-item[1], item[0]))
    return anchor, count


def _primary(lang: str) -> str:
    return lang.strip().lower().replace("_", "-").split("-")[0]


def _main_lang(group: Sequence[Backlink]) -> str:
    counts = Counter(_primary(link.lang) for link in group if link.lang.strip())
    if not counts:
        return ""
    return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]
