"""Issue 14: a hostile page cannot make a record carry a 1 MB anchor, a 100 KB URL or a host
with terminal escapes; what is cut or dropped is the documented limit, exactly."""

from __future__ import annotations

from pathlib import Path

from crawler.scope.limits import MAX_TEXT_CHARS, MAX_URL_LENGTH
from pipelines.store import open_store
from tests.helpers.e2e import linkgraph
from tests.helpers.hostile import FixedSite

LONG_PATH = "/" + "p" * 100_000
PAGE = (
    "<html><head><title>" + "T" * 5000 + "</title></head><body><main>"
    '<a href="http://fine.example/">' + "A" * 1_000_000 + "</a>"
    f'<a href="http://long.example{LONG_PATH}">long</a>'
    '<a href="http://ev%1Bil.example/">escape</a>'
    '<a href="http://bi\u202edi.example/">bidi</a>'
    '<a href="http://ok.example/x">ok</a>'
    "</main></body></html>"
).encode()


def test_limits_of_a_hostile_page(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with FixedSite({"/": PAGE}) as site:
        linkgraph(["crawl", site.url, "--allow-private", "--ignore-robots", "--scope", "host",
                   "--data", str(data)])  # fmt: skip
    with open_store(str(data / "store")) as store:
        title = store.query("SELECT title FROM page_fetches").rows
        links = store.query("SELECT dst_url, anchor FROM link_fetches ORDER BY ordinal").rows
    assert title == [("T" * MAX_TEXT_CHARS,)]
    assert links == [("http://fine.example/", "A" * MAX_TEXT_CHARS), ("http://ok.example/x", "ok")]
    assert len(f"http://long.example{LONG_PATH}") > MAX_URL_LENGTH
