"""Crawler traps: the URL the frontier queues for a discovered link, or None to refuse it.

Session ids and click-tracking parameters are stripped (they make one page look like
endless pages); URLs that are too long, too deep, repeat their path segments, or walk a
calendar far from today are refused. This changes only what the frontier queues: the
stored `dst_url` of a link stays the canonical URL as found. The rules: docs/LINKS.md.

    >>> crawl_url("https://shop.example/cart;jsessionid=A1B2?item=7&utm_source=news")
    'https://shop.example/cart?item=7'
    >>> check("https://example.com/calendar/2100/05/", now=date(2026, 6, 1))
    Verdict(url=None, reason='calendar')
"""

from __future__ import annotations

import re
import time
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from crawler.urls.canonical import MAX_URL_LENGTH

MAX_PATH_DEPTH = 16
MAX_SEGMENT_REPEATS = 3
CALENDAR_YEARS = 2

# Verdict reasons; the spider counts them as `traps/<reason>`.
TOO_LONG = "too_long"
PATH_TOO_DEEP = "path_too_deep"
REPEATED_SEGMENTS = "repeated_segments"
CALENDAR = "calendar"
SESSION_ID = "session_id"  # rewritten, not refused
TRACKING = "tracking"  # rewritten, not refused

_SESSION_NAMES = frozenset(
    {
        "jsessionid",
        "phpsessid",
        "sessionid",
        "session_id",
        "session-id",
        "sessid",
        "sess_id",
        "asp.net_sessionid",
        "cfid",
        "cftoken",
        "zenid",
        "oscsid",
        "xtcsid",
    }
)
_SESSION_PREFIXES = ("aspsessionid",)
# Names that are session ids only when the value looks like one: phpBB's `sid`, vBulletin's `s`
# (WordPress uses `s` for its search words).
_SESSION_TOKENS = {
    "sid": re.compile(r"[0-9A-Za-z_-]{16,}"),
    "s": re.compile(r"[0-9a-fA-F]{32}"),
}
_TRACKING_NAMES = frozenset(
    {
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "fbclid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "_ga",
        "_gl",
        "srsltid",
    }
)
_TRACKING_PREFIXES = ("utm_",)

# Cheap tests on "&" + the lowercased query; a false hit only costs the exact, slower check.
_HINT_NAMES = sorted(_SESSION_NAMES | _TRACKING_NAMES | set(_SESSION_TOKENS), key=len, reverse=True)
_QUERY_HINT = re.compile(
    r"&(?:[^=&]*%"
    rf"|(?:{'|'.join(map(re.escape, _HINT_NAMES))})(?:=|&|\Z)"
    rf"|{'|'.join(map(re.escape, _SESSION_PREFIXES + _TRACKING_PREFIXES))})"
)
_PERCENT_ASCII = re.compile(r"%([0-7][0-9A-Fa-f])")  # the names to strip are ASCII
_PATH_PARAM = re.compile(r";([^;/=]*)=([^;/]*)")
# ASP.NET cookieless sessions put the id in a path segment: /(S(lit3py55t21z5v55vlm25s55))/
_ASP_SEGMENT = re.compile(
    r"/\((?:[A-Z]\([^()/]*\))*S\([^()/]*\)(?:[A-Z]\([^()/]*\))*\)(?=/|\Z)", re.IGNORECASE
)

_FOUR_DIGITS = re.compile(r"[0-9]{4}")
# A whole path segment (searched in "/" + path): a year, or an ISO year-month or date.
_DATE_SEGMENT = re.compile(
    r"/([12][0-9]{3})(?:-(0[1-9]|1[0-2])(?:-(?:0[1-9]|[12][0-9]|3[01]))?)?(?=/|\Z)"
)
_MONTH_SEGMENT = re.compile(r"0[1-9]|1[0-2]")
_LOOSE_MONTH_SEGMENT = re.compile(r"0?[1-9]|1[0-2]")
_DAY_SEGMENT = re.compile(r"0[1-9]|[12][0-9]|3[01]")
_LOOSE_DAY_SEGMENT = re.compile(r"0?[1-9]|[12][0-9]|3[01]")
_CALENDAR_WORDS = frozenset(
    {
        "calendar",
        "calendars",
        "cal",
        "events",
        "event",
        "agenda",
        "schedule",
        "diary",
        "day",
        "week",
        "month",
        "year",
        "date",
        "kalender",
        "calendrier",
        "calendario",
        "termine",
        "veranstaltungen",
        "evenements",
        "eventos",
    }
)
_LETTERS = re.compile(r"[a-z]+")
_STRONG_DATE_KEYS = ("year", "month", "date", "day", "week")
_SHORT_DATE_KEYS = ("yr", "ym")
_WEAK_DATE_KEYS = frozenset({"start", "end", "from", "to", "since", "until", "begin"})
_DATE_KEY_HINT = re.compile(
    rf"&[^=&]*(?:{'|'.join(_STRONG_DATE_KEYS + _SHORT_DATE_KEYS + tuple(_WEAK_DATE_KEYS))})"
)
_SEP = r"(?:-|/|%2[fF]|\.)"
_TIME_TAIL = r"(?:(?:T|\+|%20| )[^&]*)?"
_SEPARATED_DATE = re.compile(
    rf"([0-9]{{4}}){_SEP}([0-9]{{1,2}})(?:{_SEP}[0-9]{{1,2}})?{_TIME_TAIL}"
)
_COMPACT_DATE = re.compile(rf"([0-9]{{4}})(?:([0-9]{{2}})(?:[0-9]{{2}})?)?{_TIME_TAIL}")
_SMALL_NUMBER = re.compile(r"[0-9]{1,2}")


