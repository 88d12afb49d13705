"""Calls of any method to a `linkgraph serve` child (tests/helpers/serve.py), and the paths its
application routes, for the tests of starting and stopping crawls over the API.

    status, body = call(server, "POST", "/api/v1/crawls", {"seeds": ["a.example"]})
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from crawler.serve.app import build_app
from crawler.serve.state import FrontierSource
from pipelines.store import Store
from tests.helpers.serve import ServeProcess

JSON = "application/json"


def call(
    server: ServeProcess,
    method: str,
    path: str,
    body: Any = None,
    content_type: str = JSON,
) -> tuple[int, Any]:
    """(status, decoded JSON body, or its text when not JSON, or None when empty) of `method
    path` with `body` as JSON."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    request = urllib.request.Request(server.url + path, data, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, _decoded(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _decoded(exc.read())


def _decoded(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")  # a web page's answer (the login form)


def routes() -> dict[str, set[str]]:
    """Every path the application routes (a `{name}` part filled with `x`) -> its methods.

    Read from the application itself, so a route added later is in the tests' loop without
    anyone listing it; the store is never queried while routes are listed (only its pool size
    is read, to size the app's query slots).
    """
    store = cast(Store, SimpleNamespace(connections=1))
    app = build_app(store, FrontierSource(Path("unused")))
    found: dict[str, set[str]] = {}
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter", "").replace("{crawl_id}", "x")
        found.setdefault(path, set()).add(route.method)
    return found
