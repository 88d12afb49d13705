"""A fresh store on the engine a test is parametrized with, filled by the test's own fetches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipelines.store import Store, open_store


def filled_store(
    request: pytest.FixtureRequest, tmp_path: Path, fill: Callable[[Store], None]
) -> Iterator[Store]:
    """For a fixture with params ["chdb", "server"]: a store on chDB under `tmp_path`, or a
    fresh database on the session's clickhouse-server 18.16, `fill`ed, closed after the test.

        @pytest.fixture(params=["chdb", pytest.param("server", marks=pytest.mark.server)])
        def store(request, tmp_path):
            yield from filled_store(request, tmp_path, _fill)
    """
    if request.param == "server":
        target = request.getfixturevalue("ch_url")
    else:
        target = str(tmp_path / "store")
    store = open_store(target)
    try:
        fill(store)
        yield store
    finally:
        store.close()
