"""A crawl's options, validated once at start, and what they become: Scrapy settings for a
worker and the crawl-wide policy shared through the frontier (so `linkgraph worker` joins
with the same scope and politeness as the `crawl` that started it).

    >>> config = CrawlConfig(seeds=["http://a.com/"], host_delay=0.5)
    >>> config.validate().settings()["LINKGRAPH_HOST_DELAY"]
    0.5
"""

from __future__ import annotations

import re
import shlex
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler import settings as defaults
from crawler.errors import ConfigError
from crawler.frontier.shards import MAX_SHARDS
from crawler.guard.addresses import is_public, literal_address
from crawler.terminal import redacted

# Crawl-wide policy: decided by `crawl`, read by every worker from the frontier.
POLICY_FIELDS = (
    "crawl_id",
    "seeds",
    "scope",
    "include",
    "exclude",
    "max_pages",
    "max_pages_per_host",
    "max_depth",
    "host_delay",
    "host_concurrency",
    "lease_timeout",
    "pause_limit",
    "obey_robots",
    "allow_private",
    "max_page_bytes",
    "max_links_per_page",
    "sitemaps",
    "clickhouse",
)

# What may be fetched: taken only from the local command line, never from the frontier's meta
# (anyone who reaches Redis could write `"allow_private": true` there); a resume or a worker
# whose command line differs from the crawl's recorded policy is refused.
SAFETY_FIELDS = ("allow_private", "obey_robots", "include", "exclude")

# Crawl options a resume cannot change (the frontier and its counters were made with them).
_RESUME_FIXED = (
    "scope",
    "max_pages",
    "max_pages_per_host",
    "max_depth",
    "host_delay",
    "host_concurrency",
    "lease_timeout",
    "pause_limit",
    "max_page_bytes",
    "max_links_per_page",
    "sitemaps",
)

# The share of a lease that a URL's download tries may take (config.download_timeout).
LEASE_SHARE_OF_DOWNLOADS = 0.75
# ... but never less than this per try (seconds): below it, slow pages would all fail.
MIN_DOWNLOAD_TIMEOUT = 5.0

DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass
class CrawlConfig:
    """Defaults from crawler/settings.py, where each says what it is and why."""

    seeds: list[str] = field(default_factory=list)
    data: Path = Path("linkgraph-data")
    redis: str = defaults.LINKGRAPH_REDIS_URL
    clickhouse: str = ""
    workers: int = 1
    scope: str = "domain"
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    max_pages: int = 0
    max_pages_per_host: int = 0
    max_depth: int = 0
    proxy: str = defaults.LINKGRAPH_PROXY
    host_delay: float = defaults.LINKGRAPH_HOST_DELAY
    host_concurrency: int = defaults.LINKGRAPH_HOST_CONCURRENCY
    lease_timeout: float = defaults.LINKGRAPH_LEASE_TIMEOUT
    pause_limit: float = defaults.LINKGRAPH_PAUSE_LIMIT
    obey_robots: bool = defaults.LINKGRAPH_OBEY_ROBOTS
    allow_private: bool = defaults.LINKGRAPH_ALLOW_PRIVATE
    max_page_bytes: int = defaults.LINKGRAPH_MAX_PAGE_BYTES
    max_links_per_page: int = defaults.LINKGRAPH_MAX_LINKS_PER_PAGE
    sitemaps: bool = defaults.LINKGRAPH_SITEMAPS
    recrawl_after: str = ""  # a duration (7d, 12h): re-queue pages last fetched before that
    crawl_id: str = defaults.LINKGRAPH_CRAWL_ID
    # 0: one shard on one Redis, LINKGRAPH_FRONTIER_SHARDS_PER_MASTER per master on a cluster.
    # Recorded in the frontier's meta (crawler.frontier.shards), not in POLICY_FIELDS.
    frontier_shards: int = 0
    worker_id: str = defaults.LINKGRAPH_WORKER_ID
    concurrency: int = defaults.CONCURRENT_REQUESTS
    # Quieter than Scrapy's LOG_LEVEL (INFO): the CLI prints its own progress lines.
    log_level: str = "WARNING"
    # This process's sink limits: per worker, not crawl policy, so not in POLICY_FIELDS.
    # validate() takes them from the environment (LINKGRAPH_BATCH_*) when set there.
    batch_rows: int = defaults.LINKGRAPH_BATCH_ROWS
    batch_seconds: float = defaults.LINKGRAPH_BATCH_SECONDS

    @property
    def embedded(self) -> bool:
        return not self.redis

    @property
    def store_target(self) -> str:
        return self.clickhouse or str((self.data / "store").resolve())

    def validate(self) -> CrawlConfig:
        """Check every option and the environment; raise ConfigError naming the first bad one.

        The LINKGRAPH_* environment is read here, once, before anything starts; the values
        reach the workers as settings (`settings()`), never read again inside a worker.
        """
        # imported here: the CLI's start-up (scope.rules brings the URL code and its suffix list)
        from crawler.scope.rules import SCOPE_MODES

        environment = defaults.from_environment()
        self.batch_rows = environment.get("LINKGRAPH_BATCH_ROWS", self.batch_rows)
        self.batch_seconds = environment.get("LINKGRAPH_BATCH_SECONDS", self.batch_seconds)
        _check(self.batch_rows >= 1, "LINKGRAPH_BATCH_ROWS must be at least 1")
        _check(self.batch_seconds > 0, "LINKGRAPH_BATCH_SECONDS must be positive")
        _check(self.workers >= 1, "--workers must be at least 1")
        if not self.allow_private:
            for seed in self.seeds:
                _check_public_seed(seed)
        _check(self.scope in SCOPE_MODES, f"--scope must be one of {', '.join(SCOPE_MODES)}")
        for option, patterns in (("--include", self.include), ("--exclude", self.exclude)):
            for pattern in patterns:
                _check_regex(option, pattern)
        _check(self.max_pages >= 0, "--max-pages must not be negative")
        _check(self.max_pages_per_host >= 0, "--max-pages-per-host must not be negative")
        if self.recrawl_after:
            parse_duration("--recrawl-after", self.recrawl_after)
        _check(self.max_depth >= 0, "--max-depth must not be negative")
        _check(self.host_delay >= 0, "--host-delay must not be negative")
        _check(self.host_concurrency >= 1, "--host-concurrency must be at least 1")
        _check(self.lease_timeout > 0, "--lease-timeout must be positive")
        _check(self.pause_limit >= 0, "--pause-limit must not be negative")
        _check(
            0 <= self.frontier_shards <= MAX_SHARDS,
            f"--frontier-shards must be 1..{MAX_SHARDS} (or 0: the default)",
        )
        _check(self.max_page_bytes > 0, "--max-page-bytes must be positive")
        _check(self.max_links_per_page >= 0, "--max-links-per-page must not be negative")
        _check(self.concurrency >= 1, "--concurrency must be at least 1")
        _check_url("--proxy", self.proxy, ("http",))
        _check_url("--redis", self.redis, ("redis", "rediss", "unix"))
        _check_url("--clickhouse", self.clickhouse, ("clickhouse",))
        if not self.crawl_id:
            self.crawl_id = uuid.uuid4().hex[:12]
        _check(
            bool(re.fullmatch(r"[\w.-]{1,64}", self.crawl_id)), "--crawl-id: letters, digits, . _ -"
        )
        if not self.worker_id:
            self.worker_id = f"w-{uuid.uuid4().hex[:8]}"
        return self

    def policy(self) -> dict[str, Any]:
        """The crawl-wide options, JSON-ready, stored in the frontier's meta."""
        values = asdict(self)
        return {name: values[name] for name in POLICY_FIELDS}

    def with_policy(self, policy: dict[str, Any]) -> CrawlConfig:
        """This worker's connection options joined with a running crawl's policy, but for the
        safety policy (SAFETY_FIELDS), which must equal the crawl's: ConfigError if not."""
        self.check_safety(policy)
        self.check_unchanged(policy)
        known = {f.name for f in fields(self)} - {"clickhouse", *SAFETY_FIELDS}
        for name, value in policy.items():
            if name in known:
                setattr(self, name, value)
        if not self.clickhouse:
            self.clickhouse = policy.get("clickhouse", "")
        return self

    def check_safety(self, policy: dict[str, Any]) -> None:
        """ConfigError unless this command line's safety options are the crawl's (`policy`)."""
        recorded = CrawlConfig(**{n: policy[n] for n in SAFETY_FIELDS if n in policy})
        if all(getattr(recorded, n) == getattr(self, n) for n in SAFETY_FIELDS):
            return
        given = " ".join(self.safety_options()) or "none"
        wanted = " ".join(recorded.safety_options()) or "none of them"
        raise ConfigError(
            f"crawl {policy.get('crawl_id', self.crawl_id)} was started with the safety options "
            f"{wanted}, this command gives {given}: they come only from the command line, so "
            "give the crawl's own again to resume or join it"
        )

    def check_unchanged(self, policy: dict[str, Any]) -> None:
        """ConfigError if this command line sets a crawl option (--max-pages 10) to other than
        the crawl's recorded value: a resume would otherwise ignore it in silence."""
        unset = CrawlConfig()
        changed = [
            f"--{name.replace('_', '-')} {getattr(self, name)} (the crawl's: {policy[name]})"
            for name in _RESUME_FIXED
            if name in policy
            and getattr(self, name) != getattr(unset, name)
            and getattr(self, name) != policy[name]
        ]
        if changed:
            raise ConfigError(
                f"crawl {policy.get('crawl_id', self.crawl_id)} keeps the options it started "
                f"with; this command changes {', '.join(changed)}: start a new crawl "
                "(another --crawl-id or --data) to use them"
            )

    def resume_command(self, redis: str) -> str:
        """The command line that resumes this crawl (its frontier in `redis`, the operator's
        --redis, or "" for the embedded one), for the hint after a stop."""
        where = ["--data", shlex.quote(str(self.data))]
        if redis:
            where += ["--redis", shlex.quote(redacted(redis))]
        if self.clickhouse:
            where += ["--clickhouse", shlex.quote(redacted(self.clickhouse))]
        if self.proxy:  # not the crawl's recorded policy: without it a resume would go direct
            where += ["--proxy", shlex.quote(redacted(self.proxy))]
        return " ".join(["linkgraph", "crawl", *where, *self.safety_options()])

    def safety_options(self) -> list[str]:
        """The command-line options that give this config's safety policy, shell-quoted."""
        return [shlex.quote(word) for word in self.safety_args()]

    def safety_args(self) -> list[str]:
        """The same options as argv words (unquoted), for a child process's command."""
        words = ["--allow-private"] if self.allow_private else []
        words += [] if self.obey_robots else ["--ignore-robots"]
        for pattern in self.include:
            words += ["--include", pattern]
        for pattern in self.exclude:
            words += ["--exclude", pattern]
        return words

    def environment(self) -> dict[str, str]:
        """What a `linkgraph worker` child process of this crawl gets in its environment: the
        values checked at start, not whatever the child would find (it checks them again)."""
        return {
            "LINKGRAPH_BATCH_ROWS": str(self.batch_rows),
            "LINKGRAPH_BATCH_SECONDS": str(self.batch_seconds),
        }

    def settings(self) -> dict[str, Any]:
        """Scrapy settings for a worker of this crawl."""
        return {
            "CONCURRENT_REQUESTS": self.concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": self.concurrency,
            "DOWNLOAD_MAXSIZE": self.max_page_bytes,
            "DOWNLOAD_TIMEOUT": download_timeout(self.lease_timeout),
            "LOG_LEVEL": self.log_level,
            "LINKGRAPH_ALLOW_PRIVATE": self.allow_private,
            "LINKGRAPH_BATCH_ROWS": self.batch_rows,
            "LINKGRAPH_BATCH_SECONDS": self.batch_seconds,
            "LINKGRAPH_CRAWL_ID": self.crawl_id,
            "LINKGRAPH_HOST_CONCURRENCY": self.host_concurrency,
            "LINKGRAPH_HOST_DELAY": self.host_delay,
            "LINKGRAPH_LEASE_TIMEOUT": self.lease_timeout,
            "LINKGRAPH_MAX_LINKS_PER_PAGE": self.max_links_per_page,
            "LINKGRAPH_MAX_PAGE_BYTES": self.max_page_bytes,
            "LINKGRAPH_OBEY_ROBOTS": self.obey_robots,
            "LINKGRAPH_PAUSE_LIMIT": self.pause_limit,
            "LINKGRAPH_PROXY": self.proxy,
            "LINKGRAPH_SITEMAPS": self.sitemaps,
            "LINKGRAPH_REDIS_URL": self.redis,
            "LINKGRAPH_STORE": self.store_target,
        }


