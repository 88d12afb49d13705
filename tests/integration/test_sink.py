"""LinkSink: batching and the durable signal in a real crawler, spooling through a ClickHouse
outage. The spool alone, on disk: tests/unit/test_spool.py."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipelines.sink import LinkSink
from pipelines.spool import Spool, SpoolFull
from pipelines.store import Store, open_store
from tests.helpers.samples import item
from tests.helpers.servers import ClickHouseServer, have_clickhouse_server

ROOT = Path(__file__).resolve().parents[2]


def counts(store: Store) -> tuple[int, int, int]:
    return (
        store.query("SELECT count() FROM links").rows[0][0],
        store.query("SELECT count() FROM pages").rows[0][0],
        store.query("SELECT count() FROM (SELECT DISTINCT * FROM link_fetches)").rows[0][0],
    )


@pytest.mark.server
def test_outage_spools_and_replays_without_loss_or_doubles(tmp_path: Path) -> None:
    if not have_clickhouse_server():
        pytest.skip("Debian's clickhouse-server is not installed")
    server = ClickHouseServer(tmp_path / "ch").start()
    try:
        store = open_store(server.url_for("outage"))
        store.migrate()
        sink = LinkSink(store, Spool(tmp_path / "spool"), max_rows=10, max_age=1.0)
        sink.retries, sink.backoff = 2, 0.01
        assert sink._write([item(1), item(2)]) == "inserted"
        server.kill()
        assert sink._write([item(3), item(4)]) == "spooled"
        assert sink._write([item(5)]) == "spooled"
        assert len(sink.spool) == 2
        sink.spool.max_bytes = sink.spool.bytes + 100
        with pytest.raises(SpoolFull, match="refusing records"):
            sink._write([item(7)])  # not durable: the frontier keeps its lease and re-delivers
        server.start()
        assert sink._write([item(6)]) == "inserted"
        assert len(sink.spool) == 0
        sink._write([item(3), item(5)])  # the frontier re-delivers what was spooled: harmless
        assert counts(store) == (18, 6, 18)
        assert store.query("SELECT count() FROM link_fetches FINAL").rows == [(18,)]
        store.close()
    finally:
        server.stop()


CRAWL = textwrap.dedent("""
    import json, sys, time, asyncio
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from crawler.records import Fetched, OutLink, Page
    from crawler.signals import records_durable

    events = []

    def durable_leases():
        return [lease for e in events for lease in e.get("leases", [])]

    async def until(check, timeout=60.0):
        deadline = time.monotonic() + timeout
        while not check() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    class Feed(scrapy.Spider):
        name = "feed"

        @classmethod
        def from_crawler(cls, crawler, *args, **kwargs):
            spider = super().from_crawler(crawler, *args, **kwargs)
            crawler.signals.connect(spider.durable, signal=records_durable)
            return spider

        def durable(self, items):
            events.append({"t": time.monotonic(), "leases": [i.lease for i in items]})

        async def start(self):
            for n in range(11):
                src = f"http://s{n}.com/p"
                links = [OutLink(src_url=src, dst_url=f"http://t{k}.org/", ordinal=k,
                                 src_domain=f"s{n}.com", dst_domain=f"t{k}.org",
                                 fetched_at=1.7e9) for k in range(3)]
                yield Fetched(page=Page(url=src, domain=f"s{n}.com", fetched_at=1.7e9),
                              links=links, lease=n)
                if n == 9:
                    # Wait (not a fixed sleep: a loaded machine flushes slowly) until every
                    # fetch so far is durable, so the next one is alone in the buffer.
                    await until(lambda: durable_leases() == list(range(10)))
                    events.append({"t": time.monotonic(), "mark": "quiet"})
            await until(lambda: 10 in durable_leases())  # only the age limit can flush it
            events.append({"t": time.monotonic(), "mark": "done"})

    process = CrawlerProcess({
        "SCHEDULER": "scrapy.core.scheduler.Scheduler",
        "ITEM_PIPELINES": {"pipelines.sink.LinkSink": 500},
        "LINKGRAPH_STORE": sys.argv[1], "LINKGRAPH_SPOOL_DIR": sys.argv[2],
        "LINKGRAPH_BATCH_ROWS": 10, "LINKGRAPH_BATCH_SECONDS": 0.3,
        "LOG_LEVEL": "WARNING",
    })
    process.crawl(Feed)
    process.start()
    from pipelines.store import open_store
    store = open_store(sys.argv[1])
    rows = [store.query(q).rows[0][0] for q in
            ("SELECT count() FROM links", "SELECT count() FROM pages")]
    print(json.dumps({"events": events, "rows": rows}))
""")


@pytest.mark.serial
def test_sink_in_a_real_crawler(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", CRAWL, str(tmp_path / "graph"), str(tmp_path / "spool")],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["rows"] == [33, 11]
    batches = [e["leases"] for e in report["events"] if "leases" in e]
    assert [lease for batch in batches for lease in batch] == list(range(11))  # once, in order
    # 4 rows per fetch, 10 rows per batch: the first flush comes with the third fetch; later
    # ones take what arrived while the previous flush ran (one flush at a time)
    assert batches[0] == [0, 1, 2]
    assert all(len(batch) >= 3 for batch in batches[:-2])
    # a lone fetch is flushed by age (0.3 s) while the spider runs, not at its close
    quiet, done = (next(e["t"] for e in report["events"] if e.get("mark") == m)
                   for m in ("quiet", "done"))  # fmt: skip
    tail = next(e["t"] for e in report["events"] if e.get("leases") == [10])
    assert quiet < tail <= done < quiet + 30
