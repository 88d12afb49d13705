"""`linkgraph import`: CSV, Search Console and Ahrefs exports land in the link graph, marked
with their source; bad rows are reported by file and line, never as a traceback."""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from crawler.analysis.importer import import_file
from pipelines.store import open_store
from tests.helpers.e2e import Engine, linkgraph, sql_rows

CSV = """src_url,dst_url,anchor,rel
http://blog.example.net/post,http://www.shop.com/,Shop,
http://blog.example.net/post,https://www.shop.com/sale?x=1#top,Big  sale,NoFollow sponsored
HTTP://News.Example.ORG:80/a b,http://shop.com/,,
"""
GSC_LATEST = """Linking page,Last crawled
http://forum.example.de/thread/1,2024-05-01
http://directory.example.com/,2024-04-02
"""
GSC_SITES = "Site,Linking pages,Target pages\nexample.fr,12,3\nblog.example.it,4,1\n"
AHREFS = (
    "Referring page title\tReferring page URL\tLanguage\tTarget URL\tAnchor\tType\tNofollow\t"
    "UGC\tSponsored\tFirst seen\n"
    "Post\thttps://a.example.net/p\ten\thttps://shop.com/x\tBuy  shoes\ttext\tfalse\tfalse\t"
    "true\t2024-01-01\n"
    "Img\thttps://b.example.org/\ten\thttps://shop.com/\tShop logo\timage\ttrue\tfalse\tfalse\t"
    "2024-01-02\n"
)


def _links(args: Sequence[str]) -> list[tuple]:
    rows = sql_rows(args, "SELECT src_url, dst_url, src_domain, dst_domain, anchor, rel, "
                          "nofollow, sponsored, is_image, crawl_id FROM links "
                          "ORDER BY src_url, ordinal")  # fmt: skip
    return [tuple(r.values()) for r in rows]


def test_csv_gsc_and_ahrefs_exports(tmp_path: Path, engine: Engine) -> None:
    store = engine.args
    (tmp_path / "links.csv").write_text(CSV)
    (tmp_path / "gsc.csv").write_text(GSC_LATEST)
    (tmp_path / "sites.csv").write_text(GSC_SITES)
    (tmp_path / "ahrefs.tsv").write_bytes(codecs.BOM_UTF16_LE + AHREFS.encode("utf-16-le"))
    out = linkgraph(["import", str(tmp_path / "links.csv"), "--format", "csv", *store])
    assert "imported 3 links from 2 source pages" in out.stdout
    linkgraph(["import", str(tmp_path / "gsc.csv"), "--format", "gsc",
               "--target", "https://shop.com/", *store])  # fmt: skip
    linkgraph(["import", str(tmp_path / "sites.csv"), "--format", "gsc",
               "--target", "shop.com", *store])  # fmt: skip
    linkgraph(["import", str(tmp_path / "ahrefs.tsv"), "--format", "ahrefs", *store])
    assert _links(store) == [
        ("http://blog.example.it/", "http://shop.com/", "example.it", "shop.com", "", [], 0, 0, 0,
         "import:gsc"),
        ("http://blog.example.net/post", "http://www.shop.com/", "example.net", "shop.com", "Shop",
         [], 0, 0, 0, "import:csv"),
        ("http://blog.example.net/post", "https://www.shop.com/sale?x=1", "example.net",
         "shop.com", "Big sale", ["nofollow", "sponsored"], 1, 1, 0, "import:csv"),
        ("http://directory.example.com/", "https://shop.com/", "example.com", "shop.com", "", [],
         0, 0, 0, "import:gsc"),
        ("http://example.fr/", "http://shop.com/", "example.fr", "shop.com", "", [], 0, 0, 0,
         "import:gsc"),
        ("http://forum.example.de/thread/1", "https://shop.com/", "example.de", "shop.com", "",
         [], 0, 0, 0, "import:gsc"),
        ("http://news.example.org/a%20b", "http://shop.com/", "example.org", "shop.com", "", [],
         0, 0, 0, "import:csv"),
        ("https://a.example.net/p", "https://shop.com/x", "example.net", "shop.com", "Buy shoes",
         ["sponsored"], 0, 1, 0, "import:ahrefs"),
        ("https://b.example.org/", "https://shop.com/", "example.org", "shop.com", "Shop logo",
         ["nofollow"], 1, 0, 1, "import:ahrefs"),
    ]  # fmt: skip
    # The named queries see imported links like crawled ones.
    rows = linkgraph(["refdomains", "shop.com", *store, "--format", "csv"]).stdout
    assert len(rows.splitlines()) == 1 + 6
    # Importing the same file again replaces those pages' link sets: nothing shows twice.
    linkgraph(["import", str(tmp_path / "links.csv"), "--format", "csv", *store])
    assert len(_links(store)) == 9


