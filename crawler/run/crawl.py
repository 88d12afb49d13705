"""A crawl from start to end: servers, seeds, workers, progress, summary.

Embedded (no --redis): an embedded Valkey under DATA/frontier holds the frontier; with no
--clickhouse the store is chDB under DATA/store, which one process may open, so the workers run
inside this process. With --clickhouse the workers are `linkgraph worker` child processes.

    >>> Crawl(CrawlConfig(seeds=["http://a.com/"]).validate()).run()   # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from crawler import datadir
from crawler.config import CrawlConfig, parse_duration
from crawler.errors import (
    ConfigError,
    CrawlDeferred,
    CrawlInterrupted,
    FrontierLost,
    FrontierUnavailable,
    LinkgraphError,
)
from crawler.frontier.connection import FrontierClient, connect, is_cluster
from crawler.frontier.queue import Frontier, current_crawl
from crawler.frontier.shards import default_count
from crawler.run.embedded import EmbeddedRedis, private_file
from crawler.run.progress import Progress, deferred_line
from crawler.scope.rules import Scope
from crawler.terminal import redacted
from crawler.urls.canonical import host_of, registrable_domain
from pipelines.spool import replay_all
from pipelines.store import Store, open_store

log = logging.getLogger(__name__)


def frontier_url_file(data: Path) -> Path:
    """Where a running embedded frontier writes its URL (read by `status` and `worker`)."""
    return data / "frontier" / "url"


def running_frontier_url(data: Path) -> str:
    """The URL (with its password) of the embedded frontier running under `data`, or ""."""
    url_file = frontier_url_file(data)
    return url_file.read_text().strip() if url_file.exists() else ""


class FrontierServer:
    """The frontier's Redis: embedded under the data dir, or the operator's --redis."""

    def __init__(self, config: CrawlConfig) -> None:
        self.config = config
        self.embedded: EmbeddedRedis | None = None

    def __enter__(self) -> FrontierClient:
        if self.config.embedded:
            self.embedded = EmbeddedRedis(self.config.data / "frontier", password=True).start()
            self.config.redis = self.embedded.url
            private_file(frontier_url_file(self.config.data), self.embedded.url)
        return connect_redis(self.config.redis)

    def __exit__(self, *exc: object) -> None:
        if self.embedded is not None:
            frontier_url_file(self.config.data).unlink(missing_ok=True)
            self.embedded.stop()
            self.config.redis = ""


def connect_redis(url: str) -> FrontierClient:
    """A pinged client for `url`: plain Redis, or a cluster client when it names a cluster node."""
    return connect(url, socket_connect_timeout=5, socket_timeout=30)


def open_frontier(client: FrontierClient, config: CrawlConfig, shards: int = 1) -> Frontier:
    """The crawl's frontier with `config`'s budgets and politeness (a new crawl's shards)."""
    return Frontier(
        client,
        config.crawl_id,
        host_delay=config.host_delay,
        host_concurrency=config.host_concurrency,
        lease_timeout=config.lease_timeout,
        max_pages=config.max_pages,
        max_pages_per_host=config.max_pages_per_host,
        shards=shards,
    )


def join_frontier(client: FrontierClient, config: CrawlConfig) -> tuple[Frontier, dict[str, Any]]:
    """A running crawl's frontier and meta: its shards and budgets as the crawl recorded them.

    Refuses (ConfigError) a --frontier-shards other than the recorded count: hosts would map
    to other shards, and their queues, politeness and seen URLs would split.
    """
    frontier = open_frontier(client, config)
    meta = frontier.meta()
    recorded = int(meta.get("shards", 1))
    if config.frontier_shards and config.frontier_shards != recorded:
        raise ConfigError(
            f"crawl {config.crawl_id} was created with --frontier-shards {recorded}; "
            f"it cannot continue with {config.frontier_shards} (leave the option out)"
        )
    frontier.adopt(meta)
    return frontier, meta


def shard_count(client: FrontierClient, config: CrawlConfig) -> int:
    """A new crawl's shards: --frontier-shards, else 1 on one Redis, more on a cluster."""
    if config.frontier_shards:
        return config.frontier_shards
    return default_count(len(client.get_primaries()) if is_cluster(client) else 0)


class Crawl:
    """Start (or resume) a crawl and run it to the end. `run()` returns the exit code."""

    def __init__(self, config: CrawlConfig, *, out: Any = sys.stderr, named: bool = False) -> None:
        self.config = config
        # --crawl-id given: the seeds start that crawl, never resume another of the same seeds.
        self.named = named
        self.out = out
        self.failure: LinkgraphError | None = None
        # The operator's --redis; "" for the embedded frontier, whose URL config.redis holds
        # while it runs.
        self.redis = config.redis
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Stop the crawl as Ctrl-C does, from any thread: the workers hand their leases back
        and `run()` returns CrawlInterrupted's code within a second or so (the next tick)."""
        self._stopping.set()

    def run(self) -> int:
        datadir.prepare(self.config.data)
        store = self._open_store()
        try:
            return self._run(store)
        finally:
            # Closed here, before the interpreter exits: chDB's own shutdown at exit, with
            # Twisted's threads still about, can crash the process after a good crawl.
            store.close()

    def _run(self, store: Store) -> int:
        with FrontierServer(self.config) as client:
            frontier = self._start(client, store)
            progress = Progress(frontier, out=self.out)
            self._say(
                f"crawl {self.config.crawl_id}: {len(self.config.seeds)} seeds, "
                f"{self.config.workers} worker(s), store {redacted(self.config.store_target)}"
            )
            if self.config.clickhouse:
                self._run_processes(frontier, progress)
            else:
                self._run_in_process(frontier, progress)
            self._replay_spools(store)
            store.settle()  # a cluster's replicas caught up: queries right after see it all
            return self._finish(frontier, progress)

    def _replay_spools(self, store: Store) -> None:
        """Batches workers spooled (and acknowledged) but did not replay: into the store now.

        Raises StoreUnavailable when the store is still down: the crawl then fails with that
        line rather than report success, and the batches stay for the next run.
        """
        replayed = replay_all(self.config.data.resolve() / "spool", store.insert)
        if replayed:
            self._say(f"replayed {replayed} batches the workers left in their spools")

    def _start(self, client: FrontierClient, store: Store) -> Frontier:
        """A new crawl from the seeds, or the frontier's crawl resumed when no seeds are given
        or they are its own and it has not ended (so the command a Ctrl-C stopped resumes)."""
        stopped = self._stopped_crawl_of(client, self.config.seeds)
        if not self.config.seeds or stopped:
            crawl_id = stopped or current_crawl(client)
            if crawl_id is None:
                raise ConfigError("no seeds given and no crawl to resume in this frontier")
            self.config.crawl_id = crawl_id
            _, meta = join_frontier(client, self.config)
            self.config.with_policy(meta)
            self._say(f"resuming crawl {crawl_id}")
            frontier = open_frontier(client, self.config)
            frontier.adopt(meta)
            self._retry_paused(frontier)
            if self.config.recrawl_after:
                self._recrawl(frontier, store)
            return frontier
        frontier = open_frontier(client, self.config, shard_count(client, self.config))
        frontier.create(self.config.policy())
        if self.config.recrawl_after:  # before the seeds: a seed fetched lately is not due
            self._recrawl(frontier, store)
        frontier.seed([{"url": url, "depth": 0, "hops": 0} for url in self.config.seeds])
        return frontier

    def _retry_paused(self, frontier: Frontier) -> None:
        """A resume lifts every pause: the URLs the crawl deferred are fetched again now."""
        deferred = frontier.recorded_deferred()
        hosts = frontier.retry_paused()
        if hosts or deferred:
            what = deferred_line(deferred) or "no URL deferred"
            self._say(f"retrying {hosts} paused host(s): {what}")

    def _stopped_crawl_of(self, client: FrontierClient, seeds: list[str]) -> str | None:
        """The frontier's current crawl if it has these very seeds and has not ended."""
        crawl_id = current_crawl(client) if seeds else None
        if crawl_id is None or (self.named and self.config.crawl_id != crawl_id):
            return None
        frontier = Frontier(client, crawl_id)
        if frontier.meta().get("seeds") != seeds or frontier.done():
            return None
        return crawl_id

    def _recrawl(self, frontier: Frontier, store: Store) -> None:
        """Queue again the pages in scope the store last fetched before --recrawl-after; the
        ones fetched since count as seen. Their history stays in the store (page_fetches)."""
        c = self.config
        cutoff = int(time.time() - parse_duration("--recrawl-after", c.recrawl_after))
        scope = Scope(c.scope, c.seeds, include=c.include, exclude=c.exclude, max_depth=c.max_depth)
        sql = f"SELECT url, depth, toUInt32(fetched_at) < {cutoff} FROM pages"
        queued = kept = 0
        # Block by block: the store's pages may outnumber what one process can hold.
        for block in store.stream(sql):
            due: list[dict[str, Any]] = []
            fresh: list[str] = []
            for url, depth, stale in block:
                host = host_of(url)
                if not scope.allows(url, 0, host, registrable_domain(host)):
                    continue
                if stale:
                    due.append({"url": url, "depth": int(depth), "hops": 0})
                else:
                    fresh.append(url)
            queued += frontier.recrawl(due, fresh)
            kept += len(fresh)
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(cutoff))
        self._say(
            f"recrawl: {queued} pages last fetched before {when} UTC queued again, "
            f"{kept} fetched since kept"
        )

    def _open_store(self) -> Store:
        """Fail at start, not mid-crawl: reach the store and apply its migrations.

        The embedded store stays open for the crawl: in-process workers share this session.
        """
        store = open_store(self.config.store_target)
        try:
            store.migrate()
        except BaseException:
            store.close()
            raise
        return store

    def _run_in_process(self, frontier: Frontier, progress: Progress) -> None:
        from crawler.run.worker import WorkerPool

        pool = WorkerPool(self.config, self.config.workers)

        def tick() -> None:
            if self._stopping.is_set():
                pool.stop()  # here, in the reactor's thread, where Scrapy may be touched
            try:
                frontier.meta()
                progress.tick()
            except FrontierLost as exc:
                self.failure = exc
                pool.stop()
            except FrontierUnavailable as exc:
                log.debug("%s; retrying", exc)  # the frontier logs outages

        pool.run(tick=tick)

    def _run_processes(self, frontier: Frontier, progress: Progress) -> None:
        env = {**os.environ, **self.config.environment()}
        procs = [
            subprocess.Popen(self._worker_command(i), env=env) for i in range(self.config.workers)
        ]
        try:
            while any(p.poll() is None for p in procs) and not self._stopping.is_set():
                time.sleep(1.0)
                try:
                    frontier.meta()
                    progress.tick()
                except FrontierLost as exc:
                    self.failure = exc
                    break
                except FrontierUnavailable as exc:
                    log.debug("%s; retrying", exc)  # the frontier logs outages
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.terminate()
            for proc in procs:
                proc.wait()

    def _worker_command(self, index: int) -> list[str]:
        c = self.config
        command = [
            sys.executable,
            "-m",
            "crawler.cli.app",
            "worker",
            # The embedded frontier's URL holds its password: `ps` would show it to every local
            # user, so the worker reads it from DATA/frontier/url (0600) instead.
            *(["--redis", c.redis] if self.redis else []),
            "--clickhouse",
            c.clickhouse,
            "--crawl-id",
            c.crawl_id,
            "--worker-id",
            f"{c.worker_id}-{index}",
            "--data",
            str(c.data),
            "--concurrency",
            str(c.concurrency),
            "--log-level",
            c.log_level,
        ]
        if c.proxy:
            command += ["--proxy", c.proxy]
        return command + c.safety_args()

    def _finish(self, frontier: Frontier, progress: Progress) -> int:
        try:
            frontier.meta()
        except FrontierLost as exc:
            self.failure = self.failure or exc
        if self.failure is not None:
            self._say(f"error: {self.failure}")
            return 1
        counts = progress.tick(force=True)
        deferred = frontier.recorded_deferred()
        if deferred and not frontier.done():
            self._say(progress.summary(counts).replace("finished", "ended", 1))
            self._say(
                f"{deferred_line(deferred)}; resume with: {self.config.resume_command(self.redis)}"
            )
            return CrawlDeferred.exit_code
        if not frontier.done():
            resume = self.config.resume_command(self.redis)
            self._say(
                f"stopped before the end: {counts.get('queued', 0)} queued, "
                f"{counts.get('leased', 0)} leased; resume with: {resume}"
            )
            return CrawlInterrupted.exit_code
        self._say(progress.summary(counts))
        self._say(f"data: {redacted(self.config.store_target)}")
        return 0

    def _say(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()
