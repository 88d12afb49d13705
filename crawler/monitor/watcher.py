"""A watch round: recrawl what is due, put each due target's changes in the outbox, deliver.

`watch run` is one round (for cron); `watch run --loop` repeats them, sleeping until the next
watch is due. A round:

1. recrawls, as `linkgraph crawl --recrawl-after EVERY` resuming the data's crawl (a child
   process: the crawl's reactor and the embedded store are one per process): every page of the
   crawl's scope last fetched longer ago than the shortest due interval is fetched again, the
   known linking pages of the watched targets among them, and links to pages never fetched are
   followed, so new pages of the scope are found;
2. per due watch, the `changes` of its target (with lost reasons) in [checked_until, now),
   now being the round's end in whole seconds (fetched_at's unit): the next window starts
   there, so no fetch is reported twice or skipped; an alert when there is any change;
3. delivers the outbox (crawler/monitor/outbox.py), older alerts first.

    >>> Watcher(Path("linkgraph-data"), crawl_options=["--proxy", "http://..."]).round()
    ... # doctest: +SKIP
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from crawler import settings
from crawler.analysis.queries import changes_query, open_link_graph, run_named, with_target
from crawler.analysis.targets import resolve_target
from crawler.errors import WatchError
from crawler.monitor.alert import build_alert
from crawler.monitor.outbox import Outbox, Undelivered
from crawler.monitor.watchlist import Watch, WatchList

log = logging.getLogger(__name__)


class Watcher:
    """Rounds over the watches under `data`; `crawl_options` are the recrawl's own command line
    (connection, workers, safety: what a resume of the crawl must give again)."""

    def __init__(
        self,
        data: Path,
        clickhouse: str = "",
        *,
        crawl_options: Sequence[str] = (),
        out: TextIO = sys.stderr,
    ) -> None:
        self.data = data
        self.clickhouse = clickhouse
        self.crawl_options = list(crawl_options)
        self.watches = WatchList(data)
        self.outbox = Outbox(self.watches.directory)
        self.out = out

    def round(self) -> list[Undelivered]:
        """One round; the alerts that stay in the outbox, and why."""
        # One round at a time: two would recrawl together and send one alert twice.
        with self.watches.locked("round.lock", wait=False):
            due = [w for w in self.watches.watches() if w.due(time.time())]
            if due:
                self._recrawl(min(due, key=lambda w: w.seconds).every)
                self._queue_alerts(due, int(time.time()))
            return self.outbox.deliver()

    def next_wake(self) -> float:
        """Seconds until the next watch is due (LINKGRAPH_WATCH_RECHECK at most while alerts
        wait in the outbox)."""
        now = time.time()
        waits = [w.checked_until + w.seconds - now for w in self.watches.watches()]
        if self.outbox.pending():
            waits.append(settings.LINKGRAPH_WATCH_RECHECK)
        return max(1.0, min(waits, default=settings.LINKGRAPH_WATCH_RECHECK))

    def _recrawl(self, every: str) -> None:
        command = [
            sys.executable, "-m", "crawler.cli.app", "crawl", "--data", str(self.data),
            "--recrawl-after", every, *self.crawl_options,
        ]  # fmt: skip
        self._say(f"watch: recrawling pages fetched more than {every} ago")
        code = subprocess.run(command, check=False).returncode
        if code != 0:
            raise WatchError(f"watch: the recrawl exited with code {code}; nothing was sent")

    def _queue_alerts(self, due: list[Watch], until: int) -> None:
        store = open_link_graph(self.data, self.clickhouse)
        try:
            for watch in due:
                target = resolve_target(watch.target, watch.mode)
                since = datetime.fromtimestamp(watch.checked_until, UTC)
                name, params = changes_query(
                    target.domain, since=since, until=datetime.fromtimestamp(until, UTC)
                )
                result = run_named(store, name, with_target(params, target))
                if result.rows:
                    alert = build_alert(
                        watch.id, target.value, target.mode, (watch.checked_until, until),
                        result.columns, result.rows,
                    )  # fmt: skip
                    self.outbox.put(alert, webhook=watch.webhook, out=watch.out)
                    counts = alert["counts"]
                    self._say(
                        f"watch {watch.id} {target.value}: {counts['new']} new, "
                        f"{counts['lost']} lost, {counts['changed']} changed"
                    )
                else:
                    self._say(f"watch {watch.id} {target.value}: no change")
                self.watches.checked(watch.id, until)
        finally:
            store.close()

    def _say(self, line: str) -> None:
        print(line, file=self.out, flush=True)
