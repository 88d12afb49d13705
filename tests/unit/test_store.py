"""The store's Python side without a database: Arrow columns on the C and the pure Python path,
and an unreachable server named in one line."""

from __future__ import annotations

import pytest

from crawler.errors import StoreUnavailable
from crawler.records import OutLink, Page
from crawler.run.embedded import free_port
from pipelines.columns import LINK_COLUMNS, PAGE_COLUMNS, arrow_array, columnar
from pipelines.store import open_store
from tests.helpers.samples import GRAPH


def test_fast_columns_equal_the_pure_python_path() -> None:
    """pipelines._fastcolumns gives the Arrow arrays `columnar` + `arrow_array` give."""
    fast = pytest.importorskip("pipelines._fastcolumns")
    odd = [
        # non-ASCII text, empty strings and rel, a list rel, an exact half microsecond (rounds to
        # even, as round() does), int fetch times and bools given as ints
        Page(url="http://ä.com/ü", title="", fetched_at=1_700_000_000.0000005, noindex=1),
        Page(url="http://a.com/", title="x" * 5000, fetched_at=1_700_000_001, status=404),
    ]
    links = [link for _, fetched in GRAPH for link in fetched] + [
        OutLink(src_url="http://ä.com/ü", dst_url="http://b.com/€", anchor="日本 ",
                rel=["ugc", "nofollow"], fetched_at=1_700_000_000.0000015, is_image=1),
        OutLink(src_url="", dst_url="", rel=(), fetched_at=2.5),
    ]  # fmt: skip
    pages = [page for fetched, _ in GRAPH for page in fetched] + odd
    for records, columns in ((links, LINK_COLUMNS), (pages, PAGE_COLUMNS)):
        specs = [get.spec(type_) for _, type_, get in columns]
        got = fast.arrow_arrays(records, specs)
        data = columnar(records, columns)
        want = [arrow_array(v, t) for (_, t, _), v in zip(columns, data, strict=True)]
        for (name, _, _), a, b in zip(columns, got, want, strict=True):
            assert a.equals(b), name
    with pytest.raises(OverflowError):
        fast.arrow_arrays([Page(url="x", fetched_at=-1.0)], [("fetched_at", "fetch_us", None)])


def test_unreachable_server_is_one_clear_line() -> None:
    url = f"clickhouse://127.0.0.1:{free_port()}/x"
    with pytest.raises(StoreUnavailable) as info:
        open_store(url)
    message = str(info.value)
    assert message.startswith(f"cannot reach ClickHouse at {url}: ")
    assert "\n" not in message
