"""What the application holds for its handlers: the open store, its lock and the token.

>>> rows = await in_store(request, lambda store: store.named("anchors", p))  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from pipelines.store import Store

STORE_KEY = web.AppKey("store", Store)
TOKEN_KEY = web.AppKey("token", str)
LOCK_KEY = web.AppKey("store_lock", asyncio.Lock)


async def in_store(request: web.Request, call: Callable[[Store], Any]) -> Any:
    """Run `call(store)` off the event loop, one at a time: a store handle (chDB's above all)
    is one connection, not a pool."""
    app = request.app
    async with app[LOCK_KEY]:
        return await asyncio.to_thread(call, app[STORE_KEY])