class Verdict(NamedTuple):
    """What the frontier does with a discovered URL.

    `url` is the URL to queue, None when refused; `reason` is why it was refused
    (too_long, path_too_deep, repeated_segments, calendar) or rewritten (session_id,
    tracking), None when it is queued as it is.
    """

    url: str | None
    reason: str | None


def crawl_url(url: str, *, now: date | None = None, years: int = CALENDAR_YEARS) -> str | None:
    """The URL to queue for a discovered canonical URL, None when it is a trap."""
    return _judge(url, now, years)[0]


def trap_reason(url: str, *, now: date | None = None, years: int = CALENDAR_YEARS) -> str | None:
    """Why `crawl_url` refuses `url` (too_long, ...); None when it queues something."""
    queued, reason = _judge(url, now, years)
    return reason if queued is None else None


def check(url: str, *, now: date | None = None, years: int = CALENDAR_YEARS) -> Verdict:
    """The verdict on a discovered URL; `now` (default: today, UTC) anchors the calendar window."""
    return Verdict._make(_judge(url, now, years))


def _judge(url: str, now: date | None, years: int) -> tuple[str | None, str | None]:
    if len(url) > MAX_URL_LENGTH:
        return None, TOO_LONG
    head, path, query, tail = _split(url)
    path, path_session = _strip_path(path)
    rewrite = SESSION_ID if path_session else None
    refusal = _path_trap(path, now, years)
    if query:
        lowered = "&" + query.lower()  # the hints below anchor on "&" to scan fast
        if _QUERY_HINT.search(lowered):
            query, query_rewrite = _strip_query(query)
            rewrite = rewrite or query_rewrite
        if refusal is None and _FOUR_DIGITS.search(query) and _DATE_KEY_HINT.search(lowered):
            refusal = _query_calendar(query, now, years)
    if refusal is not None:
        return None, refusal
    if rewrite is None:
        return url, None
    return head + path + ("?" + query if query else "") + tail, rewrite


def _split(url: str) -> tuple[str, str, str | None, str]:
    """(scheme and authority, path, query or None, "#fragment" or "")."""
    base, hash_mark, fragment = url.partition("#")
    rest, question_mark, query = base.partition("?")
    authority = rest.find("://")
    if authority < 0:
        head, path = "", rest
    else:
        path_start = rest.find("/", authority + 3)
        if path_start < 0:
            path_start = len(rest)
        head, path = rest[:path_start], rest[path_start:]
    return head, path, (query if question_mark else None), hash_mark + fragment


def _strip_path(path: str) -> tuple[str, bool]:
    """The path without session-id path parameters and ASP.NET session segments."""
    stripped = path
    if ";" in stripped:
        stripped = _PATH_PARAM.sub(_drop_session_param, stripped)
    if "(" in stripped:
        stripped = _ASP_SEGMENT.sub("", stripped)
        if not stripped and path.startswith("/"):
            stripped = "/"
    return stripped, stripped != path


def _drop_session_param(match: re.Match[str]) -> str:
    return "" if _param_kind(match[1], match[2]) == SESSION_ID else match[0]


def _strip_query(query: str) -> tuple[str, str | None]:
    """The query without session and tracking parameters, the others kept in order."""
    kept: list[str] = []
    stripped: set[str] = set()
    for param in query.split("&"):
        name, _, value = param.partition("=")
        kind = _param_kind(name, value)
        if kind is None:
            if param:
                kept.append(param)
        else:
            stripped.add(kind)
    if not stripped:
        return query, None
    return "&".join(kept), (SESSION_ID if SESSION_ID in stripped else TRACKING)


def _param_kind(name: str, value: str) -> str | None:
    """SESSION_ID or TRACKING for a parameter the frontier strips, else None."""
    if "%" in name:
        name = _PERCENT_ASCII.sub(lambda found: chr(int(found[1], 16)), name)
    name = name.lower()
    if name in _SESSION_NAMES or name.startswith(_SESSION_PREFIXES):
        return SESSION_ID
    token = _SESSION_TOKENS.get(name)
    if token is not None:
        return SESSION_ID if token.fullmatch(value) else None
    if name in _TRACKING_NAMES or name.startswith(_TRACKING_PREFIXES):
        return TRACKING
    return None


