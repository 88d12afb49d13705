"""Issue 14 point 2's peers: a free loopback port nothing listens on (a closed --proxy), and a
FixedSite that opens on that very port later (the proxy fixed before the resume).

    >>> port = closed_port()                                  # doctest: +SKIP
    >>> with FixedSite({...}) as site, site_on(port, {...}):  # doctest: +SKIP
"""

from __future__ import annotations

import re
import socket
import threading
from http.server import ThreadingHTTPServer

from tests.helpers.hostile import Answer, FixedSite


def closed_port() -> int:
    """A port of 127.0.0.1 that was free a moment ago and has no listener now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def site_on(port: int, pages: dict[str, Answer]) -> FixedSite:
    """A FixedSite answering `pages` on `port` (rather than a port of its own)."""
    site = FixedSite(pages)
    handler = site._server.RequestHandlerClass
    site._server.server_close()
    site._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    site.port = port
    site._thread = threading.Thread(target=site._server.serve_forever, daemon=True)
    return site


def deferred_counts(text: str) -> dict[str, int]:
    """{reason: URLs} from the line "N URLs deferred on paused hosts: 2 why, 1 why"."""
    found = re.search(r"deferred on paused hosts: (.*?)(?:;|$)", text, re.M)
    assert found, text[-3000:]
    return {why: int(n) for n, why in re.findall(r"(\d+) ([^,]+)", found[1])}
