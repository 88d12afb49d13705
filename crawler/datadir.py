"""The data directory (`--data DIR`): checked before anything is written to it.

A path that cannot be one is a usage error naming it (exit 2): a file, a place that cannot be
created or written (a read-only file system), or a directory inside an embedded store (`--data
DIR/store` would put a second store in the first). A new one is made 0700: it holds the
frontier's password and the crawled data, the user's alone.

    >>> prepare(Path("linkgraph-data"))                                   # doctest: +SKIP
    PosixPath('linkgraph-data')
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from crawler.errors import ConfigError
from pipelines.embedded_store import LOCK_FILE


def check(path: Path) -> Path:
    """`path` if it may be a data directory (existing or not); ConfigError if not."""
    resolved = path.expanduser().resolve()
    for parent in (resolved, *resolved.parents):
        if (parent / LOCK_FILE).is_file():
            raise ConfigError(
                f"--data {path} is inside the embedded store {parent}: give the data directory "
                f"that holds it, --data {parent.parent}"
            )
    if resolved.exists() and not resolved.is_dir():
        raise ConfigError(f"--data {path} is a file, not a directory")
    return path


def prepare(path: Path) -> Path:
    """`path` checked, created (0700) when missing, and writable; ConfigError naming why not."""
    check(path)
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--data {path}: cannot create it ({_reason(exc)})") from exc
    if not os.access(path, os.W_OK):  # access() says so for a read-only file system, even as root
        raise ConfigError(f"--data {path}: cannot write there ({os.strerror(errno.EACCES)})")
    return path


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
