"""Site identities for the simulated web: host, registrable domain, template, charset, features.

Everything is drawn from one `random.Random` seeded with the web's seed, so the same arguments
always give the same sites. Each site's registrable domain is distinct.

    >>> sites = make_sites(3, seed=1)
    >>> [s.index for s in sites], len({s.domain for s in sites})
    ([0, 1, 2], 3)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from crawler.urls.canonical import registrable_domain

ADJECTIVES = (
    "green", "blue", "alpine", "urban", "coastal", "golden", "silver", "north", "bright",
    "quiet", "wild", "little", "grand", "happy", "modern", "rustic", "sunny", "swift", "noble",
    "royal", "clever", "fresh", "iron", "maple", "cedar", "river", "stone", "harbor", "lunar",
    "solar",
)  # fmt: skip
NOUNS = (
    "garden", "bikes", "coffee", "books", "travel", "kitchen", "studio", "outdoors", "pets",
    "tools", "music", "crafts", "wines", "tea", "photo", "fitness", "homes", "boats", "games",
    "maps", "lamps", "shoes", "paper", "bakery", "cycles", "yoga", "camping", "recipes",
    "gadgets", "fabrics",
)  # fmt: skip
SUFFIXES = (
    "com", "com", "com", "co.uk", "de", "it", "fr", "org", "net", "com.au", "nl", "es", "ca",
    "ch", "co.nz", "org.uk", "se", "io",
)  # fmt: skip
STYLES = ("semantic", "div", "role")

# Site-level features; every feature is forced onto at least one site so each web has them all.
FEATURES = (
    "redirect301", "redirect302", "chain", "gone410", "missing404", "error500", "refresh",
    "meta_nofollow", "x_robots", "variant", "alternate", "pdf", "private", "frame", "base",
    "search", "trap", "area", "iri", "sniffed", "robots_open", "sitemap", "latin1", "cp1252",
)  # fmt: skip
_FEATURE_ODDS = 0.7
_CHARSET_ODDS = 0.15  # most of the web stays UTF-8
_CHARSET_FEATURES = {"latin1": "iso-8859-1", "cp1252": "windows-1252"}

# Sites whose domain is put under a private suffix of the public suffix list (see make_sites).
PRIVATE_SUFFIX_SITES = (1, 2)
PRIVATE_SUFFIX = "github.io"

# Registrable domains outside the web (never served; the proxy answers 502 for them).
OUTSIDE = ("wikipedia.org", "github.com", "bbc.co.uk", "spiegel.de", "lemonde.fr", "abc.net.au")


@dataclass(frozen=True, slots=True)
class Site:
    """One site of the simulated web, e.g. host ``www.greengarden.co.uk`` of domain
    ``greengarden.co.uk``, rendered with the ``div`` template in UTF-8."""

    index: int
    host: str
    domain: str
    name: str  # human name, e.g. "Green Garden"
    style: str  # one of STYLES
    charset: str  # body encoding: utf-8, iso-8859-1 (declared in the header), windows-1252 (meta)
    features: frozenset[str]

    @property
    def home(self) -> str:
        return f"http://{self.host}/"

    @property
    def disallow(self) -> tuple[str, ...]:
        """Path prefixes robots.txt forbids to every crawler."""
        return ("/private/",) if "private" in self.features else ()

    @property
    def has_robots(self) -> bool:
        return bool(self.disallow) or "robots_open" in self.features or "sitemap" in self.features


def make_sites(count: int, seed: int) -> tuple[Site, ...]:
    """`count` sites with distinct registrable domains, deterministic from `seed`."""
    rng = random.Random(f"linkgraph-testweb:names:{seed}")
    taken = set(OUTSIDE)
    sites = []
    for index in range(count):
        domain = _fresh_domain(rng, taken)
        taken.add(domain)
        sites.append(_make_site(rng, index, count, domain))
    return tuple(_on_private_suffix(site, taken) for site in sites)


def _on_private_suffix(site: Site, taken: set[str]) -> Site:
    """Sites 1 and 2 moved under the public suffix list's private section, as user sites on a
    hosting service are (`greengarden.github.io`): two registrable domains, not one, so their
    links to each other are external. Done after every draw, so the rest of the web is as
    before; a label another site already has there keeps its site where it was."""
    if site.index not in PRIVATE_SUFFIX_SITES:
        return site
    domain = f"{site.domain.split('.')[0]}.{PRIVATE_SUFFIX}"
    if domain in taken or registrable_domain(domain) != domain:
        return site
    taken.add(domain)
    return replace(site, host=domain, domain=domain)


def _fresh_domain(rng: random.Random, taken: set[str]) -> str:
    while True:
        adjective, noun = rng.choice(ADJECTIVES), rng.choice(NOUNS)
        label = f"{adjective}-{noun}" if rng.random() < 0.3 else f"{adjective}{noun}"
        if rng.random() < 0.1:
            label += str(rng.randrange(2, 99))
        domain = f"{label}.{rng.choice(SUFFIXES)}"
        if domain not in taken and registrable_domain(domain) == domain:
            return domain


def _make_site(rng: random.Random, index: int, count: int, domain: str) -> Site:
    prefix = rng.choices(("www.", "", "blog.", "shop."), weights=(5, 3, 1, 1))[0]
    name = " ".join(word.capitalize() for word in domain.split(".")[0].replace("-", " ").split())
    features = {
        feature
        for number, feature in enumerate(FEATURES)
        if number % count == index
        or rng.random() < (_CHARSET_ODDS if feature in _CHARSET_FEATURES else _FEATURE_ODDS)
    }
    charsets = sorted(features & _CHARSET_FEATURES.keys())
    if len(charsets) == 2:  # one body encoding per site
        features.discard(charsets[index % 2])
        charsets = sorted(features & _CHARSET_FEATURES.keys())
    charset = _CHARSET_FEATURES[charsets[0]] if charsets else "utf-8"
    return Site(
        index=index,
        host=prefix + domain,
        domain=domain,
        name=name,
        style=STYLES[index % len(STYLES)],
        charset=charset,
        features=frozenset(features),
    )
