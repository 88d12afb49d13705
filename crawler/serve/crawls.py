"""The crawls' live status: `GET /api/v1/status[?crawl-id=ID]`, what `linkgraph status` prints,
as JSON, with the failed fetches by kind from the store.

    GET /api/v1/status  ->  {"crawl_id": "c1a2", "state": "running", "counts": {"queued": 120,
        "leased": 8, ...}, "rate_now": 41.5, "busiest": [["a.example", 40]], "waiting":
        [["b.example", 0.8]], "workers": [...], "errors_by_kind": {"HTTP 404": 3}, ...}

An unknown crawl (or none at all) is a 404, so a dashboard can tell "no crawl" from "0 queued".
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from crawler.errors import QueryError
from crawler.run.status import crawl_status
from crawler.serve.state import FRONTIER_KEY, FRONTIER_LOCK_KEY, in_store

STATUS_PATH = "/api/v1/status"
STATUS_PARAMETERS = ("crawl-id",)


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
