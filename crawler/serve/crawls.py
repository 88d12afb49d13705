"""The crawls' live status: `GET /api/v1/status[?crawl-id=ID]`, what `linkgraph status` prints,
as JSON, with the failed fetches by kind from the store.

    GET /api/v1/status  ->  {"crawl_id": "c1a2", "state": "running", "counts": {"queued": 120,
        "leased": 8, ...}, "rate_now": 41.5, "busiest": [["a.example", 40]], "waiting":
        [["b.example", 0.8]], "workers": [...], "errors_by_kind": {"HTTP 404": 3}, ...}

An unknown crawl (or none at all) is a 404, so a dashboard can tell "no crawl" from "0 queued".

With `serve --allow-crawl` (else 403: the API is read-only), crawls start and stop here:

    POST   /api/v1/crawls  {"seeds": ["a.example"], "options": {"max-depth": 2}}
        ->  202 {"crawl_id": "c1a2", "state": "starting"}   (409 while one runs)
    DELETE /api/v1/crawls/c1a2  (or POST /api/v1/crawls/c1a2/stop)  ->  202, as Ctrl-C would
    GET    /api/v1/crawls  ->  {"running": "c1a2", "last": {"crawl_id", "exit_code", "error"}}

A POST must say `Content-Type: application/json`: a page of another site can send a form to
127.0.0.1 without the token a loopback server lacks, but not that (a CORS preflight first).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from crawler.errors import QueryError
from crawler.run.status import crawl_status
from crawler.serve.runner import CrawlRunner
from crawler.serve.state import FRONTIER_KEY, FRONTIER_LOCK_KEY, in_store

STATUS_PATH = "/api/v1/status"
STATUS_PARAMETERS = ("crawl-id",)
CRAWLS_PATH = "/api/v1/crawls"
RUNNER_KEY = web.AppKey("crawl_runner", CrawlRunner)


async def status_handler(request: web.Request) -> web.Response:
    unknown = sorted(set(request.query) - set(STATUS_PARAMETERS))
    if unknown:
        raise QueryError(f"unrecognized arguments: {' '.join(unknown)}")
    source = request.app[FRONTIER_KEY]
    crawl_id = request.query.get("crawl-id", "")
    async with request.app[FRONTIER_LOCK_KEY]:
        report = await asyncio.to_thread(
            crawl_status, source.data, source.redis, crawl_id, source.crawling
        )
    errors = await in_store(
        request, lambda store: store.named("crawl_errors", {"crawl_id": report["crawl_id"]})
    )
    report["errors_by_kind"] = {str(kind): int(n) for kind, n in errors.rows}
    return web.json_response(report)


def add_crawl_routes(app: web.Application) -> None:
    """The crawls' routes: always there, so a server without --allow-crawl says why (403)."""
    app.router.add_get(CRAWLS_PATH, _crawls)
    app.router.add_post(CRAWLS_PATH, _start)
    app.router.add_delete(CRAWLS_PATH + "/{crawl_id}", _stop)
    app.router.add_post(CRAWLS_PATH + "/{crawl_id}/stop", _stop)


def _runner(request: web.Request) -> CrawlRunner:
    runner = request.app.get(RUNNER_KEY)
    if runner is None:
        raise web.HTTPForbidden(
            reason="this server is read-only: start linkgraph serve with --allow-crawl "
            "to start and stop crawls"
        )
    return runner


async def _crawls(request: web.Request) -> web.Response:
    return web.json_response(_runner(request).state())


async def _start(request: web.Request) -> web.Response:
    runner = _runner(request)
    seeds, options = _crawl_request(await _json_body(request))
    crawl_id = await asyncio.to_thread(runner.submit, seeds, options)
    return web.json_response({"crawl_id": crawl_id, "state": "starting"}, status=202)


async def _stop(request: web.Request) -> web.Response:
    runner = _runner(request)
    if request.method == "POST":
        await _json_body(request)
    crawl_id = request.match_info["crawl_id"]
    runner.stop(crawl_id)
    return web.json_response({"crawl_id": crawl_id, "state": "stopping"}, status=202)


async def _json_body(request: web.Request) -> Any:
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(reason="send the body as Content-Type: application/json")
    text = await request.text()
    try:
        return json.loads(text) if text.strip() else {}
    except ValueError as exc:
        raise QueryError(f"the body is not JSON: {exc}") from exc


def _crawl_request(body: Any) -> tuple[list[str], dict[str, Any]]:
    """(seeds, options) of a start request's body, each of the shape the runner takes."""
    if not isinstance(body, dict):
        raise QueryError('the body must be a JSON object: {"seeds": [...], "options": {...}}')
    unknown = sorted(set(body) - {"seeds", "options"})
    if unknown:
        raise QueryError(f"unrecognized fields: {' '.join(unknown)}")
    seeds, options = body.get("seeds", []), body.get("options", {})
    if not isinstance(seeds, list) or not all(isinstance(seed, str) for seed in seeds):
        raise QueryError("seeds: a list of URLs or domains")
    if not isinstance(options, dict):
        raise QueryError("options: an object of `linkgraph crawl` options, named without dashes")
    return seeds, options
