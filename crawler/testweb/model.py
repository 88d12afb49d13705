"""The simulated web as data: sites, pages, blocks, links.

The server renders this model and the truth walks it.

Pages are built per site on first use (and cached), so a web of 1000 sites x 100 pages is ready
at once and only the pages a crawl touches are ever made.

    >>> web = build_web(sites=3, pages_per_site=20, seed=1)
    >>> home = web.page(web.sites[0].home)
    >>> home.status, home.url == web.sites[0].home
    (200, True)
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from functools import lru_cache

from crawler.testweb.contacts import add_contacts
from crawler.testweb.fates import apply_fates, disallowed
from crawler.testweb.generator import build_site
from crawler.testweb.names import Site, make_sites
from crawler.testweb.pages import Page, domain_of, host_of
from crawler.testweb.revision import revise, revise_once
from crawler.testweb.spam import SpamNetwork, build_spam_site, plant

_ZIPF_EXPONENT = 1.1


class Web:
    """The whole simulated web: its sites, and their pages made on demand."""

    def __init__(
        self,
        sites: int,
        pages_per_site: int,
        seed: int,
        revision: int = 0,
        fates: bool = False,
        spam: bool = False,
        contacts: bool = False,
    ) -> None:
        self.seed = seed
        self.revision = revision
        self.fates = fates
        self.contacts = contacts
        self.pages_per_site = pages_per_site
        self.sites = make_sites(sites, seed)
        self._natural = len(self.sites)  # popular_site draws from these only
        self._cum_weights = _zipf_weights(len(self.sites), seed)
        self.spam: SpamNetwork | None = None
        if spam:  # after every natural draw: the natural sites stay as they are
            weights = [
                b - a
                for a, b in zip([0.0, *self._cum_weights[:-1]], self._cum_weights, strict=True)
            ]
            self.spam = plant(self.sites, weights, seed)
            self.sites += self.spam.sites
        self.by_host = {site.host: site for site in self.sites}
        self.domains = frozenset(site.domain for site in self.sites)
        self.site_pages = lru_cache(maxsize=256)(self._build_site)
        self._disallow: dict[int, tuple[str, ...]] = {}

    def _build_site(self, index: int) -> dict[str, Page]:
        site = self.sites[index]
        if index >= self._natural:
            return build_spam_site(self, site)
        pages = self._edited_site(index)
        if self.contacts:
            add_contacts(site, pages)
        return pages

    def _edited_site(self, index: int) -> dict[str, Page]:
        pages = build_site(self, self.sites[index])
        if not self.fates:
            return revise(pages, self.seed, self.revision) if self.revision else pages
        # Each revision's fates come after its edits, before the next revision's: what a
        # fate changes is what the previous revision showed.
        for number in range(1, self.revision + 1):
            revise_once(pages, self.seed, number)
            apply_fates(self, index, pages, number, self.revision)
        return pages

    def site_of(self, url: str) -> Site | None:
        return self.by_host.get(host_of(url))

    def page(self, url: str) -> Page | None:
        """The page at canonical `url`, or None when its host or path is not part of the web."""
        site = self.site_of(url)
        return None if site is None else self.site_pages(site.index).get(url)

    def pages(self) -> Iterator[Page]:
        for site in self.sites:
            yield from self.site_pages(site.index).values()

    def disallow(self, site: Site) -> tuple[str, ...]:
        """Path prefixes the site's robots.txt forbids to every crawler in this revision: its
        own (`Site.disallow`), then its pages' "robots" fates (fates.disallowed)."""
        if site.index not in self._disallow:
            fated = disallowed(self, site.index) if self.fates else ()
            self._disallow[site.index] = site.disallow + fated
        return self._disallow[site.index]

    def allowed(self, url: str) -> bool:
        """Whether the robots.txt of the URL's site lets a crawler fetch it."""
        site = self.site_of(url)
        if site is None:
            return True
        path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
        return not any(path.startswith(prefix) for prefix in self.disallow(site))

    def in_scope(self, url: str) -> bool:
        return domain_of(url) in self.domains

    def popular_site(self, rng: random.Random, exclude: int) -> Site:
        """A site other than `exclude`, by Zipf-like popularity (a few sites get most links)."""
        while True:
            pick = bisect.bisect(self._cum_weights, rng.random() * self._cum_weights[-1])
            site = self.sites[min(pick, self._natural - 1)]
            if site.index != exclude or self._natural == 1:
                return site


def _zipf_weights(count: int, seed: int) -> list[float]:
    ranks = list(range(count))
    random.Random(f"linkgraph-testweb:zipf:{seed}").shuffle(ranks)
    total, cumulative = 0.0, []
    for rank in ranks:
        total += 1.0 / (rank + 1) ** _ZIPF_EXPONENT
        cumulative.append(total)
    return cumulative


def build_web(
    sites: int,
    pages_per_site: int,
    seed: int,
    revision: int = 0,
    fates: bool = False,
    spam: bool = False,
    contacts: bool = False,
) -> Web:
    """The web for these arguments; the same arguments always give the same web.

    `revision` > 0 is the same web edited later (see `revision.revise`: some links removed,
    some anchors and rel attributes changed, links out of the web added), for recrawl and
    history tests; 0 is the original. `fates` adds, from revision 1 on, the page and backlink
    fates of `fates.FATES` (pages gone, failing, redirected, noindex, ...: every reason a
    backlink is lost or changes), for lost-link tests. `spam` plants a spam network linking to
    the most popular sites (`crawler.testweb.spam`), the natural sites unchanged. `contacts` adds
    a contact page with mailto: links to every third site (crawler/testweb/contacts.py), for
    `linkgraph contacts`.
    """
    return Web(sites, pages_per_site, seed, revision, fates, spam, contacts)
