"""The `server` marker stays true: collection refuses a test that uses a Debian-server fixture
without it (tests/conftest.py), so `-m "not server"` never starts one."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from tests.helpers.servers import unmarked_cluster_tests, unmarked_server_tests


class Collected(NamedTuple):
    nodeid: str
    fixturenames: tuple[str, ...]
    marked: bool

    def get_closest_marker(self, name: str) -> Any:
        return pytest.mark.server.mark if self.marked and name == "server" else None


def test_only_unmarked_server_tests_are_named() -> None:
    items = [
        Collected("t.py::uses_ch_url", ("tmp_path", "ch_url"), marked=False),
        Collected("t.py::marked", ("clickhouse",), marked=True),
        Collected("t.py::embedded", ("valkey", "engine"), marked=False),
        Collected("t.py::own_redis", ("own_redis",), marked=False),
    ]
    assert unmarked_server_tests(items) == ["t.py::uses_ch_url", "t.py::own_redis"]


class Marked(NamedTuple):
    nodeid: str
    fixturenames: tuple[str, ...]
    marks: frozenset[str]

    def get_closest_marker(self, name: str) -> Any:
        return getattr(pytest.mark, name).mark if name in self.marks else None


def test_only_unmarked_cluster_tests_are_named() -> None:
    # `-m cluster` runs the cluster tests alone and `-m "not cluster"` starts no cluster.
    items = [
        Marked("t.py::bare", ("ch_cluster",), frozenset()),
        Marked("t.py::server_only", ("ch_cluster_url",), frozenset({"server"})),
        Marked("t.py::both", ("ch_cluster",), frozenset({"server", "cluster"})),
        Marked("t.py::single", ("ch_url",), frozenset({"server"})),
    ]
    assert unmarked_cluster_tests(items) == ["t.py::bare", "t.py::server_only"]
    assert unmarked_server_tests(items) == ["t.py::bare"]
