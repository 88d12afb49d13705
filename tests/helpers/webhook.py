"""A webhook receiver on loopback for `linkgraph watch` tests: it keeps every POST it takes.

>>> with WebhookReceiver() as hook:                                    # doctest: +SKIP
...     hook.url, hook.posts
('http://127.0.0.1:40123/hook', [])
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 answering 204 to POST /hook (500 to the first `fail_first`);
    stop() and start() again keep its port, so a test can take it down between two runs."""

    def __init__(self, fail_first: int = 0) -> None:
        self.posts: list[tuple[dict[str, str], Any]] = []
        self.refused = 0  # POSTs answered 500 (the first `fail_first`), not kept in `posts`
        self.fail_first = fail_first
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.refused < receiver.fail_first:
                    receiver.refused += 1
                    self.send_response(500)
                else:
                    receiver.posts.append((dict(self.headers), json.loads(body)))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass  # the test reads `posts`, not a log

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
