"""`linkgraph serve --clickhouse` answers concurrent API requests in parallel, on its pool of
LINKGRAPH_SERVE_CONNECTIONS connections, with the rows it answers them one by one (issue 17).

The server's own list of running queries (system.processes, polled while 8 clients ask) must
show the API's queries running on two connections at once (two client ports): one connection
behind one lock never shows more than one, even when a finished query's entry lingers.
"""

from __future__ import annotations

import random
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from crawler import settings
from tests.helpers.e2e import CrawledWeb, crawled_web
from tests.helpers.serve import ServeProcess
from tests.helpers.servers import ClickHouseServer

CLIENTS = 8  # twice the pool's connections: some always wait for one
ROUNDS = 5  # concurrent rounds at most, until two queries were seen running together


def _paths(crawled: CrawledWeb) -> list[str]:
    """A first page of backlinks, the referring domains and the anchors of every domain."""
    paths = []
    for domain in sorted(crawled.web.domains):
        query = urllib.parse.urlencode({"domain": domain})
        paths += [
            f"/api/v1/backlinks?{query}&limit=20",
            f"/api/v1/refdomains?{query}",
            f"/api/v1/anchors?{query}",
        ]
    return paths


class RunningQueries:
    """Polls the server's system.processes in a thread: the most connections (client ports)
    seen running other clients' queries at once."""

    def __init__(self, clickhouse: ClickHouseServer) -> None:
        from clickhouse_driver import Client

        parts = urllib.parse.urlsplit(clickhouse.url)
        self.client = Client(host=parts.hostname, port=parts.port)
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        sql = (
            "SELECT uniqExact(port) FROM system.processes WHERE query NOT LIKE '%system.processes%'"
        )
        while not self._stop.is_set():
            self.most = max(self.most, self.client.execute(sql)[0][0])

    def __enter__(self) -> RunningQueries:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self.client.disconnect()


@pytest.mark.server
def test_concurrent_requests_run_in_parallel_with_the_same_rows(
    tmp_path_factory: pytest.TempPathFactory, clickhouse: ClickHouseServer
) -> None:
    assert settings.LINKGRAPH_SERVE_CONNECTIONS > 1
    crawled = crawled_web(tmp_path_factory, clickhouse)
    paths = _paths(crawled)
    with ServeProcess(crawled.args) as server:
        expected = {path: server.get(path) for path in paths}
        got: list[tuple[str, Any]] = []
        with RunningQueries(clickhouse) as running:
            for _ in range(ROUNDS):
                # Each client asks a third of the paths in its own order: requests overlap
                # throughout (and the test costs a third of every path for every client).
                orders = [random.sample(paths, len(paths) // 3) for _ in range(CLIENTS)]
                with ThreadPoolExecutor(CLIENTS) as pool:
                    for answers in pool.map(
                        lambda order: [(p, server.get(p)) for p in order], orders
                    ):
                        got += answers
                if running.most >= 2:
                    break
                time.sleep(0.1)
        code, stderr = server.stop()
    assert code == 0, stderr
    assert all(status == 200 for status, _ in expected.values())
    assert sum(len(body) for _, body in expected.values()) > 100, "pages must have rows"
    assert [(path, expected[path]) for path, _ in got] == got
    assert running.most >= 2, "the API's queries never ran on two connections at once"
