"""The simulated web's page of hrefs only a WHATWG URL parser reads right (docs/LINKS.md "URLs
as a browser reads them"): each link's target is the URL a browser goes to, the truth the crawl
must store, and crawler.testweb.render writes it in the browser-only spelling its form names.

    >>> [link.form for link in browser_links(["http://a.com/x.html"])[:3]]
    ['backslash', 'rel_backslash', 'dots']
"""

from __future__ import annotations

from crawler.testweb.pages import Decoy, Link

# Hrefs whose host the WHATWG URL parser refuses: not links (counted by the crawler).
INVALID_HOSTS = (
    "http://256.256.256.256/",
    "http://1.2.3.4.5/",
    "http://example example.com/",
    "http://a%zz.com/",
    "http://./",
)


def browser_links(contents: list[str]) -> list[Link | Decoy]:
    """Links to the site's own content pages and to hosts outside the web, then decoys."""
    first, second, third = (contents[n % len(contents)] for n in range(3))
    return [
        Link("a", first, form="backslash", text="Backslashes"),  # http:\\host\dir\page
        Link("a", second, form="rel_backslash", text="Relative backslashes"),  # ..\dir\page
        Link("a", third, form="dots", text="Dot segments"),  # http://host/x/y/../../dir/page
        Link("a", first, form="encoded_dots", text="Encoded dots"),  # /x/%2e%2E/dir/page
        Link("a", "https://github.com/lg/browser", form="scheme_only", text="No slashes"),
        Link("a", "https://github.com/lg/slash", form="scheme_slash", text="One slash"),
        Link("a", "http://xn--strae-oqa.de/", form="unicode_host", text="Straße"),
        Link("a", "http://xn--fa-hia.de/", form="unicode_host", text="Faß"),
        Link("a", "http://192.0.2.1/", form="hex_ipv4", text="Hex address"),  # 0xc0.0.513
        *(Decoy(f'<a href="{href}">Invalid host</a>') for href in INVALID_HOSTS),
    ]
