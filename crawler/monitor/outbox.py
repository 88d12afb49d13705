"""The outbox: alerts kept on disk until every channel they go to has taken them.

`watch run` puts each alert here before sending anything, then delivers: a JSON line appended
to the watch's --out file, and an HTTP POST of the alert's JSON to its --webhook (a 2xx answer
takes it; tried LINKGRAPH_WATCH_TRIES times with doubling backoff). A channel that took the
alert is struck from its file; the file goes when none is left. An alert the receiver did not
take stays for the next run, so an alert is never lost, and is delivered once: a channel is
struck as soon as it took the alert, and the alert's `id` (also sent as the Idempotency-Key
header) lets a receiver drop the one resend a crash between its answer and our write causes.

    >>> outbox = Outbox(Path("linkgraph-data/watch"))                      # doctest: +SKIP
    >>> outbox.put({"id": "...", "watch": 1, ...}, webhook="https://hooks.example/x", out="")
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler import settings
from crawler.monitor.watchlist import write_atomic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Undelivered:
    """An alert a channel did not take this time, and why."""

    alert_id: str
    channel: str
    reason: str


class Outbox:
    """One JSON file per pending alert under DIR/outbox: {"alert": ..., "webhook", "out"};
    a delivered channel is emptied in place."""

    def __init__(self, directory: Path, *, tries: int = settings.LINKGRAPH_WATCH_TRIES) -> None:
        self.directory = directory / "outbox"
        self.tries = tries

    def put(self, alert: dict[str, Any], *, webhook: str, out: str) -> Path:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Named by creation time first: the next run delivers in the order alerts were made.
        path = self.directory / f"{time.time_ns():020d}-{alert['id']}.json"
        write_atomic(path, json.dumps({"alert": alert, "webhook": webhook, "out": out}) + "\n")
        return path

    def pending(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("*.json"))

    def deliver(self) -> list[Undelivered]:
        """Every pending alert to its channels, oldest first; what stays, and why."""
        failed: list[Undelivered] = []
        for path in self.pending():
            entry = json.loads(path.read_text(encoding="utf-8"))
            alert = entry["alert"]
            if entry["out"]:
                _append_line(Path(entry["out"]), alert)
                entry["out"] = ""
                write_atomic(path, json.dumps(entry) + "\n")
            if entry["webhook"]:
                reason = self._post(entry["webhook"], alert)
                if reason:
                    failed.append(Undelivered(alert["id"], entry["webhook"], reason))
                    continue
            path.unlink()
        return failed

    def _post(self, url: str, alert: dict[str, Any]) -> str:
        """'' once `url` answered 2xx, else the last try's failure."""
        body = json.dumps(alert).encode()
        reason = ""
        for attempt in range(self.tries):
            if attempt:
                time.sleep(settings.LINKGRAPH_WATCH_BACKOFF * 2 ** (attempt - 1))
            request = urllib.request.Request(
                url,
                data=body,
                method="POST",
                headers={"Content-Type": "application/json", "Idempotency-Key": alert["id"]},
            )
            try:
                with urllib.request.urlopen(request, timeout=settings.LINKGRAPH_WATCH_TIMEOUT):
                    return ""  # urlopen raises on anything but 2xx (redirects followed)
            except urllib.error.HTTPError as exc:
                reason = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError) as exc:
                reason = str(getattr(exc, "reason", exc))
            log.info("webhook %s: try %d of %d failed: %s", url, attempt + 1, self.tries, reason)
        return reason


def _append_line(path: Path, alert: dict[str, Any]) -> None:
    """One JSON line, appended and synced before the channel is struck."""
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(alert, sort_keys=True) + "\n")
        out.flush()
        os.fsync(out.fileno())
