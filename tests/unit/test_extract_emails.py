"""mailto: hrefs: their addresses become a page fact, never a link, on both walks."""

from __future__ import annotations

import pytest

from crawler.extract.emails import mailto_addresses
from crawler.extract.extractor import extract
from crawler.testweb import build_web, truth
from crawler.testweb.render import respond

pytestmark = pytest.mark.usefixtures("speed_path")  # each test on the C and the Python path

PAGE = "http://example.com/contact"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("mailto:info@example.com", ("info@example.com",)),
        ("MailTo:Info@EXAMPLE.Com.", ("Info@example.com",)),
        ("  mailto:a@b.co.uk?subject=Hi%20there&cc=c@d.com", ("a@b.co.uk",)),
        ("mailto:a@b.com,%20c@d.org;e@f.net", ("a@b.com", "c@d.org", "e@f.net")),
        ("mailto:a@b.com,a@b.com,A@B.COM", ("a@b.com", "A@b.com")),
        ("mailto:first.last%2Bnews@b.com", ("first.last+news@b.com",)),
        ("mailto:info%40b.com", ("info@b.com",)),
        ("mailto:x@bücher.de", ("x@xn--bcher-kva.de",)),
        ("mailto:=cmd|'/c calc'!A0@b.com", ()),  # | and space: not a dot-atom
        ("mailto:=SUM(1)@b.com", ()),
        ("mailto:=1+1@b.com", ("=1+1@b.com",)),  # valid: the output layer neutralises it
        ("mailto:<script>alert(1)</script>@b.com", ()),
        ("mailto:a%0d%0abcc:v@b.com", ()),
        ("mailto:a\x1b[31m@b.com", ()),
        ("mailto:a@b.com%00", ()),
        ("mailto:a@localhost", ()),
        ("mailto:a@-b.com", ()),
        ("mailto:a..b@c.com", ()),
        ("mailto:" + "a" * 65 + "@b.com", ()),
        ("mailto:a@" + "b" * 64 + ".com", ()),
        ("mailto:", ()),
        ("mailto:?subject=x", ()),
        ("mailto", ()),
        ("http://a.com/mailto:x@y.com", ()),
        ("tel:+123", ()),
        ("", ()),
        (None, ()),
    ],
)
def test_addresses_of_one_href(href: str | None, expected: tuple[str, ...]) -> None:
    assert mailto_addresses(href) == expected


PAGE_BODY = b"""<html><head><link rel="author" href="mailto:head@example.com">
<meta http-equiv="refresh" content="0; url=mailto:refresh@example.com"></head><body>
<a href="mailto:Sales@Example.com?subject=Quote">Write to <b>sales</b></a>
<a href="/team">Team</a>
<map><area href="mailto:map@example.org" alt="m"></map>
<a href=" MAILTO:sales@example.com ">again</a>
<a href="mailto:%3Cb%3Ex%3C/b%3E@evil.com">markup</a>
<a href="mailto:one@a.com,two@b.com">both</a>
<iframe src="mailto:frame@example.com"></iframe>
<a href="https://other.com/">Other</a>
</body></html>"""


def test_page_emails_and_links() -> None:
    facts, links = extract(PAGE_BODY, PAGE, "text/html")
    assert facts.emails == [
        "Sales@example.com", "map@example.org", "sales@example.com", "one@a.com", "two@b.com"
    ]  # fmt: skip
    assert [(link.kind, link.dst_url) for link in links] == [
        ("a", "http://example.com/team"),
        ("a", "https://other.com/"),
    ]
    assert [link.ordinal for link in links] == [0, 1]


def test_page_without_mailto_has_no_emails() -> None:
    facts, _ = extract(b'<a href="mailto:">x</a><a href="/a">a</a>', PAGE, "text/html")
    assert facts.emails == []


def test_every_page_of_the_simulated_web_gives_its_addresses() -> None:
    """Each status-200 page of a crawl of the web with contact pages, rendered by the test
    server's code: the addresses extracted equal the truth's (Page.emails), in order."""
    web = build_web(8, 30, 7, contacts=True)
    urls = [r["url"] for r in truth(web) if r["type"] == "page" and r["status"] == 200]
    expected = {url: page.emails() for url in urls if (page := web.page(url)) is not None}
    found = {}
    for url in urls:
        answer = respond(web, url)
        facts, _ = extract(answer.body, url, headers=dict(answer.headers))
        found[url] = facts.emails
    assert found == expected
    assert sum(map(bool, expected.values())) > 10
    assert {len(emails) for emails in expected.values()} == {0, 1, 5}  # 5: a contact page
