"""The frontier fails at start, naming the server, when nothing listens at its address."""

from __future__ import annotations

import pytest
import redis

from crawler.errors import FrontierUnavailable
from crawler.frontier import Frontier


def test_ping_names_the_server() -> None:
    from crawler.run.embedded import free_port

    port = free_port()
    frontier = Frontier(redis.Redis(port=port, socket_connect_timeout=1), "nobody")
    with pytest.raises(FrontierUnavailable, match=f"127.0.0.1:{port}|localhost:{port}"):
        frontier.ping()
