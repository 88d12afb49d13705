"""Every default of a linkgraph worker, Scrapy's settings we set and our own (prefix LINKGRAPH_).

One home: CrawlConfig's field defaults, the CLI's option defaults, the components' fallbacks
(frontier, scheduler, robots cache, guard, sink, extractor) all read the constants below, so a
default is written once. `scrapy crawl links` gets them through scrapy.cfg; the CLI starts from
them and overrides them with validated options (crawler/config.py). Alphabetized, as Scrapy's
own default_settings.py; components read them in `from_crawler` with the typed getters.

Four LINKGRAPH_* variables are read from the environment, checked once at the start of `crawl`
and `worker` by `from_environment` (a bad value stops the command with one line naming it):
LINKGRAPH_BATCH_ROWS and LINKGRAPH_BATCH_SECONDS, handed to the workers as settings,
LINKGRAPH_CLICKHOUSE_CLUSTER, which every command opening the store reads (checked there too),
and LINKGRAPH_PURE_PYTHON, which crawler/speedups.py reads when the C modules load. README.md
documents every variable in one table.

    >>> from_environment({"LINKGRAPH_BATCH_SECONDS": "30"})
    {'LINKGRAPH_BATCH_SECONDS': 30.0}
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from crawler.errors import ConfigError

# Scrapy's throttle adapts a per-process delay; ours is shared by every worker in Redis.
AUTOTHROTTLE_ENABLED: bool = False

# The project's name in Scrapy's logs and stats (the User-Agent is set on its own).
BOT_NAME: str = "linkgraph"

# One item per response: Scrapy starts this many asyncio tasks per response to process its
# output (100 by default: ~10% of a worker's CPU, for one item).
CONCURRENT_ITEMS: int = 1

# Requests in flight per worker (`--concurrency`). Politeness per host lives in Redis
# (LINKGRAPH_HOST_*), so Scrapy's per-process, per-domain limit is as wide as the worker's.
CONCURRENT_REQUESTS: int = 32
CONCURRENT_REQUESTS_PER_DOMAIN: int = CONCURRENT_REQUESTS

# A link graph needs no session; cookies would only make pages vary between workers.
COOKIES_ENABLED: bool = False

# Seconds for a name lookup (the guard's resolver checks every address it returns).
DNS_TIMEOUT: int = 10

# Scrapy's per-process delay stays off: LINKGRAPH_HOST_DELAY holds across workers.
DOWNLOAD_DELAY: float = 0

# The guard's handlers: its address checks hold for Scrapy's Twisted HTTP/1.1 handler (which
# resolves through the reactor's resolver, TWISTED_DNS_RESOLVER); pinned, not inherited.
DOWNLOAD_HANDLERS: dict[str, str] = {
    "http": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler",
    "https": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler",
}

# Scrapy's own size cap, the backstop of LINKGRAPH_MAX_PAGE_BYTES (10 MiB: a page larger than
# that is almost always a file or a trap, not a page with links worth its memory).
DOWNLOAD_MAXSIZE: int = 10 * 1024 * 1024

# Seconds before a download is given up (then retried, RETRY_TIMES): a crawl sets it to 3/4
# of LINKGRAPH_LEASE_TIMEOUT over the tries (crawler/config.py, download_timeout), so a URL's
# every try ends within the lease that holds it; 15 s for the default 60 s lease.
DOWNLOAD_TIMEOUT: float = 15.0

# No warning per large page: oversize pages are dropped and counted (guard/oversize).
DOWNLOAD_WARNSIZE: int = 0

# The frontier's and the guard's, around Scrapy's own (100-900). Early (50), the host slot
# frees on final responses, after the retry middleware decided; the guard caps the size (580),
# bounds decompression (590, in place of Scrapy's), routes through LINKGRAPH_PROXY (740) and
# checks the address after HttpProxyMiddleware (750) chose the hop (760); last (950), the
# politeness gate records the request's real start.
DOWNLOADER_MIDDLEWARES: dict[str, int | None] = {
    "crawler.frontier.middleware.HostSlotMiddleware": 50,
    "crawler.guard.middlewares.PageLimitsMiddleware": 580,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.guard.middlewares.CappedCompressionMiddleware": 590,
    "crawler.guard.middlewares.ProxyMiddleware": 740,
    "crawler.guard.middlewares.AddressGuardMiddleware": 760,
    "crawler.frontier.middleware.DownloadGateMiddleware": 950,
}

# 4xx/5xx pages are recorded too: a broken link is data (status in `pages`).
HTTPERROR_ALLOW_ALL: bool = True

# The sink batches records into the store and acknowledges them once durable.
ITEM_PIPELINES: dict[str, int] = {"pipelines.sink.LinkSink": 500}

# Fetch loopback, private and other non-public addresses too (intranets, tests).
LINKGRAPH_ALLOW_PRIVATE: bool = False

# Flush the sink after this many rows (pages + links): ~one columnar insert per second.
LINKGRAPH_BATCH_ROWS: int = 50_000

# ... or when the oldest buffered record is this many seconds old.
LINKGRAPH_BATCH_SECONDS: float = 1.0

# The ClickHouse cluster (a <remote_servers> name) the store lives on; "" is one server.
# Also read from the environment, for every command that opens the store (`--clickhouse-cluster`).
LINKGRAPH_CLICKHOUSE_CLUSTER: str = ""

# Seconds to connect to a ClickHouse server and get its handshake: a port that accepts and never
# answers (a hung server, a wrong service) fails in seconds, not at the 300 s driver default.
LINKGRAPH_CLICKHOUSE_CONNECT_TIMEOUT: float = 5.0

# Seconds a ClickHouse query may go without a packet from the server (it sends progress while
# it reads): a server that hangs mid-query fails after this, not 300 s.
LINKGRAPH_CLICKHOUSE_RECEIVE_TIMEOUT: float = 120.0

# The crawl's id: the namespace of its frontier keys (set by `crawl`, random by default).
LINKGRAPH_CRAWL_ID: str = ""

# Frontier shards per Redis Cluster master when a crawl on a cluster does not say
# (`--frontier-shards`): 4 per master spreads a crawl within a few percent of even over masters
# (shard tags are chosen by slot range) and leaves room to add masters; one Redis: one shard.
LINKGRAPH_FRONTIER_SHARDS_PER_MASTER: int = 4

# Requests in flight per host across all workers. 2 is what the CLI and README always said,
# and what RFC 2616 (8.1.4) asked of a client per server: a second request hides one slow
# response without pressing any host.
LINKGRAPH_HOST_CONCURRENCY: int = 2

# Minimum seconds between request starts to one host, across all workers (0: none beyond
# LINKGRAPH_HOST_CONCURRENCY; a robots.txt Crawl-delay raises it per host).
LINKGRAPH_HOST_DELAY: float = 0.0

# Seconds before a dead worker's leased requests return to the queue: a URL's download tries
# take at most 3/4 of it (DOWNLOAD_TIMEOUT), the rest is for politeness waits and the sink's
# flush; short enough to resume soon.
LINKGRAPH_LEASE_TIMEOUT: float = 60.0

# `changes`, `backlinks --lost-since`, the report: a page that fails (5xx, no answer) this many
# fetches in a row loses its links ('page error'); one failed recrawl is often a blip.
LINKGRAPH_LOST_AFTER_ERRORS: int = 2

# Links kept per page, in document order (0: all). Those past it are counted
# (linkgraph/links_dropped/page_cap), never built: a 10 MiB page can hold 500k links, about
# 1 KiB of records, frontier entries and insert columns each, all held until the page is stored.
LINKGRAPH_MAX_LINKS_PER_PAGE: int = 100_000

# Responses larger than this many bytes are dropped and counted; pages the extractor is
# handed are cut there too.
LINKGRAPH_MAX_PAGE_BYTES: int = DOWNLOAD_MAXSIZE

# Obey robots.txt (the frontier's shared cache, not Scrapy's per-process middleware).
LINKGRAPH_OBEY_ROBOTS: bool = True

# Seconds: a crawl whose only work left is on hosts paused longer than this from now (robots.txt
# 5xx, a refused --proxy, a long Retry-After) ends instead of waiting in silence; their URLs stay
# queued as deferred, counted per reason, and a resume retries them (`--pause-limit`; 0: wait).
LINKGRAPH_PAUSE_LIMIT: float = 60.0

# Fetch every URL through this HTTP proxy ("" = directly); the guard trusts its address.
LINKGRAPH_PROXY: str = ""

# The frontier's Redis URL (set by `crawl` and `worker`).
LINKGRAPH_REDIS_URL: str = ""

# Seconds a frontier call that later calls rely on (children sent to other shards before their
# page's ack, seeds, recrawls) waits for a replica to hold it (WAIT 1), when the masters have
# replicas: past it the call fails and is retried. A failover otherwise loses what the dead
# master had not yet replicated (crawler/frontier/replication.py).
LINKGRAPH_REPLICA_WAIT: float = 1.0

# Seconds a host stays paused after its robots.txt failed (5xx, unreachable), as RFC 9309
# asks: a crawler must not take a server error for "everything allowed".
LINKGRAPH_ROBOTS_RETRY: float = 300.0

# `linkgraph serve --clickhouse`'s connections to the server: at most this many API requests
# query at once (the rest wait for one); chDB's one handle answers one at a time whatever this.
LINKGRAPH_SERVE_CONNECTIONS: int = 4

# `linkgraph serve` listens here; any other address needs --token-file.
LINKGRAPH_SERVE_HOST: str = "127.0.0.1"

# `linkgraph serve`'s port (0: any free port, printed at start).
LINKGRAPH_SERVE_PORT: int = 8017

# Also seed from the sitemaps each host's robots.txt lists.
LINKGRAPH_SITEMAPS: bool = False

# The sink's local spool directory (a worker's own, under the data directory).
LINKGRAPH_SPOOL_DIR: str = ""

# clickhouse://host:port/db, or a chDB data directory.
LINKGRAPH_STORE: str = ""

# `watch run`: a webhook POST is tried this many times, waiting LINKGRAPH_WATCH_BACKOFF seconds,
# then twice that, ... between tries, each try waiting LINKGRAPH_WATCH_TIMEOUT seconds for the
# answer; an alert still undelivered stays in the outbox for the next run (never lost).
LINKGRAPH_WATCH_BACKOFF: float = 1.0
# `watch run --loop` wakes at least this often (seconds) while alerts wait in the outbox.
LINKGRAPH_WATCH_RECHECK: float = 60.0
LINKGRAPH_WATCH_TIMEOUT: float = 10.0
LINKGRAPH_WATCH_TRIES: int = 3

# This worker's name (heartbeats, leases; set per worker).
LINKGRAPH_WORKER_ID: str = ""

# The CLI installs one handler at --log-level; Scrapy must not add its own.
LOG_INSTALL_ROOT_HANDLER: bool = False

# For `scrapy crawl`; the CLI sets its --log-level (WARNING by default: it prints progress).
LOG_LEVEL: str = "INFO"

# Progress is the crawl's job (a rate line every 2 s), not a per-worker stats line.
LOGSTATS_INTERVAL: float = 0

# A meta refresh is a link (kind `refresh`) queued by the frontier, not followed in place.
METAREFRESH_ENABLED: bool = False

# Where `scrapy genspider` would put a spider (the project has one, `links`).
NEWSPIDER_MODULE: str = "crawler.spiders"

# A 3xx is a page with a `redirect` link; its target is queued through the frontier (scope,
# seen set, politeness), not fetched behind its back.
REDIRECT_ENABLED: bool = False

# Scrapy's current fingerprints (the older ones are deprecated); the frontier's seen set uses
# canonical URLs, not these.
REQUEST_FINGERPRINTER_IMPLEMENTATION: str = "2.7"

# A timeout or a 5xx gets two more tries before its page is recorded as failed: transient
# errors should not become lost links.
RETRY_ENABLED: bool = True
RETRY_TIMES: int = 2

# robots.txt is the frontier's job, shared through Redis (LINKGRAPH_OBEY_ROBOTS).
ROBOTSTXT_OBEY: bool = False

# The frontier is the scheduler: a lease/ack queue in Redis shared by every worker.
SCHEDULER: str = "crawler.frontier.scheduler.FrontierScheduler"

# Where Scrapy finds the `links` spider.
SPIDER_MODULES: list[str] = ["crawler.spiders"]

# No telnet console: a worker must not open a port nobody asked for.
TELNETCONSOLE_ENABLED: bool = False

# Every name a worker resolves goes through the guard: the address it checks is the one the
# download handler connects to.
TWISTED_DNS_RESOLVER: str = "crawler.guard.middlewares.GuardedResolver"

# Says who crawls and where to read about it, as a polite crawler does.
USER_AGENT: str = "linkgraph/0.1 (+https://github.com/linkgraph/linkgraph)"


# -- the environment ------------------------------------------------------------------------
# Lower-case names below: Scrapy's `setmodule` takes every upper-case name as a setting.

log = logging.getLogger(__name__)
_identifier_pattern = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(text)
    return value


def _identifier(text: str) -> str:
    # A cluster name is spliced into DDL (ON CLUSTER, Distributed(...)): a plain identifier only.
    if not _identifier_pattern.fullmatch(text):
        raise ValueError(text)
    return text


def _flag(text: str) -> bool:
    # Exactly 0 or 1: crawler/speedups.py reads anything but "" and "0" as on, so "false" or
    # " 0" is refused rather than read two ways.
    if text not in ("0", "1"):
        raise ValueError(text)
    return text == "1"


# Every variable read from the environment: its parser and what a bad value is not.
environment_variables: dict[str, tuple[Callable[[str], Any], str]] = {
    "LINKGRAPH_BATCH_ROWS": (_positive_int, "not a positive integer"),
    "LINKGRAPH_BATCH_SECONDS": (_positive_float, "not a positive number of seconds"),
    "LINKGRAPH_CLICKHOUSE_CLUSTER": (_identifier, "not a cluster name (letters, digits, _)"),
    "LINKGRAPH_PURE_PYTHON": (_flag, "not 0 or 1"),
}

# Read by deploy/'s container entrypoints (deploy/env.example), not by Python: no warning.
deploy_variables: frozenset[str] = frozenset(
    {
        "LINKGRAPH_CLICKHOUSE",
        "LINKGRAPH_CONCURRENCY",
        "LINKGRAPH_LOG_LEVEL",
        "LINKGRAPH_PROXY",
        "LINKGRAPH_REDIS",
        "LINKGRAPH_SAFETY_OPTIONS",
        "LINKGRAPH_WORKERS_PER_CONTAINER",
    }
)
# Read by the tests and benchmarks only (tests/helpers/shared.py), not by a worker: no warning.
test_variables: frozenset[str] = frozenset({"LINKGRAPH_SHARED"})


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The LINKGRAPH_* variables set in `environ` (default: os.environ), checked and typed.

    Raises ConfigError naming the first bad one; warns of an unknown LINKGRAPH_* name (a typo
    would otherwise be ignored in silence). An empty value counts as unset.

    >>> from_environment({"LINKGRAPH_BATCH_ROWS": "abc"})
    Traceback (most recent call last):
    crawler.errors.ConfigError: LINKGRAPH_BATCH_ROWS=abc: not a positive integer
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name in sorted(environ):
        if not name.startswith("LINKGRAPH_") or name in deploy_variables | test_variables:
            continue
        if name not in environment_variables:
            log.warning("ignoring %s: not a linkgraph environment variable (README.md)", name)
            continue
        text = environ[name]
        if not text:
            continue
        parse, wanted = environment_variables[name]
        try:
            values[name] = parse(text)
        except ValueError as exc:
            raise ConfigError(f"{name}={text}: {wanted}") from exc
    return values
