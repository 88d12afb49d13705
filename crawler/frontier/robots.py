"""robots.txt per RFC 9309, fetched once per origin per crawl and shared by workers through Redis.

``lg:{shard}:r:<scheme://host:port>`` (in the shard of the host: crawler.frontier.shards) holds
one of:

    b"T" + body   2xx: the file (first 500 KiB), parsed with Protego     kept 24 h (RFC 9309 2.4)
    b"A"          4xx or too many redirects: everything allowed           kept 24 h
    b"D"          5xx, 429 or unreachable: everything disallowed         kept `retry` seconds,
                  and the host is paused as long, so its entries wait and robots.txt is retried
    b"X"          unreachable `GIVE_UP` times in a row: disallowed          kept 24 h
    b"P"          a worker is fetching it (a lock, `FETCH_LOCK` seconds)

The robots.txt request itself goes through the download gate like any request, under the lease
of the page that needed it (crawler.frontier.scheduler). A Crawl-delay for our user agent raises
the host's delay, capped at 30 s (crawler.frontier.politeness.CRAWL_DELAY_CAP).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from protego import Protego

from crawler import settings as defaults
from crawler.frontier.connection import FrontierClient
from crawler.urls.canonical import host_of

MAX_BYTES = 500 * 1024  # RFC 9309 2.5: parse at least 500 KiB
TTL = 24 * 3600
FETCH_LOCK = 60
GIVE_UP = 3
LOCAL_TTL = 30.0  # seconds a worker trusts its parsed copy before asking Redis again

ALLOW, DISALLOW, FETCH, WAIT, UNAVAILABLE = "allow", "disallow", "fetch", "wait", "unavailable"


def _direct(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)


# A UTF-8 byte order mark, or its first one or two bytes, opening the file: Google's parser skips
# it (robots_test.cc, ID_UTF8ByteOrderMarkIsSkipped); read as text it would glue "\ufeff" to the
# first line's name, and that line (usually the first User-agent) would be lost.
_BOMS = (b"\xef\xbb\xbf", b"\xef\xbb", b"\xef")
# A User-agent line names a product token: Google reads its value up to the first character
# that is not a letter, "_" or "-" ("linkgraph bot", "linkgraph/1.0" both name "linkgraph";
# robots_test.cc GoogleOnly_AcceptUserAgentUpToFirstSpace), where Protego would look for the
# whole value in our agent and so ignore the group.
_USER_AGENT_LINE = re.compile(r"(?im)^[ \t]*user-agent[ \t]*(?::|[ \t])[ \t]*([^\r\n]*)")
_PRODUCT_TOKEN = re.compile(r"[A-Za-z_-]+")


def _product_token_line(line: re.Match[str]) -> str:
    value = line.group(1)
    if value.startswith("*"):
        return "User-agent: *"
    token = _PRODUCT_TOKEN.match(value)
    return f"User-agent: {token.group()}" if token else line.group(0)


def parse_robots(body: bytes) -> Protego:
    r"""The rules of a robots.txt body, read as Google does: a leading (even partial) byte
    order mark skipped, each User-agent line reduced to its product token.

    >>> parse_robots(b"\xef\xbb\xbfUser-agent: *\nDisallow: /").can_fetch("http://a.com/x", "bot")
    False
    """
    for bom in _BOMS:
        if body.startswith(bom):
            body = body[len(bom) :]
            break
    text = _USER_AGENT_LINE.sub(_product_token_line, body.decode("utf-8", "replace"))
    return Protego.parse(text)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def robots_url(url: str) -> str:
    return origin_of(url) + "/robots.txt"


class RobotsCache:
    """Decides allow/disallow for URLs from the shared robots.txt cache; parses each file once."""

    def __init__(
        self,
        client: FrontierClient,
        key_prefix: str | Callable[[str], str],
        agent: str,
        *,
        retry: float = defaults.LINKGRAPH_ROBOTS_RETRY,
        call: Callable[..., Any] = _direct,
    ) -> None:
        self.client = client
        self.call = call  # runs each Redis call: the frontier's maps errors and backs off
        # A host's key prefix: one string, or the frontier's shard of the host.
        self.key_prefix = key_prefix if callable(key_prefix) else lambda _host: key_prefix
        self.agent = agent
        self.retry = retry
        self._local: dict[str, tuple[float, str, Protego | None]] = {}

    def _key(self, origin: str) -> str:
        return f"{self.key_prefix(host_of(origin))}r:{origin}"

    def _state(self, origin: str) -> tuple[str, Protego | None] | None:
        cached = self._local.get(origin)
        if cached and cached[0] > time.monotonic():
            return cached[1], cached[2]
        raw = self.call(self.client.get, self._key(origin))
        if not isinstance(raw, bytes):
            return None
        kind, parser = raw[:1].decode(), None
        if kind == "T":
            parser = parse_robots(raw[1:])
        if kind in "TAX":  # "P" and "D" expire soon: always ask Redis
            if len(self._local) > 10_000:
                self._local.clear()
            self._local[origin] = (time.monotonic() + LOCAL_TTL, kind, parser)
        return kind, parser

    def check(self, url: str) -> str:
        """ALLOW, DISALLOW, FETCH (this worker must fetch robots.txt now, the lock is ours),
        WAIT (another worker is fetching it) or UNAVAILABLE (5xx: retry later)."""
        origin = origin_of(url)
        state = self._state(origin)
        if state is None:
            if self.call(self.client.set, self._key(origin), "P", nx=True, ex=FETCH_LOCK):
                return FETCH
            return WAIT
        kind, parser = state
        if kind == "P":
            return WAIT
        if kind == "D":
            return UNAVAILABLE
        if kind == "X":
            return DISALLOW
        if parser is None or parser.can_fetch(url, self.agent):
            return ALLOW
        return DISALLOW

    def retry_in(self, url: str) -> float:
        """Seconds until an unreachable robots.txt may be fetched again."""
        ms = int(self.call(self.client.pttl, self._key(origin_of(url))))
        return max(0.05, ms / 1000) if ms > 0 else 0.05

    def crawl_delay(self, url: str) -> float | None:
        state = self._state(origin_of(url))
        if state is None or state[1] is None:
            return None
        delay = state[1].crawl_delay(self.agent)
        return float(delay) if delay else None

    def store(self, url: str, status: int, body: bytes) -> str:
        """Record a robots.txt answer (status 0: unreachable); returns the kind stored."""
        origin = origin_of(url)
        key = self._key(origin)
        self._local.pop(origin, None)
        if 200 <= status < 300:
            return self._keep(key, b"T" + body[:MAX_BYTES], TTL, "T")
        if 400 <= status < 500 and status != 429:
            return self._keep(key, b"A", TTL, "A")
        fails = int(self.call(self.client.incr, key + ":fails"))
        self.call(self.client.expire, key + ":fails", TTL)
        if fails >= GIVE_UP:
            return self._keep(key, b"X", TTL, "X", forget_fails=False)
        return self._keep(key, b"D", max(1, round(self.retry)), "D", forget_fails=False)

    def _keep(self, key: str, value: bytes, ttl: int, kind: str, forget_fails: bool = True) -> str:
        pipe = self.client.pipeline()
        pipe.set(key, value, ex=ttl)
        if forget_fails:
            pipe.delete(key + ":fails")
        self.call(pipe.execute)
        return kind

    def allow_all(self, url: str) -> None:
        """Too many redirects (RFC 9309 2.3.1.2): treat as unavailable, i.e. allowed."""
        self.store(url, 404, b"")
