"""SIGTERM and SIGINT caught by the server's main thread, between and after crawls.

Our handlers, not a crawl's: Scrapy's left behind would ask a stopped reactor to stop and the
process would never exit.

    >>> with stop_signals() as got:                                     # doctest: +SKIP
    ...     while not got.wait(0.2):
    ...         pass
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def stop_signals() -> Iterator[threading.Event]:
    """An event set on SIGTERM or SIGINT while the block runs (in the main thread); the former
    handlers back after it. Wait on the event with a timeout: the main thread must come back to
    Python for the handler to run."""
    got = threading.Event()
    previous = {s: signal.signal(s, lambda *_: got.set()) for s in STOP_SIGNALS}
    try:
        yield got
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
