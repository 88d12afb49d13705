"""What the application holds for its handlers: the open store, its slots, the token and where
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
# As many queries at once as the store runs (Store.connections): chDB one, a server its pool.
SLOTS_KEY = web.AppKey("store_slots", asyncio.Semaphore)
FRONTIER_KEY = web.AppKey("frontier", FrontierSource)
# One status read at a time: with no crawl running, a read starts the embedded frontier's Valkey
# on its directory for a moment, and two of those on one directory would share its files.
FRONTIER_LOCK_KEY = web.AppKey("frontier_lock", asyncio.Lock)


async def in_store(request: web.Request, call: Callable[[Store], Any]) -> Any:
    """Run `call(store)` off the event loop, at most `store.connections` at once: the others
    wait here, not in a worker thread each (chDB's one handle: one at a time)."""
    app = request.app
    async with app[SLOTS_KEY]:
        return await asyncio.to_thread(call, app[STORE_KEY])
