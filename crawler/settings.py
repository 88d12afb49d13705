"""Scrapy settings for linkgraph workers, and linkgraph's own (prefix LINKGRAPH_).

The CLI builds the final settings from validated options (crawler/config.py); this module holds
the defaults, alphabetized. Components read them in `from_crawler` with the typed getters.

LINKGRAPH_* settings (all set by the CLI; each documented in README.md):
    LINKGRAPH_ALLOW_PRIVATE     bool   fetch loopback/private addresses too (tests, intranets)
    LINKGRAPH_BATCH_ROWS        int    flush the sink after this many link rows
    LINKGRAPH_BATCH_SECONDS     float  ... or when the oldest buffered record is this old
    LINKGRAPH_CRAWL_ID          str    the crawl's id (namespace of its frontier keys)
    LINKGRAPH_HOST_CONCURRENCY  int    requests in flight per host, across all workers
    LINKGRAPH_HOST_DELAY        float  minimum seconds between request starts to one host
    LINKGRAPH_LEASE_TIMEOUT     float  seconds before a dead worker's lease returns to the queue
    LINKGRAPH_MAX_PAGE_BYTES    int    responses larger than this are dropped and counted
    LINKGRAPH_OBEY_ROBOTS       bool   obey robots.txt
    LINKGRAPH_PROXY             str    fetch every URL through this HTTP proxy ("" = direct)
    LINKGRAPH_REDIS_URL         str    the frontier's Redis
    LINKGRAPH_ROBOTS_RETRY      float  seconds a host stays paused after its robots.txt failed (5xx)
    LINKGRAPH_SPOOL_DIR         str    the sink's local spool directory
    LINKGRAPH_STORE             str    clickhouse://host:port/db, or a chDB data directory
    LINKGRAPH_WORKER_ID         str    this worker's name (heartbeats, leases)
"""

BOT_NAME = "linkgraph"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# The frontier is the scheduler; politeness lives in Redis, so Scrapy's own per-process
# limits are set wide open and never the binding constraint.
SCHEDULER = "crawler.frontier.scheduler.FrontierScheduler"
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 32
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = False
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
LOG_INSTALL_ROOT_HANDLER = False  # the CLI installs one handler at --log-level
LOGSTATS_INTERVAL = 0
ROBOTSTXT_OBEY = False  # robots.txt is the frontier's job, shared through Redis
REDIRECT_ENABLED = False  # a 3xx is a page with a `redirect` link; its target is queued
METAREFRESH_ENABLED = False
HTTPERROR_ALLOW_ALL = True  # 4xx/5xx pages are recorded too
RETRY_ENABLED = True
RETRY_TIMES = 2
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
USER_AGENT = "linkgraph/0.1 (+https://github.com/linkgraph/linkgraph)"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
DNS_TIMEOUT = 10

ITEM_PIPELINES = {"pipelines.sink.LinkSink": 500}

LINKGRAPH_ALLOW_PRIVATE = False
LINKGRAPH_BATCH_ROWS = 50_000
LINKGRAPH_BATCH_SECONDS = 1.0
LINKGRAPH_CRAWL_ID = ""
LINKGRAPH_HOST_CONCURRENCY = 1
LINKGRAPH_HOST_DELAY = 0.0
LINKGRAPH_LEASE_TIMEOUT = 60.0
LINKGRAPH_MAX_PAGE_BYTES = 10 * 1024 * 1024
LINKGRAPH_OBEY_ROBOTS = True
LINKGRAPH_PROXY = ""
LINKGRAPH_REDIS_URL = ""
LINKGRAPH_ROBOTS_RETRY = 300.0
LINKGRAPH_SPOOL_DIR = ""
LINKGRAPH_STORE = ""
LINKGRAPH_WORKER_ID = ""
