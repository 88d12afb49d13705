"""The simulated web's pages for issue 15's rules: the page of browser-only hrefs
(crawler.testweb.browser), written as a browser would meet them, extracted as a browser resolves
them (the truth), invalid hosts counted; and two sites under one private suffix (github.io).
test_extract_testweb.py compares every page's links with the truth; this checks the pages are
there and say what they are meant to say."""

from __future__ import annotations

import pytest

from crawler.extract.extractor import extract_links
from crawler.testweb import truth
from crawler.testweb.browser import INVALID_HOSTS
from crawler.testweb.model import build_web
from crawler.testweb.render import respond
from crawler.urls import canonical as urls

pytestmark = pytest.mark.usefixtures("speed_path")  # each test on the C and the Python path

WRITTEN = (
    "http:\\\\",  # backslashes for slashes
    'href="..\\',
    "/x/y/../..",
    "/x/%2e%2E/",
    'href="https:github.com/lg/browser"',
    'href="https:/github.com/lg/slash"',
    'href="http://straße.de/"',
    'href="http://faß.de/"',
    'href="http://0xc0.0.513/"',
)


def test_browser_page_links_as_a_browser_resolves_them() -> None:
    web = build_web(sites=20, pages_per_site=50, seed=1)
    sites = [site for site in web.sites if "iri" in site.features]
    assert sites
    for site in sites:
        url = f"http://{site.host}/urls/browser.html"
        answer = respond(web, url)
        body = answer.body.decode(site.charset)
        assert all(spelling in body for spelling in WRITTEN), url
        page = web.page(url)
        assert page is not None
        before = urls.STATS["invalid_url"] + urls.STATS["invalid_host"]
        urls.registrable_domain.cache_clear()
        links = extract_links(answer.body, url, dict(answer.headers)["Content-Type"])
        assert [(link.dst_url, link.anchor) for link in links] == [
            (link.target, link.anchor) for _, link in page.links()
        ]
        assert [link.dst_domain for link in links][4:9] == [
            "github.com", "github.com", "xn--strae-oqa.de", "xn--fa-hia.de", "192.0.2.1",
        ]  # fmt: skip
        counted = urls.STATS["invalid_url"] + urls.STATS["invalid_host"] - before
        assert counted == len(INVALID_HOSTS)


def test_two_sites_under_one_private_suffix_are_two_domains() -> None:
    """Sites 1 and 2 live under github.io (the list's private section): each its own
    registrable domain, so the truth's links between them are external."""
    web = build_web(sites=20, pages_per_site=50, seed=1)
    first, second = web.sites[1], web.sites[2]
    assert (first.host, second.host) == ("noblemusic.github.io", "noblephoto.github.io")
    assert (first.domain, second.domain) == (first.host, second.host)
    assert [urls.registrable_domain(site.host) for site in (first, second)] == [
        first.host,
        second.host,
    ]
    between = [
        record
        for record in truth(web)
        if record["type"] == "link"
        and {record["src_domain"], record["dst_domain"]} == {first.domain, second.domain}
    ]
    assert between  # Zipf-popular sites link to each other: external links, not internal ones
    assert web.in_scope(second.home) and web.page(second.home) is not None
