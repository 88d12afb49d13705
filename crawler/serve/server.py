"""Runs the `linkgraph serve` application until SIGTERM or SIGINT, and a crawl beside it.

The server opens the store once and holds it for its life (a CLI process pays 0.6-0.8 s of
start-up per query); on a signal it stops accepting, lets requests in flight finish (up to
`SHUTDOWN_SECONDS`), then closes the store. Any address but loopback needs a token.

With a crawl (`serve --crawl SEED...`), one process holds the embedded store's one chDB handle
for both: the crawl's workers run in the main thread (Scrapy's reactor and its signal handlers
live there), the server in a thread of its own with its own event loop, both on the same store
(chDB serializes each call). A finished crawl leaves the server answering until SIGTERM; a
stopped one (SIGTERM, Ctrl-C) stops the server too. With `--allow-crawl` the API starts and
stops crawls the same way, in the main thread (crawler.serve.runner).

    >>> run_server(ServeConfig(data=Path("d"), port=0), on_ready=print)   # doctest: +SKIP
    http://127.0.0.1:41237
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from crawler import settings
from crawler.analysis.queries import open_link_graph
from crawler.errors import ConfigError, InputFileError
from crawler.serve.app import build_app
from crawler.serve.runner import CrawlFactory, CrawlRunner
from crawler.serve.signals import STOP_SIGNALS, stop_signals
from crawler.serve.state import FrontierSource

if TYPE_CHECKING:
    from crawler.run.crawl import Crawl

log = logging.getLogger(__name__)

SHUTDOWN_SECONDS = 10.0  # requests in flight get this long to finish after SIGTERM


@dataclass(frozen=True)
class ServeConfig:
    """What `linkgraph serve` was given; `token` is the token file's content."""

    data: Path = Path("linkgraph-data")
    clickhouse: str = ""
    redis: str = ""
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


def run_server(
    config: ServeConfig,
    on_ready: Callable[[str], None],
    crawl: Crawl | None = None,
    make_crawl: CrawlFactory | None = None,
) -> int:
    """Serve until SIGTERM or SIGINT; `on_ready(url)` once the socket listens. With `crawl`:
    run it here while serving; its exit code. With `make_crawl` (`--allow-crawl`): the API
    starts and stops crawls too, each made by it from `linkgraph crawl`'s words."""
    writes = crawl is not None or make_crawl is not None
    store = open_link_graph(
        config.data,
        config.clickhouse,
        create=writes,
        connections=settings.LINKGRAPH_SERVE_CONNECTIONS,
    )
    try:
        if writes:
            store.migrate()  # a new directory answers (empty lists) before the crawl's first page
        source = FrontierSource(config.data, config.redis)
        runner = None
        if make_crawl is not None:
            # Embedded: the crawl's workers run in this process, and Scrapy's reactor once.
            runner = CrawlRunner(make_crawl, source, once=not config.clickhouse)
        app = build_app(store, source, config.token, runner)
        if runner is not None:
            server = ServerThread(app, config, on_ready).start()
            try:
                return runner.run_until_signal(crawl)
            finally:
                server.stop()
        if crawl is None:
            asyncio.run(_serve_until_signal(app, config, on_ready))
            return 0
        return _serve_while_crawling(app, config, on_ready, crawl.run, source)
    finally:
        store.close()


async def _serve_until_signal(
    app: web.Application, config: ServeConfig, on_ready: Callable[[str], None]
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    await _serve(app, config, on_ready, stop)


async def _serve(
    app: web.Application,
    config: ServeConfig,
    on_ready: Callable[[str], None],
    stop: asyncio.Event,
) -> None:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
    await runner.setup()
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


class ServerThread:
    """The application served from a thread with its own event loop; `stop()` from any thread."""

    def __init__(
        self, app: web.Application, config: ServeConfig, on_ready: Callable[[str], None]
    ) -> None:
        self._args = (app, config, on_ready)
        self._listening = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="linkgraph-serve", daemon=True)

    def start(self) -> ServerThread:
        """Start, and return once the socket listens; the server's own error if it cannot."""
        self._thread.start()
        self._listening.wait()
        if self.error is not None:
            self._thread.join()
            raise self.error
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(SHUTDOWN_SECONDS + 5)

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except BaseException as exc:  # handed to start(), which raises it in the main thread
            self.error = exc
        finally:
            self._listening.set()

    async def _run(self) -> None:
        app, config, on_ready = self._args
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()

        def ready(url: str) -> None:
            on_ready(url)
            self._listening.set()

        await _serve(app, config, ready, self._stop)


def _serve_while_crawling(
    app: web.Application,
    config: ServeConfig,
    on_ready: Callable[[str], None],
    crawl: Callable[[], int],
    source: FrontierSource,
) -> int:
    server = ServerThread(app, config, on_ready).start()
    try:
        source.crawling.set()
        try:
            code = crawl()
        finally:
            source.crawling.clear()
        if code == 0:
            log.info("crawl finished; serving until SIGTERM")
            wait_for_signal()
    finally:
        server.stop()
    return code


def wait_for_signal() -> None:
    """Block the main thread until SIGTERM or SIGINT."""
    with stop_signals() as got:
        while not got.wait(0.2):
            pass
