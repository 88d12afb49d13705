"""Hostile peers on loopback for issue 14's tests: servers that misbehave on purpose.

`SilentServer` accepts every connection and never sends a byte (an unresponsive ClickHouse or
Redis, a host that hangs): it runs in a thread of the test process and closes what it accepted
when the `with` block ends.

    >>> with SilentServer() as server:                                    # doctest: +SKIP
    ...     linkgraph(["sql", "SELECT 1", "--clickhouse", f"clickhouse://{server.address}/db"])
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class SilentServer:
    """A TCP listener on 127.0.0.1 (a free port) that accepts and never answers."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(5)
        for conn in self.accepted:
            conn.close()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.accepted.append(conn)  # held open, never read from or written to
