"""Batches a worker spooled (and acknowledged) but never replayed reach the store when the crawl
command ends: a dead worker's spool is not lost with it."""

from __future__ import annotations

import time
from pathlib import Path

from crawler.records import Fetched, OutLink, Page
from crawler.testweb import WebServer, build_web
from pipelines.spool import Spool
from pipelines.store import open_store
from tests.helpers.e2e import linkgraph


def test_a_dead_workers_spool_is_replayed_by_the_crawl(tmp_path: Path) -> None:
    web = build_web(2, 10, 3)
    data = tmp_path / "data"
    with WebServer(web) as server:
        linkgraph(["crawl", web.sites[0].home, "--data", str(data), "--proxy", server.proxy])
        now = time.time()
        page = Page(url="http://orphan.example/", host="orphan.example", domain="orphan.example",
                    status=200, fetched_at=now, crawl_id="gone")  # fmt: skip
        link = OutLink(src_url=page.url, dst_url="http://target.example/", anchor="kept",
                       src_domain="orphan.example", dst_domain="target.example",
                       fetched_at=now)  # fmt: skip
        Spool(data / "spool" / "w-dead").append([Fetched(page=page, links=[link])])
        proc = linkgraph(["crawl", "--data", str(data), "--proxy", server.proxy])  # resume
    assert "replayed 1 batches" in proc.stdout + proc.stderr
    assert not list((data / "spool").rglob("*.jsonl"))
    store = open_store(str((data / "store").resolve()))
    try:
        rows = store.query("SELECT anchor FROM links WHERE src_url = 'http://orphan.example/'")
    finally:
        store.close()
    assert rows.rows == [("kept",)]