def download_timeout(lease_timeout: float) -> float:
    """Seconds one download may take, so that all its tries end well within the lease that
    holds its URL: else the lease expires mid-download, the URL is leased again and fetched
    twice, forever on a host that never answers. Three quarters of the lease over the tries
    (the rest for politeness waits and the sink's flush): DOWNLOAD_TIMEOUT for the default.
    Never below MIN_DOWNLOAD_TIMEOUT: a lease of a few seconds (tests of dead workers) would
    leave no time for a real download; such a lease can then expire mid-download.

    >>> download_timeout(60.0), download_timeout(3.0)
    (15.0, 5.0)
    """
    share = lease_timeout * LEASE_SHARE_OF_DOWNLOADS / (defaults.RETRY_TIMES + 1)
    return max(MIN_DOWNLOAD_TIMEOUT, share)


def parse_duration(option: str, text: str) -> float:
    """Seconds in a duration like 7d, 12h, 30m, 45s, 2w; ConfigError if bad. The unit is
    required: "7" alone could mean seven days to one reader and seven seconds to another.

    >>> parse_duration("--recrawl-after", "12h")
    43200.0
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text.lower())
    if match is None or float(match[1]) <= 0:
        raise ConfigError(
            f"{option} {text!r}: give a positive number and its unit: s, m, h, d or w (7d, 12h)"
        )
    return float(match[1]) * DURATION_UNITS[match[2]]


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


def _check_public_seed(seed: str) -> None:
    """A seed at a literal non-public address would wait, paused, until the crawl gives up:
    refuse it now, saying how to crawl it."""
    host = urlsplit(seed).hostname or ""
    try:
        address = literal_address(host)
    except ValueError:
        return  # not an address: the guard checks what the name resolves to
    if address is not None and not is_public(address):
        raise ConfigError(
            f"seed {seed}: {address} is not a public address; add --allow-private to crawl it"
        )


def _check_regex(option: str, pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"{option} {pattern!r} is not a valid regular expression: {exc}") from exc


def _check_url(option: str, url: str, schemes: tuple[str, ...]) -> None:
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme not in schemes or not (parts.hostname or parts.scheme == "unix"):
        wanted = " or ".join(f"{s}://" for s in schemes)
        raise ConfigError(f"{option} {url!r} is not a {wanted} URL")
    try:
        parts.port  # noqa: B018  (parsing it is the check)
    except ValueError as exc:
        raise ConfigError(f"{option} {url!r}: the port is not a number") from exc
