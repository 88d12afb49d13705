"""The columns of the two insert tables, declared once: name, ClickHouse type, record getter.

`schema/migrations/001_baseline.sql` creates `page_fetches` and `link_fetches` with exactly these
columns (tests/integration/test_store.py checks they agree); every insert names them and their
types, so no DESCRIBE round trip is needed.

A getter is a `Field` (one attribute, copied as is) or a `Derived` (one attribute through a
function, with a whole-column version for speed). `columnar` reads every field of every record
with one C-level getter per record and transposes (the server backend's path). `arrow_arrays`
(the embedded backend's path) builds Arrow arrays straight from the records with
`pipelines._fastcolumns` (Cython, built by `make setup`): about 20 ms for a 50,000-link block
instead of ~200 ms through Python lists; without it, `columnar` + `arrow_array` give the same
arrays.

    >>> [name for name, _, _ in LINK_COLUMNS][:3]
    ['dst_domain', 'dst_url', 'src_url']
    >>> from crawler.records import Page
    >>> columnar([Page(url="http://a.com/", fetched_at=1.5)], PAGE_COLUMNS)[1]
    [1500000]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain
from operator import attrgetter
from typing import Any

from crawler import speedups

__all__ = [
    "LINK_COLUMNS",
    "PAGE_COLUMNS",
    "Column",
    "Derived",
    "Field",
    "arrow_array",
    "arrow_arrays",
    "columnar",
    "fetch_us",
]


class Field:
    """Getter of one record attribute, copied as is."""

    __slots__ = ("attr",)

    def __init__(self, attr: str) -> None:
        self.attr = attr

    def __call__(self, record: Any) -> Any:
        return getattr(record, self.attr)

    def many(self, values: list[Any]) -> list[Any]:
        return values

    def spec(self, type_: str) -> Spec:
        """What `pipelines._fastcolumns` does for this column of ClickHouse type `type_`."""
        return (self.attr, _FAST_KINDS[type_], None)


class Derived(Field):
    """Getter of one record attribute through `one` (per value) or `many` (per column);
    `kind` and `arg` name the same conversion in `pipelines._fastcolumns`."""

    __slots__ = ("_many", "_one", "arg", "kind")

    def __init__(
        self,
        attr: str,
        one: Callable[[Any], Any],
        many: Callable[[list[Any]], Any],
        kind: str,
        arg: Any = None,
    ) -> None:
        super().__init__(attr)
        self._one, self._many = one, many
        self.kind, self.arg = kind, arg

    def __call__(self, record: Any) -> Any:
        return self._one(getattr(record, self.attr))

    def many(self, values: list[Any]) -> list[Any]:
        return list(self._many(values))

    def spec(self, type_: str) -> Spec:
        return (self.attr, self.kind, self.arg)


Column = tuple[str, str, Field]
Spec = tuple[str, str, Any]  # (attr, kind, arg) for pipelines._fastcolumns


def fetch_us(fetched_at: float) -> int:
    """Microseconds since the epoch: identifies a fetch among one URL's fetches."""
    return round(fetched_at * 1_000_000)


def _fetch_us_many(values: list[float]) -> list[int]:
    # round() per value, as `fetch_us` does, so both paths give the same key (an exact-half
    # product rounds to even in both; numpy's rint would too but costs a round trip).
    return [round(v * 1_000_000) for v in values]


def _seconds_many(values: list[float]) -> list[int]:
    return [int(v) for v in values]


FETCH_US = Derived("fetched_at", fetch_us, _fetch_us_many, "fetch_us")
SECONDS = Derived("fetched_at", int, _seconds_many, "seconds")


def _has(token: str) -> Derived:
    return Derived(
        "rel", lambda rel: token in rel, lambda rels: [token in r for r in rels], "has", token
    )


PAGE_COLUMNS: list[Column] = [
    ("url", "String", Field("url")),
    ("fetch_us", "UInt64", FETCH_US),
    ("host", "String", Field("host")),
    ("domain", "String", Field("domain")),
    ("status", "UInt16", Field("status")),
    ("content_type", "String", Field("content_type")),
    ("title", "String", Field("title")),
    ("lang", "String", Field("lang")),
    ("canonical", "String", Field("canonical")),
    ("redirect_to", "String", Field("redirect_to")),
    ("meta_robots", "String", Field("meta_robots")),
    ("x_robots_tag", "String", Field("x_robots_tag")),
    ("noindex", "UInt8", Field("noindex")),
    ("nofollow", "UInt8", Field("nofollow")),
    ("outlink_count", "UInt32", Field("outlink_count")),
    ("depth", "UInt32", Field("depth")),
    ("size", "UInt64", Field("size")),
    ("fetched_at", "DateTime('UTC')", SECONDS),
    ("crawl_id", "String", Field("crawl_id")),
    ("error", "String", Field("error")),
    ("ip", "String", Field("ip")),
    ("emails", "Array(String)", Field("emails")),
]

