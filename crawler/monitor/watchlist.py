"""The watched targets: what `linkgraph watch run` recrawls and reports on, and since when.

Kept in DATA/watch/watches.json (0600, in a 0700 directory), not in the store: the alerts'
"delivered once" needs an atomic change of state, which a file rename gives on every backend,
while ClickHouse 18.16 has no transactions and its ALTER DELETE is asynchronous (on a cluster,
per replica). The watches live on the host that runs `watch run` (its cron), beside its outbox.

    >>> watches = WatchList(Path("linkgraph-data"))                        # doctest: +SKIP
    >>> watches.add("example.com", "domain", "1d", webhook="https://hooks.example/x").id
    1
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from crawler.config import parse_duration
from crawler.errors import ConfigError

WATCH_DIR = "watch"
_FILE = "watches.json"
_LOCK = "lock"


@dataclass(frozen=True)
class Watch:
    """One watched target: `target` as `watch add` resolved it in `mode`, how often it is
    checked, where its alerts go, and `checked_until` (UTC seconds): the end of the window
    the last run reported, where the next run's window starts."""

    id: int
    target: str
    mode: str
    every: str
    webhook: str
    out: str
    checked_until: int

    @property
    def seconds(self) -> float:
        return parse_duration("--every", self.every)

    def due(self, now: float) -> bool:
        return now >= self.checked_until + self.seconds


class WatchList:
    """The watches under one data directory; every change is locked and written atomically."""

    def __init__(self, data: Path) -> None:
        self.directory = data / WATCH_DIR
        self.path = self.directory / _FILE

    def watches(self) -> list[Watch]:
        if not self.path.exists():
            return []
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return [Watch(**entry) for entry in raw]
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{self.path}: not a watch list ({exc})") from exc

    def add(self, target: str, mode: str, every: str, *, webhook: str = "", out: str = "") -> Watch:
        """A new watch, its window starting now: changes before it was added are not sent."""
        parse_duration("--every", every)
        if not (webhook or out):
            raise ConfigError("watch add needs --webhook URL or --out FILE (or both)")
        with self.locked():
            watches = self.watches()
            watch = Watch(
                id=max((w.id for w in watches), default=0) + 1,
                target=target,
                mode=mode,
                every=every,
                webhook=webhook,
                out=out,
                checked_until=int(time.time()),
            )
            self._write([*watches, watch])
        return watch

    def remove(self, watch_id: int) -> Watch:
        with self.locked():
            watches = self.watches()
            gone = [w for w in watches if w.id == watch_id]
            if not gone:
                raise ConfigError(f"no watch {watch_id} (`linkgraph watch list` shows them)")
            self._write([w for w in watches if w.id != watch_id])
        return gone[0]

    def checked(self, watch_id: int, until: int) -> None:
        """Record that `watch_id`'s changes before `until` are reported (kept if removed)."""
        with self.locked():
            watches = self.watches()
            marked = [replace(w, checked_until=until) if w.id == watch_id else w for w in watches]
            self._write(marked)

    def locked(self, name: str = _LOCK, *, wait: bool = True) -> AbstractContextManager[None]:
        """Held while reading and writing: two `watch` commands never interleave their changes
        (`name`: another lock of the directory, as a round's)."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return file_lock(self.directory / name, wait=wait)

    def _write(self, watches: list[Watch]) -> None:
        write_atomic(self.path, json.dumps([asdict(w) for w in watches], indent=1) + "\n")


@contextmanager
def file_lock(path: Path, *, wait: bool = True) -> Iterator[None]:
    """An exclusive lock on `path` (made 0600); without `wait`, ConfigError if it is held."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            raise ConfigError(f"{path} is held by another `linkgraph watch` process") from exc
        yield
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str) -> None:
    """`text` in `path` (0600) all or nothing: written beside it, synced, then renamed over it."""
    part = path.with_name(path.name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(part, path)
