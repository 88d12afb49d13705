"""Runs the `linkgraph serve` application until SIGTERM or SIGINT.

The server opens the store once and holds it for its life (a CLI process pays 0.6-0.8 s of
start-up per query); on a signal it stops accepting, lets requests in flight finish (up to
`SHUTDOWN_SECONDS`), then closes the store. Any address but loopback needs a token.

    >>> run_server(ServeConfig(data=Path("d"), port=0), on_ready=print)   # doctest: +SKIP
    http://127.0.0.1:41237
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from crawler import settings
from crawler.analysis.queries import open_link_graph
from crawler.errors import ConfigError, InputFileError
from crawler.serve.app import build_app

log = logging.getLogger(__name__)

SHUTDOWN_SECONDS = 10.0  # requests in flight get this long to finish after SIGTERM


@dataclass(frozen=True)
class ServeConfig:
    """What `linkgraph serve` was given; `token` is the token file's content."""

    data: Path = Path("linkgraph-data")
    clickhouse: str = ""
    host: str = settings.LINKGRAPH_SERVE_HOST
    port: int = settings.LINKGRAPH_SERVE_PORT
    token: str = ""

    def __post_init__(self) -> None:
        if not self.token and not is_loopback(self.host):
            raise ConfigError(
                f"--host {self.host} is reachable from other machines: give --token-file"
            )


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name that may resolve anywhere


def read_token(path: Path) -> str:
    """The token in `path` (its first line, stripped); empty or unreadable is an error."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot read the token file ({exc})") from exc
    lines = text.splitlines()
    token = lines[0].strip() if lines else ""
    if not token:
        raise InputFileError(f"{path}: the token file is empty")
    return token


def run_server(config: ServeConfig, on_ready: Callable[[str], None]) -> None:
    """Serve until SIGTERM or SIGINT; `on_ready(url)` once the socket listens."""
    store = open_link_graph(config.data, config.clickhouse)
    try:
        asyncio.run(_serve(build_app(store, config.token), config, on_ready))
    finally:
        store.close()


async def _serve(
    app: web.Application, config: ServeConfig, on_ready: Callable[[str], None]
) -> None:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        site = web.TCPSite(runner, config.host, config.port)
        await site.start()
        on_ready(_url(runner, config.host))
        await stop.wait()
        log.info("stopping: finishing the requests in flight")
    finally:
        await runner.cleanup()
    log.info("stopped")


def _url(runner: web.AppRunner, host: str) -> str:
    port = runner.addresses[0][1]  # the real port when --port 0 let the system choose
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"