LINK_COLUMNS: list[Column] = [
    ("dst_domain", "String", Field("dst_domain")),
    ("dst_url", "String", Field("dst_url")),
    ("src_url", "String", Field("src_url")),
    ("fetch_us", "UInt64", FETCH_US),
    ("ordinal", "UInt32", Field("ordinal")),
    ("dst_host", "String", Field("dst_host")),
    ("src_host", "String", Field("src_host")),
    ("src_domain", "String", Field("src_domain")),
    ("anchor", "String", Field("anchor")),
    ("rel", "Array(String)", Field("rel")),
    ("nofollow", "UInt8", _has("nofollow")),
    ("ugc", "UInt8", _has("ugc")),
    ("sponsored", "UInt8", _has("sponsored")),
    ("kind", "String", Field("kind")),
    ("section", "String", Field("section")),
    ("dom_path", "String", Field("dom_path")),
    ("is_image", "UInt8", Field("is_image")),
    ("hreflang", "String", Field("hreflang")),
    ("is_external", "UInt8", Field("is_external")),
    ("page_nofollow", "UInt8", Field("page_nofollow")),
    ("fetched_at", "DateTime('UTC')", SECONDS),
    ("crawl_id", "String", Field("crawl_id")),
]


_FAST_KINDS = {"String": "str", "UInt8": "u8", "UInt16": "u16", "UInt32": "u32", "UInt64": "u64",
               "Array(String)": "str_array"}  # fmt: skip


def columnar(records: Sequence[Any], columns: list[Column]) -> list[list[Any]]:
    """One list of values per column, in `columns` order."""
    if not records:
        return [[] for _ in columns]
    attrs = list(dict.fromkeys(get.attr for _, _, get in columns))
    if len(attrs) == 1:
        return [get.many([getattr(r, attrs[0]) for r in records]) for _, _, get in columns]
    rows = map(attrgetter(*attrs), records)
    by_attr = dict(zip(attrs, map(list, zip(*rows, strict=True)), strict=True))
    return [get.many(by_attr[get.attr]) for _, _, get in columns]


def arrow_arrays(records: Sequence[Any], columns: Sequence[Column]) -> list[Any]:
    """One Arrow array per column: `pipelines._fastcolumns` when built, else `columnar` and
    `arrow_array` (the same values; tests/integration/test_store.py compares them)."""
    if _FAST is not None:
        return list(_FAST.arrow_arrays(list(records), [get.spec(t) for _, t, get in columns]))
    data = columnar(records, list(columns))
    return [arrow_array(values, type_) for (_, type_, _), values in zip(columns, data, strict=True)]


_NUMPY_TYPES = {"UInt8": "uint8", "UInt16": "uint16", "UInt32": "uint32", "UInt64": "uint64",
                "Float64": "float64", "DateTime('UTC')": "uint32"}  # fmt: skip


def arrow_array(values: Sequence[Any], type_: str) -> Any:
    """One insert column as an Arrow array (numbers through numpy: bools become 0/1)."""
    import numpy as np
    import pyarrow as pa

    if type_ in _NUMPY_TYPES:
        return pa.array(np.asarray(values, dtype=_NUMPY_TYPES[type_]))
    if type_ == "Array(String)":
        # Offsets + flat values: several times faster than converting a list of tuples.
        offsets = np.zeros(len(values) + 1, dtype=np.int32)
        np.cumsum([len(v) for v in values], out=offsets[1:])
        flat = pa.array(list(chain.from_iterable(values)), pa.string())
        return pa.ListArray.from_arrays(pa.array(offsets), flat)
    return pa.array(values, pa.string())


# pipelines._fastcolumns when built (`make setup`), else the pure Python path.
_FAST: Any = None


def _use(fast: Any) -> None:
    global _FAST
    _FAST = fast


speedups.load("pipelines._fastcolumns", "insert columns", _use)