def _path_trap(path: str, now: date | None, years: int) -> str | None:
    inner = path[1:] if path.startswith("/") else path
    if inner.endswith("/"):
        inner = inner[:-1]
    segments = inner.split("/") if inner else []
    if len(segments) > MAX_PATH_DEPTH:
        return PATH_TOO_DEEP
    if len(set(segments)) < len(segments) and _repeats(segments):
        return REPEATED_SEGMENTS
    if _path_calendar(inner, segments, now, years):
        return CALENDAR
    return None


def _repeats(segments: list[str]) -> bool:
    """A segment occurs more than MAX_SEGMENT_REPEATS times, or a run of segments 3 times over.

    Numbers and empty segments are left out: /tiles/0/0/0 is a map tile, not a trap
    (a path that grows by them alone still hits MAX_PATH_DEPTH).
    """
    counts: dict[str, int] = {}
    for segment in segments:
        if segment and not segment.isdigit():
            counts[segment] = counts.get(segment, 0) + 1
            if counts[segment] > MAX_SEGMENT_REPEATS:
                return True
    n = len(segments)
    for size in range(1, n // 3 + 1):
        for start in range(n - 3 * size + 1):
            block = segments[start : start + size]
            if (
                block == segments[start + size : start + 2 * size]
                and block == segments[start + 2 * size : start + 3 * size]
                and any(segment and not segment.isdigit() for segment in block)
            ):
                return True
    return False


def _path_calendar(inner: str, segments: list[str], now: date | None, years: int) -> bool:
    """A date in the path more than `years` from now: any one in the future, or in the past
    when the path ends with it (/2019/05/my-post/ is a permalink; /2019/05/ a calendar page)."""
    n = len(segments)
    for found in _DATE_SEGMENT.finditer("/" + inner):
        i = inner.count("/", 0, found.start())
        in_calendar = i > 0 and segments[i - 1].lower() in _CALENDAR_WORDS
        year, month = int(found[1]), found[2]
        end = i + 1
        if month is None:
            month_re = _LOOSE_MONTH_SEGMENT if in_calendar else _MONTH_SEGMENT
            if end < n and month_re.fullmatch(segments[end]):
                month = segments[end]
                end += 1
                day_re = _LOOSE_DAY_SEGMENT if in_calendar else _DAY_SEGMENT
                if end < n and day_re.fullmatch(segments[end]):
                    end += 1
            elif not in_calendar:
                continue
        away = _months_away(year, int(month) if month else 0, now)
        if away > years * 12 or (away < -years * 12 and end >= n):
            return True
    return False


def _query_calendar(query: str, now: date | None, years: int) -> str | None:
    """CALENDAR when a date-named parameter holds a date more than `years` from now."""
    limit = years * 12
    year = month = 0
    for param in query.split("&"):
        name, _, value = param.partition("=")
        words = _LETTERS.findall(name.lower())
        if not words:
            continue
        key = words[-1]  # tx_cal_controller[year], start_date, tribe-bar-date
        if key.endswith(_STRONG_DATE_KEYS) or key in _SHORT_DATE_KEYS:
            if key.endswith("month") and _SMALL_NUMBER.fullmatch(value):
                month = int(value)
                continue
            found = _SEPARATED_DATE.fullmatch(value) or _COMPACT_DATE.fullmatch(value)
            if found is None or (found[2] is None and not key.endswith(("year", "yr"))):
                continue
        elif key in _WEAK_DATE_KEYS:
            found = _SEPARATED_DATE.fullmatch(value)
            if found is None:
                continue
        else:
            continue
        if found[2] is None:
            year = int(found[1])
        elif (
            1 <= int(found[2]) <= 12
            and abs(_months_away(int(found[1]), int(found[2]), now)) > limit
        ):
            return CALENDAR
    if year and abs(_months_away(year, month if 1 <= month <= 12 else 0, now)) > limit:
        return CALENDAR
    return None


def _months_away(year: int, month: int, now: date | None) -> int:
    """Months from now to year-month (month 0: the year alone, counted from this month)."""
    now_months = (
        _this_month(int(time.time()) // 3600) if now is None else now.year * 12 + now.month - 1
    )
    return year * 12 + (month - 1 if month else now_months % 12) - now_months


@lru_cache(maxsize=1)
def _this_month(hour: int) -> int:
    """Months since year 0 in the hour given (hours since the epoch), UTC."""
    today = time.gmtime(hour * 3600)
    return today.tm_year * 12 + today.tm_mon - 1
