"""robots.txt per RFC 9309, fetched once per origin per crawl and shared by workers through Redis.

``lg:{shard}:r:<scheme://host:port>`` (in the shard of the host: crawler.frontier.shards) holds
one of:

    b"T" + body   2xx: the file (first 500 KiB), parsed as Google does   kept 24 h (RFC 9309 2.4)
    b"A"          4xx or too many redirects: everything allowed           kept 24 h
    b"D" + why    5xx, 429 or unreachable: everything disallowed         kept `retry` seconds,
                  and the host is paused as long, so its entries wait and robots.txt is retried;
                  why: "robots.txt 502", "robots.txt unreachable", "proxy refused"
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


# Google's parser (google/robotstxt robots.cc) is the reference: robots_test.cc passes through
# RobotsRules (tests/unit/test_robots_google.py), each remaining difference in docs/ROBOTS.md.
# Protego read a leading byte order mark as part of the first line, looked for a group's whole
# User-agent value inside our agent, and closed groups on unknown lines: three ways to obey a
# rule Google does not, or ignore one it obeys.
_BOM = b"\xef\xbb\xbf"
_MAX_LINE = 2083 * 8 - 1  # robots.cc kMaxLineLen less its terminator: longer lines are cut
_LINE_END = re.compile(rb"\r\n|\r|\n")
_PRODUCT_TOKEN = re.compile(rb"[A-Za-z_-]*")
_HEX_ESCAPE = re.compile(rb"%([0-9a-fA-F]{2})")
_USER_AGENT_KEYS = (b"user-agent", b"useragent", b"user agent")
_DISALLOW_KEYS = (b"disallow", b"dissallow", b"dissalow", b"disalow", b"diasllow", b"disallaw")
_PATH_START = re.compile(r"[/?;]")


def product_token(agent: str) -> str:
    """A user agent up to its first character outside [A-Za-z_-], lowercased: the name a
    User-agent line is matched by ("linkgraph/0.1 (+https://...)" -> "linkgraph")."""
    token = _PRODUCT_TOKEN.match(agent.encode("utf-8", "replace"))
    return token.group().decode().lower() if token else ""


def _escaped(value: bytes) -> str:
    """robots.cc MaybeEscapePattern: bytes >= 0x80 percent-encoded, %-escapes uppercased, so a
    pattern matches the percent-encoded paths a crawler requests ("ツ" -> "%E3%83%84")."""
    value = _HEX_ESCAPE.sub(lambda m: b"%" + m.group(1).upper(), value)
    return "".join(chr(b) if b < 0x80 else f"%{b:02X}" for b in value)


def _key_and_value(line: bytes) -> tuple[bytes, bytes] | None:
    """robots.cc GetKeyAndValueFrom: "key: value", or "key value" (a forgotten colon) when the
    line holds exactly two words; comments and surrounding spaces and tabs dropped."""
    line = line.split(b"#", 1)[0].strip(b" \t")
    key, colon, value = line.partition(b":")
    if not colon:
        words = line.replace(b"\t", b" ").split()
        if len(words) != 2:
            return None
        key, value = words
    key = key.strip(b" \t")
    return (key.lower(), value.strip(b" \t")) if key else None


def _path_params_query(url: str) -> str:
    """robots.cc GetPathParamsQuery: the path, params and query a rule is matched against."""
    start = 2 if url.startswith("//") else 0
    early = _PATH_START.search(url, start)
    scheme_end = url.find("://", start)
    if scheme_end < 0 or (early is not None and early.start() < scheme_end):
        scheme_end = start
    else:
        scheme_end += 3
    path = _PATH_START.search(url, scheme_end)
    if path is None:
        return "/"
    hash_at = url.find("#", start)
    if 0 <= hash_at < path.start():
        return "/"
    end = hash_at if hash_at >= 0 else len(url)
    kept = url[path.start() : end]
    return kept if kept.startswith("/") else "/" + kept


def _matches(path: str, pattern: str) -> bool:
    """robots.cc Matches: "*" any run of characters, a final "$" the end of the path."""
    positions = [0]
    last = len(pattern) - 1
    for at, char in enumerate(pattern):
        if char == "$" and at == last:
            return positions[-1] == len(path)
        if char == "*":
            positions = list(range(positions[0], len(path) + 1))
            continue
        positions = [p + 1 for p in positions if p < len(path) and path[p] == char]
        if not positions:
            return False
    return True


class _Group:
    __slots__ = ("agents", "any_agent", "delay", "rules")

    def __init__(self) -> None:
        self.agents: set[str] = set()
        self.any_agent = False
        self.rules: list[tuple[bool, str]] = []  # (allow, escaped pattern), in file order
        self.delay: float | None = None


class RobotsRules:
    r"""One robots.txt read as Google's parser reads it: groups opened by User-agent lines and
    closed only by the next User-agent line after a rule; lines outside groups and unknown lines
    ignored; the longest matching pattern wins, allow on a tie; a group naming our product token
    replaces the "*" groups.

    >>> RobotsRules(b"User-agent: *\nDisallow: /").can_fetch("http://a.com/x", "bot")
    False
    """

    def __init__(self, body: bytes) -> None:
        self.groups: list[_Group] = []
        self._by_agent: dict[str, tuple[list[_Group], bool]] = {}
        for line in _LINE_END.split(_skip_bom(body)):
            self._read(line[:_MAX_LINE])

    def _read(self, line: bytes) -> None:
        pair = _key_and_value(line)
        if pair is None:
            return
        key, value = pair
        group = self.groups[-1] if self.groups else None
        if key.startswith(_USER_AGENT_KEYS):
            if group is None or group.rules:
                group = _Group()
                self.groups.append(group)
            if value[:1] == b"*" and (len(value) == 1 or value[1:2].isspace()):
                group.any_agent = True
            else:
                group.agents.add(product_token(value.decode("latin-1")))
        elif group is None:
            return  # a rule before any User-agent line belongs to no group
        elif key.startswith(b"allow"):
            group.rules.append((True, _escaped(value)))
            slash = value.rfind(b"/")
            if slash >= 0 and value[slash:].startswith(b"/index.htm"):
                # Google: allowing /d/index.html allows the directory page /d/ itself
                group.rules.append((True, _escaped(value[: slash + 1]) + "$"))
        elif key.startswith(_DISALLOW_KEYS):
            group.rules.append((False, _escaped(value)))
        elif key == b"crawl-delay":
            group.delay = _seconds(value, group.delay)

    def _groups_for(self, agent: str) -> tuple[list[_Group], bool]:
        """The groups that apply to `agent` and whether they name it (else they are "*")."""
        token = product_token(agent)
        cached = self._by_agent.get(token)
        if cached is None:
            named = [g for g in self.groups if token in g.agents]
            cached = (named, True) if named else ([g for g in self.groups if g.any_agent], False)
            self._by_agent[token] = cached
        return cached

    def can_fetch(self, url: str, agent: str) -> bool:
        """Whether `agent` (a product token or a whole User-Agent header) may fetch `url`."""
        path = _path_params_query(url)
        allow = disallow = -1
        for group in self._groups_for(agent)[0]:
            for allows, pattern in group.rules:
                if _matches(path, pattern):
                    if allows:
                        allow = max(allow, len(pattern))
                    else:
                        disallow = max(disallow, len(pattern))
        return not (disallow > allow and disallow > 0)

    def crawl_delay(self, agent: str) -> float | None:
        """The Crawl-delay of the groups that apply to `agent` (not read by Google)."""
        delays = [g.delay for g in self._groups_for(agent)[0] if g.delay is not None]
        return delays[0] if delays else None


def _skip_bom(body: bytes) -> bytes:
    """A leading UTF-8 byte order mark, or its first one or two bytes, skipped (robots.cc)."""
    for size in (3, 2, 1):
        if body[:size] == _BOM[:size]:
            return body[size:]
    return body


def _seconds(value: bytes, default: float | None) -> float | None:
    try:
        seconds = float(value)
    except ValueError:
        return default
    return seconds if seconds >= 0 else default


def parse_robots(body: bytes) -> RobotsRules:
    r"""The rules of a robots.txt body, read as Google does: a leading (even partial) byte
    order mark skipped, each User-agent line reduced to its product token.

    >>> parse_robots(b"\xef\xbb\xbfUser-agent: *\nDisallow: /").can_fetch("http://a.com/x", "bot")
    False
    """
    return RobotsRules(body)


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
        self._local: dict[str, tuple[float, str, RobotsRules | None]] = {}

    def _key(self, origin: str) -> str:
        return f"{self.key_prefix(host_of(origin))}r:{origin}"

    def _state(self, origin: str) -> tuple[str, RobotsRules | None] | None:
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

    def unavailable(self, url: str) -> tuple[float, str, str]:
        """An unreachable robots.txt: seconds until it may be fetched again, why it failed
        ("robots.txt 502", "proxy refused") and its key (a resume forgets that answer)."""
        key = self._key(origin_of(url))
        raw = self.call(self.client.get, key)
        why = raw[1:].decode("utf-8", "replace") if isinstance(raw, bytes) else ""
        return self.retry_in(url), why or "robots.txt unreachable", key

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

    def store(self, url: str, status: int, body: bytes, why: str = "") -> str:
        """Record a robots.txt answer (status 0: unreachable, for the reason `why`); returns
        the kind stored."""
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
        why = why or (f"robots.txt {status}" if status else "robots.txt unreachable")
        value = b"D" + why.encode()
        return self._keep(key, value, max(1, round(self.retry)), "D", forget_fails=False)

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
