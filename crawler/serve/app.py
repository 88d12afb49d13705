"""The aiohttp application of `linkgraph serve`: routes, the token check, JSON errors and one
structured access-log line per request.

Every response is JSON. A LinkgraphError becomes `{"error": message}` with the status its class
maps to (no such crawl 404, a crawl already running 409, a usage error 400, the store
unreachable 503, anything else 500), so a client reads the same message the CLI prints.

    >>> app = build_app(store, FrontierSource(Path("linkgraph-data")))    # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from crawler.errors import (
    CrawlBusy,
    CrawlNotFound,
    FrontierUnavailable,
    LinkgraphError,
    StoreUnavailable,
    UsageError,
)
from crawler.serve.api import add_routes
from crawler.serve.crawls import RUNNER_KEY, STATUS_PATH, add_crawl_routes, status_handler
from crawler.serve.openapi import OPENAPI_PATH, schema
from crawler.serve.pages import LOGIN_PATH, TOKEN_COOKIE, add_pages
from crawler.serve.runner import CrawlRunner
from crawler.serve.state import (
    FRONTIER_KEY,
    FRONTIER_LOCK_KEY,
    SLOTS_KEY,
    STORE_KEY,
    TOKEN_KEY,
    FrontierSource,
)
from pipelines.store import Store

log = logging.getLogger(__name__)
access_log = logging.getLogger("crawler.serve.access")

# Paths answered without the token: a load balancer's probe carries no secret and learns nothing;
# the login form is how a browser, which sends no Authorization header, gives the token.
OPEN_PATHS = frozenset({"/healthz", LOGIN_PATH})
RETRY_AFTER_SECONDS = 1

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def build_app(
    store: Store, frontier: FrontierSource, token: str = "", runner: CrawlRunner | None = None
) -> web.Application:
    """The application over an open store; `token` non-empty: every request but /healthz needs
    `Authorization: Bearer TOKEN`; `frontier`: where the status endpoint finds the crawls;
    `runner` (`--allow-crawl`): starts and stops crawls, else the API is read-only."""
    app = web.Application(middlewares=[_access, _errors, _auth])
    app[STORE_KEY] = store
    app[TOKEN_KEY] = token
    app[SLOTS_KEY] = asyncio.Semaphore(store.connections)
    app[FRONTIER_KEY] = frontier
    app[FRONTIER_LOCK_KEY] = asyncio.Lock()
    if runner is not None:
        app[RUNNER_KEY] = runner
    app.router.add_get("/healthz", _healthz)
    app.router.add_get(OPENAPI_PATH, _openapi)
    app.router.add_get(STATUS_PATH, status_handler)
    add_routes(app)
    add_crawl_routes(app)
    add_pages(app)
    return app


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _openapi(request: web.Request) -> web.Response:
    return web.json_response(schema())


def status_of(exc: LinkgraphError) -> int:
    """The HTTP status of a LinkgraphError: no such crawl 404, the user's mistake 400, the
    store or the frontier away (or a crawl's server starting) 503."""
    if isinstance(exc, CrawlNotFound):
        return 404
    if isinstance(exc, CrawlBusy):
        return 409
    if isinstance(exc, UsageError):
        return 400
    if isinstance(exc, (StoreUnavailable, FrontierUnavailable)):
        return 503
    return 500


@web.middleware
async def _auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = request.app[TOKEN_KEY]
    if not token or request.path in OPEN_PATHS:
        return await handler(request)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    given = given or request.cookies.get(TOKEN_COOKIE, "")
    # compare_digest: the time taken must not tell how much of a guess was right.
    if not hmac.compare_digest(given.encode(), token.encode()):
        return web.json_response(
            {"error": "a token is required: Authorization: Bearer TOKEN"},
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return await handler(request)


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return web.json_response({"error": exc.reason}, status=exc.status)
    except LinkgraphError as exc:
        log.debug("%s on %s", type(exc).__name__, request.path, exc_info=True)
        code = status_of(exc)
        # 503 is for a while (a crawl's server starting, the store restarting): say when to ask.
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if code == 503 else None
        return web.json_response({"error": str(exc)}, status=code, headers=headers)


@web.middleware
async def _access(request: web.Request, handler: Handler) -> web.StreamResponse:
    start = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    finally:
        # key=value fields: one line a log shipper splits without a grammar.
        access_log.info(
            "method=%s path=%s status=%d ms=%.1f remote=%s",
            request.method,
            request.path,
            status,
            (time.perf_counter() - start) * 1000,
            request.remote,
        )
