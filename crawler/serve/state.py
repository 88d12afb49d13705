"""What the application holds for its handlers: the open store, its lock, the token and where
the crawls' frontier is.

>>> rows = await in_store(request, lambda store: store.named("anchors", p))  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from pipelines.store import Store


@dataclass(frozen=True)
class FrontierSource:
    """Where `status` finds the crawls: a --redis URL, else the embedded frontier under `data`.

    `crawling` is set while `serve --crawl` runs its crawl: status then reads the crawl's own
    embedded server, waiting out its start and its stop, and never starts a second one.
    """

    data: Path
    redis: str = ""
    crawling: threading.Event = field(default_factory=threading.Event)


STORE_KEY = web.AppKey("store", Store)
TOKEN_KEY = web.AppKey("token", str)
LOCK_KEY = web.AppKey("store_lock", asyncio.Lock)
FRONTIER_KEY = web.AppKey("frontier", FrontierSource)
# One status read at a time: with no crawl running, a read starts the embedded frontier's Valkey
# on its directory for a moment, and two of those on one directory would share its files.
FRONTIER_LOCK_KEY = web.AppKey("frontier_lock", asyncio.Lock)


async def in_store(request: web.Request, call: Callable[[Store], Any]) -> Any:
    """Run `call(store)` off the event loop, one at a time: a store handle (chDB's above all)
    is one connection, not a pool."""
    app = request.app
    async with app[LOCK_KEY]:
        return await asyncio.to_thread(call, app[STORE_KEY])