def test_bad_rows_name_file_and_line(tmp_path: Path, engine: Engine) -> None:
    store = engine.args
    path = tmp_path / "bad.csv"
    path.write_text("http://a.net/,http://shop.com/\nnot a url,http://shop.com/\n"
                    "http://b.net/\nhttp://c.net/,ftp://x/\n")  # fmt: skip
    proc = linkgraph(["import", str(path), "--format", "csv", *store])
    assert "imported 1 links" in proc.stdout
    assert f"3 bad rows skipped, first: {path}:2: source is not an http(s) URL: 'not a url'; " \
        f"{path}:3: expected more columns, got 1; {path}:4: target is not an http(s) URL: " \
        "'ftp://x/'" in proc.stdout  # fmt: skip
    proc = linkgraph(["import", str(path), "--format", "csv", "--strict", *store],
                     check=False)  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        f"linkgraph: error: {path}:2: source is not an http(s) URL: 'not a url'"
    )
    ahrefs = tmp_path / "wrong.csv"
    ahrefs.write_text("URL,Anchor\nhttp://a.net/,x\n")
    proc = linkgraph(["import", str(ahrefs), "--format", "ahrefs", *store],
                     check=False)  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{ahrefs}:1: a ahrefs export needs a column 'referring page url'" in proc.stderr


NOW = datetime(2025, 1, 15, 8, 30, tzinfo=UTC)
DATED = (
    "Referring page URL,Target URL,Anchor,First seen,Last seen\n"
    "https://a.net/p,https://shop.com/x,Shoes,2024-01-01,2024-05-01 12:00:00\n"
    "https://b.org/,https://shop.com/,Shop,2023-12-31T23:00:00+01:00,\n"
    'https://c.net/,https://shop.com/,Shop,,"Mar 3, 2024"\n'
    "https://d.net/,https://shop.com/,Shop,2030-01-01,2030-02-01\n"
    "https://e.net/,https://shop.com/,Shop,2024-06-01,2024-02-01\n"
    "https://f.net/,https://shop.com/,Shop,yesterday,2024-02-01\n"
    "https://g.net/,https://shop.com/,Shop,,\n"
)
GSC_DATED = (
    "Linking page,Target page,Last crawled\nhttp://forum.de/t/1,https://shop.com/,1 May 2024\n"
)


def test_first_and_last_seen_dates_reach_the_history(tmp_path: Path, engine: Engine) -> None:
    (tmp_path / "ahrefs.csv").write_text(DATED)
    (tmp_path / "gsc.csv").write_text(GSC_DATED)
    store = open_store(engine.target)
    try:
        store.migrate()
        stats = import_file(store, tmp_path / "ahrefs.csv", "ahrefs", now=NOW.timestamp())
        import_file(store, tmp_path / "gsc.csv", "gsc", now=NOW.timestamp())
        history = store.query(
            "SELECT src_url, first_seen, last_seen, fetches FROM link_history "
            "WHERE dst_domain = 'shop.com' ORDER BY src_url"
        ).rows
        current = store.query("SELECT src_url, fetched_at FROM links ORDER BY src_url").rows
        lost = store.query("SELECT count() FROM lost_links").rows
    finally:
        store.close()
    assert stats.errors == [f"{tmp_path / 'ahrefs.csv'}:7: First seen: not a date: 'yesterday'"]

    def at(*args: int) -> datetime:
        return datetime(*args, tzinfo=UTC)

    assert history == [
        ("http://forum.de/t/1", at(2024, 5, 1), at(2024, 5, 1), 1),  # Last crawled only
        ("https://a.net/p", at(2024, 1, 1), at(2024, 5, 1, 12), 2),
        ("https://b.org/", at(2023, 12, 31, 22), NOW, 2),  # no last seen: the import's time
        ("https://c.net/", at(2024, 3, 3), at(2024, 3, 3), 1),
        ("https://d.net/", NOW, NOW, 1),  # dates after the import: its time
        ("https://e.net/", at(2024, 2, 1), at(2024, 2, 1), 1),  # first after last: last
        ("https://g.net/", NOW, NOW, 1),  # no dates
    ]
    # Every link is current, on its row in the import's fetch (at its last seen time).
    assert current == [(src, last) for src, _, last, _ in history]
    assert lost == [(0,)]
