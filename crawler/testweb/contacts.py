"""Contact pages of the simulated web (opt-in: `build_web(..., contacts=True)`) and the truth of
`linkgraph contacts` on a crawl of it.

Every third site (index 0, 3, 6, ...) gets a contact page linked from its home page's footer,
at one of the paths `linkgraph contacts` recognises (crawler/analysis/contacts.py), holding
mailto: links in the forms a page writes them: upper-case domain with `?subject=`, two
addresses in one href, percent-encoding, and hostile values (markup, a control character: no
address; `=1+1@...`: a valid address that reads as a formula). Added after the revisions, so
every revision has them. Every site also carries `Info@<domain>` on the pages where the
generator drew the mailto decoy (crawler/testweb/generator.py DECOYS).

    >>> from crawler.testweb.model import build_web
    >>> web = build_web(8, 30, 7, contacts=True)
    >>> contact_url(web.sites[3]), contact_url(web.sites[4])
    ('http://sunny-books.co.uk/about-us/', None)
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from crawler.testweb.names import Site
from crawler.testweb.pages import Block, Decoy, Link, Page, domain_of

CONTACT_PATHS = ("/contact.html", "/about-us/", "/Impressum.php", "/kontakt/", "/team.html")
EVERY = 3  # sites with a contact page: index % EVERY == 0


def contact_url(site: Site) -> str | None:
    """The URL of the site's contact page, None when it has none."""
    if site.index % EVERY:
        return None
    return f"http://{site.host}{CONTACT_PATHS[(site.index // EVERY) % len(CONTACT_PATHS)]}"


def add_contacts(site: Site, pages: dict[str, Page]) -> None:
    """Add the site's contact page to `pages`, linked from its home page's footer."""
    url = contact_url(site)
    home = pages.get(site.home)
    footers = [] if home is None else [b for b in home.blocks if b.section == "footer"]
    if url is None or not footers:
        return
    footers[-1].items.append(Link("a", url, form="root", text="Contact"))
    d = site.domain
    decoys = [
        Decoy(f'<a href="mailto:Sales@{d.upper()}?subject=Link%20request">Sales</a>',
              (f"Sales@{d}",)),
        Decoy(f'<a href="MAILTO:press@{d},%20Editor.In-Chief@{d}">Press</a>',
              (f"press@{d}", f"Editor.In-Chief@{d}")),
        Decoy(f'<a href="mailto:hello%2Bpartners@{d}">Partners</a>', (f"hello+partners@{d}",)),
        Decoy(f'<a href="mailto:&lt;b&gt;boss&lt;/b&gt;@{d}">Boss</a>'),
        Decoy(f'<a href="mailto:ops%0Abcc:x@{d}">Ops</a>'),
        Decoy(f'<a href="mailto:=1+1@{d}">Sheet</a>', (f"=1+1@{d}",)),
        Decoy(f'<a href="mailto:Sales@{d}">Sales again</a>', (f"Sales@{d}",)),
    ]  # fmt: skip
    home_link = Link("a", site.home, form="root", text="Home")
    pages[url] = Page(
        url=url,
        title=f"{site.name} \N{EN DASH} Contact",
        blocks=[Block("main", [*decoys, home_link], word='id="content"')],
    )


def contacts_truth(web: Any, records: list[dict[str, Any]], domain: str) -> list[dict[str, Any]]:
    """The rows `linkgraph contacts domain` gives after the crawl whose truth is `records`
    (crawler.testweb.truth), in its order: links desc, ref_domain."""
    links: dict[str, int] = defaultdict(int)
    ref_pages: dict[str, set[str]] = defaultdict(set)
    crawled: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        if r["type"] == "page":
            crawled[domain_of(r["url"])].append(r)
        elif r["type"] == "link" and r["dst_domain"] == domain != r["src_domain"]:
            links[r["src_domain"]] += 1
            ref_pages[r["src_domain"]].add(r["src_url"])
    made = {url for site in web.sites if (url := contact_url(site)) is not None}
    rows: list[dict[str, Any]] = []
    for ref in links:
        pages = crawled[ref]
        emails: set[str] = set()
        for page in pages:
            model = web.page(page["url"])
            emails.update(model.emails() if model is not None else ())
        contact_pages = [p["url"] for p in pages if p["url"] in made and p["status"] == 200]
        rows.append({
            "ref_domain": ref, "ref_pages": len(ref_pages[ref]), "links": links[ref],
            "emails": sorted(emails), "contact_pages": sorted(contact_pages), "pages": len(pages),
        })  # fmt: skip
    rows.sort(key=lambda row: (-row["links"], row["ref_domain"]))
    return rows
