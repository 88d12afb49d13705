"""`linkgraph contacts` against the simulated web's truth, through the CLI, on chDB and on
clickhouse-server 18.16: a web with contact pages (crawler/testweb/contacts.py) crawled once,
then every referring domain's addresses and contact pages of the most linked domains equal
the truth exactly, while the mailto: hrefs stay out of the link graph (the backlink counts
equal the truth's links, which have none)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from crawler.analysis.rows import neutralised
from crawler.testweb import WebServer, build_web
from crawler.testweb.contacts import contacts_truth
from crawler.testweb.model import Web
from crawler.testweb.truth import truth
from tests.helpers.e2e import linkgraph, seeds_file, sql_rows
from tests.helpers.servers import ClickHouseServer

WEB = (8, 30, 7)  # sites, pages per site, seed: sites 0, 3 and 6 have a contact page


class Crawled(NamedTuple):
    web: Web
    records: list[dict[str, Any]]
    args: list[str]


@pytest.fixture(scope="module", params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def crawled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    base: Path = tmp_path_factory.mktemp(f"contacts-{request.param}")
    data = base / "data"
    args = ["--data", str(data)]
    if request.param == "server":
        clickhouse: ClickHouseServer = request.getfixturevalue("clickhouse")
        args += ["--clickhouse", clickhouse.url_for(f"contacts_{uuid.uuid4().hex[:12]}")]
    web = build_web(*WEB, contacts=True)
    with WebServer(web) as server:
        linkgraph(["crawl", "--seeds-file", str(seeds_file(web, base)), *args,
                   "--proxy", server.proxy])  # fmt: skip
    return Crawled(web, list(truth(web)), args)


def _rows(crawled: Crawled, *args: str) -> list[dict[str, Any]]:
    out = linkgraph([*args, *crawled.args, "--format", "jsonl"]).stdout
    return [json.loads(line) for line in out.splitlines()]


def _ranked(crawled: Crawled) -> list[str]:
    links = Counter(
        r["dst_domain"] for r in crawled.records
        if r["type"] == "link" and r["dst_domain"] != r["src_domain"]
        and r["dst_domain"] in crawled.web.domains
    )  # fmt: skip
    return sorted(links, key=lambda d: (-links[d], d))


def test_the_truth_has_contacts_of_every_form() -> None:
    """The truth itself: contact pages and addresses, the hostile ones left out."""
    web = build_web(*WEB, contacts=True)
    records = list(truth(web))
    rows = [row for domain in web.domains for row in contacts_truth(web, records, domain)]
    pages = {url for row in rows for url in row["contact_pages"]}
    emails = {email for row in rows for email in row["emails"]}
    assert pages == {
        "http://www.silverrecipes.co.uk/contact.html",
        "http://sunny-books.co.uk/about-us/",
        "http://harbor-books.de/Impressum.php",
    }
    assert any(e.startswith("=1+1@") for e in emails)
    assert any(e.startswith("Editor.In-Chief@") for e in emails)
    assert not any("<" in e or "\n" in e or "bcc" in e for e in emails)
    assert any(row["emails"] == [] for row in rows)  # a domain with no address is listed


@pytest.mark.timeout(600)
def test_contacts_equal_the_truth(crawled: Crawled) -> None:
    for domain in _ranked(crawled)[:3]:
        expected = contacts_truth(crawled.web, crawled.records, domain)
        assert any(row["contact_pages"] for row in expected), domain
        assert _rows(crawled, "contacts", domain) == expected, domain


def test_contacts_in_host_mode(crawled: Crawled) -> None:
    domain = _ranked(crawled)[0]
    host = next(s.host for s in crawled.web.sites if s.domain == domain)
    records = [
        r for r in crawled.records
        if r["type"] != "link" or r["dst_url"].split("/", 3)[2] == host
    ]  # fmt: skip
    expected = contacts_truth(crawled.web, records, domain)
    assert _rows(crawled, "contacts", host, "--mode", "host") == expected


def test_mailto_links_are_no_links(crawled: Crawled) -> None:
    links = sum(r["type"] == "link" for r in crawled.records)
    got = sql_rows(crawled.args, "SELECT count() AS n, countIf(dst_url LIKE 'mailto:%') AS m "
                   "FROM links")  # fmt: skip
    assert got == [{"n": links, "m": 0}]
    stored = sql_rows(crawled.args, "SELECT url, emails FROM pages WHERE notEmpty(emails)")
    expected = {
        r["url"]: emails for r in crawled.records if r["type"] == "page"
        for page in [crawled.web.page(r["url"])] if page is not None
        for emails in [page.emails()] if emails
    }  # fmt: skip
    assert {row["url"]: row["emails"] for row in stored} == expected


def test_a_formula_like_address_is_neutralised_in_csv(crawled: Crawled) -> None:
    domain = _ranked(crawled)[0]
    expected = contacts_truth(crawled.web, crawled.records, domain)
    out = linkgraph(["contacts", domain, *crawled.args, "--format", "csv"]).stdout
    cells = [row[3] for row in csv.reader(io.StringIO(out))][1:]
    assert cells == [neutralised(";".join(row["emails"])) for row in expected]
    assert any(cell.startswith("'=1+1@") for cell in cells)
