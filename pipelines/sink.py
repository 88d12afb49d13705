"""LinkSink: the item pipeline that batches `Fetched` records into the link store.

Items are buffered and flushed when the buffer holds `max_rows` rows (pages + links) or its oldest
item is `max_age` seconds old. A flush runs in a thread (one at a time; the reactor keeps
downloading): first any spooled batches are replayed, then the batch is inserted; if ClickHouse is
unreachable the batch goes to the local spool instead. Either way, once the batch is durable the
sink sends ``records_durable`` with ``items=[Fetched, ...]`` and the frontier acknowledges them.

    ITEM_PIPELINES = {"pipelines.sink.LinkSink": 500}
    LINKGRAPH_STORE = "clickhouse://127.0.0.1:9000/linkgraph"   # or a chDB data directory
    LINKGRAPH_SPOOL_DIR = "linkgraph-data/spool"

The batch limits are the settings LINKGRAPH_BATCH_ROWS and LINKGRAPH_BATCH_SECONDS. `crawl` and
`worker` take them from the environment at start (crawler/settings.py, checked there) and hand
them to their workers as settings: e.g. ``LINKGRAPH_BATCH_SECONDS=30`` for fewer, larger inserts
on a busy server, or to hold records in the buffer in fault tests.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twisted.internet import defer, task, threads

from crawler import settings as defaults
from crawler.errors import ConfigError, StoreError, StoreUnavailable
from crawler.records import Fetched
from crawler.signals import records_durable
from pipelines.spool import Spool, SpoolFull
from pipelines.store import Store, open_store

log = logging.getLogger(__name__)

OnDurable = Callable[[list[Fetched]], Any]


class StoreOnDemand:
    """The store, opened and migrated at its first successful use.

    A worker that starts while ClickHouse is down spools its records instead of failing; its
    inserts raise StoreUnavailable (and the sink spools) until the server answers.
    """

    def __init__(self, target: str) -> None:
        self.target = target
        self._store: Store | None = None

    def open(self) -> Store:
        if self._store is None:
            store = open_store(self.target)
            try:
                store.migrate()
            except BaseException:
                store.close()
                raise
            self._store = store
        return self._store

    def insert(self, pages: Any, links: Any) -> None:
        self.open().insert(pages, links)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class LinkSink:
    """Batches `Fetched` items into a `Store`; see the module docstring."""

    retries = 3  # insert attempts per flush before the batch is spooled (or kept, on StoreError)
    backoff = 0.5  # seconds before the second attempt, doubling after

    def __init__(
        self,
        store: Store | StoreOnDemand,
        spool: Spool,
        max_rows: int = defaults.LINKGRAPH_BATCH_ROWS,
        max_age: float = defaults.LINKGRAPH_BATCH_SECONDS,
        on_durable: OnDurable | None = None,
        stats: Any = None,
    ) -> None:
        if max_rows < 1 or max_age <= 0:
            raise ConfigError(f"sink batch limits must be positive: rows={max_rows} age={max_age}")
        self.store = store
        self.spool = spool
        self.max_rows = max_rows
        self.max_age = max_age
        self.on_durable = on_durable
        self.stats = stats
        self.owns_store = False
        self._buffer: list[Fetched] = []
        self._rows = 0
        self._oldest = 0.0
        self._flushing: defer.Deferred[Any] | None = None
        self._failures = 0
        self._retry_at = 0.0
        self._last_error: BaseException | None = None
        self._timer = task.LoopingCall(self._tick)

    @classmethod
    def from_crawler(cls, crawler: Any) -> LinkSink:
        settings = crawler.settings
        target = settings.get("LINKGRAPH_STORE")
        spool_dir = settings.get("LINKGRAPH_SPOOL_DIR")
        if not target:
            raise ConfigError("LINKGRAPH_STORE is not set (clickhouse://host:port/db or a dir)")
        if not spool_dir:
            raise ConfigError("LINKGRAPH_SPOOL_DIR is not set (the sink's local spool directory)")
        store = StoreOnDemand(target)
        try:
            store.open()
        except StoreUnavailable as exc:
            log.warning("%s; spooling records until it answers", exc)

        def durable(items: list[Fetched]) -> Any:
            # The handlers (the scheduler's acks) are synchronous: the plain send, not Scrapy's
            # deprecated Deferred one, which warned on every crawl.
            return crawler.signals.send_catch_log(signal=records_durable, items=items)

        sink = cls(
            store,
            Spool(Path(spool_dir)),
            max_rows=settings.getint("LINKGRAPH_BATCH_ROWS", defaults.LINKGRAPH_BATCH_ROWS),
            max_age=settings.getfloat("LINKGRAPH_BATCH_SECONDS", defaults.LINKGRAPH_BATCH_SECONDS),
            on_durable=durable,
            stats=crawler.stats,
        )
        sink.owns_store = True
        return sink

    # -- Scrapy's pipeline interface ---------------------------------------------------------
    def open_spider(self) -> None:
        self._timer.start(min(self.max_age / 2, 0.25), now=False)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Fetched):
            return item
        # Back-pressure: while flushes cannot keep up, hold the item here (Scrapy stops
        # scheduling downloads while its item slots are busy); refuse it once the spool is full.
        while self._rows >= 4 * self.max_rows:
            if isinstance(self._last_error, SpoolFull):
                raise SpoolFull(str(self._last_error))
            if self._flushing is not None:
                await _wait(self._flushing)
                continue
            await _wait(_sleep(max(self._retry_at - time.monotonic(), 0.05)))
            self.flush()
        if not self._buffer:
            self._oldest = time.monotonic()
        self._buffer.append(item)
        self._rows += 1 + len(item.links)
        if self._rows >= self.max_rows:
            self.flush()
        return item

    async def close_spider(self) -> None:
        if self._timer.running:
            self._timer.stop()
        while self._flushing is not None:
            await _wait(self._flushing)
        for _ in range(self.retries):
            self._retry_at = 0.0
            await _wait(self.flush())
            if not self._buffer:
                break
            await _wait(_sleep(self.backoff))
        if self._buffer:
            log.error("sink closed with %d fetches not durable; the frontier will re-deliver them",
                      len(self._buffer))  # fmt: skip
        await self._drain_spool()
        if self.owns_store:
            self.store.close()

    async def _drain_spool(self) -> None:
        """Write what was spooled while the store was down, even with nothing left to flush:
        those records are already acknowledged, and this worker's spool may not run again."""
        for attempt in range(self.retries):
            try:
                await _wait(threads.deferToThread(self.spool.replay, self.store.insert))
                return
            except StoreError as exc:
                log.warning("spool replay at close failed (%s); retrying", exc)
                await _wait(_sleep(self.backoff * 2**attempt))
        log.error("spooled records remain in %s: the crawl replays them when it ends, or run "
                  "the same crawl command again", self.spool.directory)  # fmt: skip

    # -- flushing -----------------------------------------------------------------------------
    def flush(self) -> defer.Deferred[Any]:
        """Write the buffer (unless a flush is running: then that one's Deferred)."""
        if self._flushing is not None:
            return self._flushing
        if not self._buffer or time.monotonic() < self._retry_at:
            return defer.succeed(None)
        batch, self._buffer, self._rows = self._buffer, [], 0
        d: defer.Deferred[Any] = threads.deferToThread(self._write, batch)
        d.addCallbacks(self._written, self._failed, callbackArgs=(batch,), errbackArgs=(batch,))
        d.addBoth(self._done)
        self._flushing = d
        return d

    def _tick(self) -> None:
        if self._buffer and time.monotonic() - self._oldest >= self.max_age:
            self.flush()

    def _write(self, batch: list[Fetched]) -> str:
        """In a thread: make `batch` durable; returns "inserted" or "spooled"."""
        pages = [item.page for item in batch]
        links = [link for item in batch for link in item.links]
        try:
            self._with_retries(lambda: self.spool.replay(self.store.insert))
            self._with_retries(lambda: self.store.insert(pages, links))
            return "inserted"
        except StoreUnavailable as exc:
            log.warning("%s; spooling %d fetches", exc, len(batch))
            self.spool.append(batch)
            return "spooled"

    def _with_retries(self, write: Callable[[], Any]) -> None:
        for attempt in range(self.retries):
            try:
                write()
                return
            except StoreError as exc:
                if attempt == self.retries - 1:
                    raise
                log.info("store write failed (%s); retry %d", exc, attempt + 1)
                time.sleep(self.backoff * 2**attempt)

    def _written(self, how: str, batch: list[Fetched]) -> Any:
        self._failures = 0
        self._last_error = None
        if self.stats is not None:
            self.stats.inc_value(f"linkgraph/sink/fetches_{how}", len(batch))
            self.stats.inc_value(f"linkgraph/sink/links_{how}", sum(len(i.links) for i in batch))
        return self.on_durable(batch) if self.on_durable is not None else None

    def _failed(self, failure: Any, batch: list[Fetched]) -> None:
        # Nothing was acknowledged: keep the batch, in order, and try again after a backoff.
        self._buffer[:0] = batch
        self._rows += sum(1 + len(item.links) for item in batch)
        self._oldest = time.monotonic() - self.max_age
        self._last_error = failure.value
        self._failures += 1
        delay = min(self.backoff * 2**self._failures, 30.0)
        self._retry_at = time.monotonic() + delay
        log.error("sink flush of %d fetches failed, retrying in %.1fs: %s",
                  len(batch), delay, failure.getErrorMessage())  # fmt: skip
        if self.stats is not None:
            self.stats.inc_value("linkgraph/sink/flush_errors")

    def _done(self, result: Any) -> None:
        self._flushing = None
        if self._rows >= self.max_rows:
            self.flush()


async def _wait(d: defer.Deferred[Any]) -> Any:
    from scrapy.utils.defer import maybe_deferred_to_future

    return await maybe_deferred_to_future(d)


def _sleep(seconds: float) -> defer.Deferred[None]:
    from twisted.internet import reactor

    return task.deferLater(reactor, seconds, lambda: None)
