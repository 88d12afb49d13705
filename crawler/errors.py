"""One exception tree for linkgraph; every error names what was wrong.

LinkgraphError                 exit 1: something failed at run time
 ├── UsageError                exit 2: what the user gave is wrong (as argparse's own errors)
 │    ├── ConfigError          an option or setting is invalid (names the option)
 │    ├── SeedError            a seed line is neither URL nor domain (names file and line)
 │    ├── InputFileError       a file given to a command is unreadable or malformed (FILE:LINE)
 │    ├── QueryError           a named query or its parameters are wrong
 │    ├── CrawlNotFound        no crawl of that id (or none at all) in the frontier
 │    └── CrawlBusy            `serve --allow-crawl` cannot start a crawl now (one runs)
 ├── CrawlInterrupted          exit 3: Ctrl-C or SIGTERM stopped the crawl (it resumes)
 ├── CrawlDeferred             exit 4: only hosts paused past --pause-limit were left (a
 │                             resume retries their URLs)
 ├── FrontierError             the Redis frontier failed
 │    ├── FrontierUnavailable  Redis cannot be reached (names the URL)
 │    ├── FrontierLost         the crawl's frontier vanished (Redis restarted empty)
 │    └── BadEntry             a malformed or tampered frontier entry
 ├── StoreError                ClickHouse / chDB failed (the server's code and name, if any)
 │    ├── StoreUnavailable     the store cannot be reached (names the URL)
 │    ├── StoreLocked          another process holds the embedded data directory
 │    └── SpoolFull            the sink's spool is full while the store is down
 ├── BlockedAddress            the SSRF guard refused a URL (names URL and address)
 │    └── (_ResolvedToPrivate  private to crawler/guard/middlewares.py: it must also subclass
 │                             Twisted's DNSLookupError, so it stays beside the resolver)
 ├── ConvergenceError          PageRank's power iteration did not converge
 └── WatchError                `watch run`: the recrawl failed, or alerts stay in the outbox

`linkgraph` prints a LinkgraphError as one line and exits with its class's `exit_code`.

    >>> StoreError("ClickHouse at x: Unknown table", code=60, name="UNKNOWN_TABLE").code
    60
"""

from __future__ import annotations

import re
from typing import ClassVar

# "Code: 60. DB::Exception: Unknown table ... (UNKNOWN_TABLE)": chDB's messages, and the
# servers' text when no driver exception carries the code.
_SERVER_CODE = re.compile(r"Code:\s*(\d+)")
_SERVER_NAME = re.compile(r"\(([A-Z][A-Z0-9_]+)\)\s*$")


class LinkgraphError(Exception):
    """Base of every error linkgraph raises on purpose; the CLI prints these as one line."""

    exit_code: ClassVar[int] = 1


class UsageError(LinkgraphError):
    """The command line, a setting or a file the user gave is wrong: fix it and run again."""

    exit_code: ClassVar[int] = 2


class ConfigError(UsageError):
    """An option or setting is invalid."""


class SeedError(UsageError):
    """A seed is neither a URL nor a domain."""

    def __init__(self, message: str, *, source: str = "", line: int = 0) -> None:
        where = f"{source}:{line}: " if source and line else ""
        super().__init__(f"{where}{message}")
        self.source = source
        self.line = line


class InputFileError(UsageError):
    """A file given to a command (an export to import, a disavow or trust-seeds file) is
    unreadable or malformed; the message names the file and, for a bad row, its line."""


class QueryError(UsageError):
    """A named query or its parameters are wrong."""


class CrawlNotFound(UsageError):
    """No crawl of the id given (or no crawl at all) in the frontier: `linkgraph serve`
    answers 404."""


class CrawlBusy(UsageError):
    """`linkgraph serve --allow-crawl` was asked to start a crawl while it cannot: one runs
    already, or its process has run its one in-process crawl: the API answers 409."""


class CrawlInterrupted(LinkgraphError):
    """Ctrl-C or SIGTERM stopped the crawl cleanly; the same command resumes it."""

    exit_code: ClassVar[int] = 3


class CrawlDeferred(LinkgraphError):
    """The crawl ended with URLs left on hosts paused past --pause-limit (robots.txt 5xx, a
    refused proxy); a resume retries them."""

    exit_code: ClassVar[int] = 4


class FrontierError(LinkgraphError):
    """The Redis frontier failed."""


class FrontierUnavailable(FrontierError):
    """Redis cannot be reached."""


class FrontierLost(FrontierError):
    """The crawl's frontier vanished: Redis restarted without its data."""


class BadEntry(FrontierError):
    """A frontier entry is malformed or was tampered with."""


class StoreError(LinkgraphError):
    """The link store (ClickHouse server or chDB) failed; `code` and `name` are the server's
    (60, UNKNOWN_TABLE), when it gave them, and the message ends with both."""

    def __init__(self, message: str, *, code: int | None = None, name: str = "") -> None:
        name = name or (_code_name(code) if code is not None else "")
        if code is not None:
            message = f"{message} (ClickHouse code {code}{f' {name}' if name else ''})"
        super().__init__(message)
        self.code = code
        self.name = name

    @classmethod
    def from_server_text(cls, where: str, text: str) -> StoreError:
        """A StoreError from a ClickHouse message "Code: N. DB::Exception: what. (NAME)"."""
        code = _SERVER_CODE.search(text)
        name = _SERVER_NAME.search(text.strip())
        message = re.sub(r"^Code:\s*\d+\.\s*(DB::Exception:\s*)?", "", text.strip())
        message = _SERVER_NAME.sub("", message).strip().strip("'\"")
        message = re.split(r"\.?\s+In scope ", message)[0]  # the query again: noise in one line
        first = message.splitlines()[0].rstrip(".") if message else text.strip()
        return cls(
            f"{where}: {first}",
            code=int(code.group(1)) if code else None,
            name=name.group(1) if name else "",
        )


class StoreUnavailable(StoreError):
    """The store cannot be reached."""


class StoreLocked(StoreError):
    """Another process holds the embedded data directory."""


class SpoolFull(StoreError):
    """The spool reached its size limit while the store is unreachable: take no more records."""


class BlockedAddress(LinkgraphError):
    """The SSRF guard refused to fetch a URL."""


class ConvergenceError(LinkgraphError):
    """The power iteration did not reach `tol` within `max_iter` steps."""


class WatchError(LinkgraphError):
    """A watch round's recrawl failed (nothing was sent), or a receiver did not take an alert
    (kept in the outbox for the next round)."""


def _code_name(code: int) -> str:
    """ClickHouse's name of an error code (60: UNKNOWN_TABLE), from clickhouse-driver's table."""
    try:
        from clickhouse_driver.errors import ErrorCodes
    except ImportError:  # the embedded-only install: chDB's messages carry the name themselves
        return ""
    for name, value in vars(ErrorCodes).items():
        if value == code and name.isupper():
            return name
    return ""
