"""One exception tree for linkgraph; every error names what was wrong.

LinkgraphError
 ├── ConfigError          a setting or option is invalid (names the option)
 ├── SeedError            a seed line is neither URL nor domain (names file and line)
 ├── FrontierError        the Redis frontier failed
 │    ├── FrontierUnavailable   Redis cannot be reached (names the URL)
 │    ├── FrontierLost          the crawl's frontier vanished (Redis restarted empty)
 │    └── BadEntry              a malformed or tampered frontier entry
 ├── StoreError           ClickHouse / chDB failed (carries the server's code if any)
 │    ├── StoreUnavailable      the store cannot be reached (names the URL)
 │    └── StoreLocked           another process holds the embedded data directory
 ├── BlockedAddress       the SSRF guard refused a URL (names URL and address)
 └── QueryError           a named query or its parameters are wrong
"""

from __future__ import annotations


class LinkgraphError(Exception):
    """Base of every error linkgraph raises on purpose; the CLI prints these as one line."""


class ConfigError(LinkgraphError):
    """An option or setting is invalid."""


class SeedError(LinkgraphError):
    """A seed is neither a URL nor a domain."""

    def __init__(self, message: str, *, source: str = "", line: int = 0) -> None:
        where = f"{source}:{line}: " if source and line else ""
        super().__init__(f"{where}{message}")
        self.source = source
        self.line = line


class FrontierError(LinkgraphError):
    """The Redis frontier failed."""


class FrontierUnavailable(FrontierError):
    """Redis cannot be reached."""


class FrontierLost(FrontierError):
    """The crawl's frontier vanished: Redis restarted without its data."""


class BadEntry(FrontierError):
    """A frontier entry is malformed or was tampered with."""


class StoreError(LinkgraphError):
    """The link store (ClickHouse server or chDB) failed."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message if code is None else f"{message} (ClickHouse code {code})")
        self.code = code


class StoreUnavailable(StoreError):
    """The store cannot be reached."""


class StoreLocked(StoreError):
    """Another process holds the embedded data directory."""


class BlockedAddress(LinkgraphError):
    """The SSRF guard refused to fetch a URL."""


class QueryError(LinkgraphError):
    """A named query or its parameters are wrong."""
