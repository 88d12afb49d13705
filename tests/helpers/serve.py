"""`linkgraph serve` in a child process on 127.0.0.1, and plain HTTP requests to it.

with ServeProcess(["--data", str(data)]) as server:
    status, body = server.get("/healthz")
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crawler.analysis.queries import open_link_graph

ROOT = Path(__file__).resolve().parents[2]
_READY = re.compile(r"linkgraph: serving on (http://\S+)")


class ServeProcess:
    """A `linkgraph serve --port 0` child; `url` once it listens; stopped by its PID on exit."""

    def __init__(self, args: Sequence[str], timeout: float = 60.0) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, "-m", "crawler.cli.app", "serve", "--port", "0", *args]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        self.stderr_head: list[str] = []
        self.stderr_rest: list[str] = []
        self.url = self._wait_ready(timeout)
        # Read on while it runs: a crawl beside the server writes progress lines, and a full
        # pipe would block the child.
        self._drain = threading.Thread(target=self._read_rest, daemon=True)
        self._drain.start()

    def _read_rest(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_rest.append(line)

    def _wait_ready(self, timeout: float) -> str:
        assert self.proc.stderr is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break  # exited before listening
            self.stderr_head.append(line)
            found = _READY.search(line)
            if found:
                return found.group(1)
        if self.proc.poll() is None:
            self.proc.kill()
        _, err = self.proc.communicate(timeout=30)
        raise AssertionError(f"serve did not start:\n{''.join(self.stderr_head)}{err}")

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """(status, decoded JSON body) of GET path."""
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def get_text(self, path: str) -> tuple[int, str, str]:
        """(status, Content-Type, body as text) of GET path."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as response:
                kind = response.headers.get("Content-Type", "")
                return response.status, kind, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode("utf-8")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> tuple[int, str]:
        """Signal the child, wait; (exit code, the rest of its stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait(timeout)
        self._drain.join(timeout)
        return self.proc.returncode, self.stderr()

    def stderr(self) -> str:
        """What the child wrote to stderr so far."""
        return "".join(self.stderr_head + self.stderr_rest)

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def empty_data(base: Path) -> Path:
    """`base` as an embedded data directory with a migrated, empty store."""
    store = open_link_graph(base, create=True)
    try:
        store.migrate()
    finally:
        store.close()
    return base
