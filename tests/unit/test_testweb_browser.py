"""The simulated web's page of browser-only hrefs (crawler.testweb.browser): written as a
browser would meet them, extracted as a browser resolves them (the truth), invalid hosts counted.
test_extract_testweb.py compares every page's links with the truth; this checks the page is
there and says what it is meant to say."""

from __future__ import annotations

import pytest

from crawler.extract.extractor import extract_links
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
