"""A bounded local spool: batches of records kept on disk while ClickHouse is unreachable.

Each batch is one segment file ``<sequence>.jsonl`` (one JSON object per fetch: its page and
links), written to a temporary name, fsync'd and renamed, so a segment is either whole or absent.
`replay` hands segments to a writer oldest first and deletes each only after the writer returned,
so a crash mid-replay re-sends a segment at worst, which the store's idempotent keys absorb.

    >>> spool = Spool(Path("linkgraph-data/spool"), max_bytes=1 << 30)    # doctest: +SKIP
    >>> spool.append(items)           # fsync'd when it returns             # doctest: +SKIP
    >>> spool.replay(store.insert)    # oldest first, deleted once written  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from crawler.errors import SpoolFull
from crawler.records import Fetched, OutLink, Page

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 1 << 30


class Spool:
    """Segments under `directory`, at most `max_bytes` in all; safe to share between threads."""

    def __init__(self, directory: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        for leftover in self.directory.glob("*.tmp"):  # a crash mid-append: never acknowledged
            leftover.unlink()

    def segments(self) -> list[Path]:
        return sorted(self.directory.glob("*.jsonl"))

    def __len__(self) -> int:
        return len(self.segments())

    @property
    def bytes(self) -> int:
        return sum(path.stat().st_size for path in self.segments())

    def append(self, items: Sequence[Fetched]) -> Path:
        """Write one segment holding the records of `items`; durable when it returns."""
        data = b"".join(encode(item) for item in items)
        with self._lock:
            used = self.bytes
            if used + len(data) > self.max_bytes:
                raise SpoolFull(
                    f"spool {self.directory} is full ({used} of {self.max_bytes} bytes) and "
                    "ClickHouse is unreachable; refusing records until it is back"
                )
            segments = self.segments()
            sequence = int(segments[-1].stem) + 1 if segments else 1
            final = self.directory / f"{sequence:012d}.jsonl"
            temporary = final.with_suffix(".tmp")
            with open(temporary, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.rename(temporary, final)
            _fsync_directory(self.directory)
        log.warning("spooled %d fetches to %s (ClickHouse unreachable)", len(items), final)
        return final

    def replay(self, write: Callable[[list[Page], list[OutLink]], None]) -> int:
        """Hand every segment to `write`, oldest first, deleting each after; returns how many.

        Stops at the first exception, which propagates; the segment stays for the next replay.
        """
        with self._lock:
            done = 0
            for path in self.segments():
                pages, links = decode(path.read_bytes().splitlines())
                write(pages, links)
                path.unlink()
                done += 1
            if done:
                _fsync_directory(self.directory)
                log.info("replayed %d spooled batches from %s", done, self.directory)
            return done


def replay_all(root: Path, write: Callable[[list[Page], list[OutLink]], None]) -> int:
    """Replay the spool of every worker under `root` (a crawl's DATA/spool); batches written.

    A worker's spool is named after the worker, and a worker may end (or die) with batches it
    spooled while the store was down, already acknowledged: this is how they reach the store.
    """
    if not root.is_dir():
        return 0
    return sum(Spool(d).replay(write) for d in sorted(root.iterdir()) if d.is_dir())


def encode(item: Fetched) -> bytes:
    links = [dataclasses.asdict(link) for link in item.links]
    record = {"page": dataclasses.asdict(item.page), "links": links}
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def decode(lines: Iterable[bytes]) -> tuple[list[Page], list[OutLink]]:
    pages: list[Page] = []
    links: list[OutLink] = []
    for line in lines:
        if not line.strip():
            continue
        record = json.loads(line)
        pages.append(Page(**record["page"]))
        links.extend(OutLink(**{**link, "rel": tuple(link["rel"])}) for link in record["links"])
    return pages, links


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
