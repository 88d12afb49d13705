"""The columns of the two insert tables, declared once: name, ClickHouse type, record getter.

`schema/migrations/001_baseline.sql` creates `page_fetches` and `link_fetches` with exactly these
columns (tests/test_store.py checks they agree); every insert names them and their types, so no
DESCRIBE round trip is needed.

    >>> [name for name, _, _ in LINK_COLUMNS][:3]
    ['dst_domain', 'dst_url', 'src_url']
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

Column = tuple[str, str, Callable[[Any], Any]]


def fetch_us(fetched_at: float) -> int:
    """Microseconds since the epoch: identifies a fetch among one URL's fetches."""
    return round(fetched_at * 1_000_000)


def _seconds(fetched_at: float) -> int:
    return int(fetched_at)


PAGE_COLUMNS: list[Column] = [
    ("url", "String", attrgetter("url")),
    ("fetch_us", "UInt64", lambda p: fetch_us(p.fetched_at)),
    ("host", "String", attrgetter("host")),
    ("domain", "String", attrgetter("domain")),
    ("status", "UInt16", attrgetter("status")),
    ("content_type", "String", attrgetter("content_type")),
    ("title", "String", attrgetter("title")),
    ("lang", "String", attrgetter("lang")),
    ("canonical", "String", attrgetter("canonical")),
    ("redirect_to", "String", attrgetter("redirect_to")),
    ("meta_robots", "String", attrgetter("meta_robots")),
    ("x_robots_tag", "String", attrgetter("x_robots_tag")),
    ("noindex", "UInt8", attrgetter("noindex")),
    ("nofollow", "UInt8", attrgetter("nofollow")),
    ("outlink_count", "UInt32", attrgetter("outlink_count")),
    ("depth", "UInt32", attrgetter("depth")),
    ("size", "UInt64", attrgetter("size")),
    ("fetched_at", "DateTime('UTC')", lambda p: _seconds(p.fetched_at)),
    ("crawl_id", "String", attrgetter("crawl_id")),
    ("error", "String", attrgetter("error")),
]

LINK_COLUMNS: list[Column] = [
    ("dst_domain", "String", attrgetter("dst_domain")),
    ("dst_url", "String", attrgetter("dst_url")),
    ("src_url", "String", attrgetter("src_url")),
    ("fetch_us", "UInt64", lambda link: fetch_us(link.fetched_at)),
    ("ordinal", "UInt32", attrgetter("ordinal")),
    ("dst_host", "String", attrgetter("dst_host")),
    ("src_host", "String", attrgetter("src_host")),
    ("src_domain", "String", attrgetter("src_domain")),
    ("anchor", "String", attrgetter("anchor")),
    ("rel", "Array(String)", attrgetter("rel")),
    ("nofollow", "UInt8", attrgetter("nofollow")),
    ("ugc", "UInt8", attrgetter("ugc")),
    ("sponsored", "UInt8", attrgetter("sponsored")),
    ("kind", "String", attrgetter("kind")),
    ("section", "String", attrgetter("section")),
    ("dom_path", "String", attrgetter("dom_path")),
    ("is_image", "UInt8", attrgetter("is_image")),
    ("hreflang", "String", attrgetter("hreflang")),
    ("is_external", "UInt8", attrgetter("is_external")),
    ("page_nofollow", "UInt8", attrgetter("page_nofollow")),
    ("fetched_at", "DateTime('UTC')", lambda link: _seconds(link.fetched_at)),
    ("crawl_id", "String", attrgetter("crawl_id")),
]


def columnar(records: Any, columns: list[Column]) -> list[list[Any]]:
    """One list of values per column, in `columns` order."""
    return [[get(r) for r in records] for _, _, get in columns]
