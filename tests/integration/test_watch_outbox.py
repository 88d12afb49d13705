"""The watch outbox against a webhook receiver on loopback: retried with backoff, kept while
the receiver is down, delivered once and in order; the watch list's window per watch, and
`watch add`, `list`, `remove` on the command line."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from crawler import settings
from crawler.errors import ConfigError
from crawler.monitor.outbox import Outbox
from crawler.monitor.watcher import Watcher
from crawler.monitor.watchlist import WatchList
from tests.helpers.e2e import linkgraph
from tests.helpers.webhook import WebhookReceiver


@pytest.fixture(autouse=True)
def _quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "LINKGRAPH_WATCH_BACKOFF", 0.05)


def _alert(n: int) -> dict[str, object]:
    return {"id": f"a{n}", "watch": 1, "new": [n], "lost": [], "changed": []}


def test_a_refused_post_is_retried_and_taken_once(tmp_path: Path) -> None:
    out = tmp_path / "alerts.jsonl"
    with WebhookReceiver(fail_first=2) as hook:
        outbox = Outbox(tmp_path)
        outbox.put(_alert(1), webhook=hook.url, out=str(out))
        assert outbox.deliver() == []
        assert outbox.deliver() == []
    assert hook.refused == 2 and [a for _, a in hook.posts] == [_alert(1)]
    assert hook.posts[0][0]["Idempotency-Key"] == "a1"
    assert [json.loads(line) for line in out.read_text().splitlines()] == [_alert(1)]
    assert outbox.pending() == []


def test_alerts_wait_for_a_receiver_that_is_down_then_go_in_order(tmp_path: Path) -> None:
    hook = WebhookReceiver().start()
    hook.stop()
    outbox = Outbox(tmp_path, tries=2)
    for n in (1, 2):
        outbox.put(_alert(n), webhook=hook.url, out="")
    missed = outbox.deliver()
    assert [m.alert_id for m in missed] == ["a1", "a2"] and len(outbox.pending()) == 2
    assert all(m.channel == hook.url and m.reason for m in missed)
    with hook:
        assert outbox.deliver() == []
        assert outbox.deliver() == []
    assert [a for _, a in hook.posts] == [_alert(1), _alert(2)]


def test_an_http_error_is_kept_with_its_status(tmp_path: Path) -> None:
    with WebhookReceiver(fail_first=5) as hook:
        outbox = Outbox(tmp_path, tries=3)
        outbox.put(_alert(1), webhook=hook.url, out="")
        (missed,) = outbox.deliver()
    assert (missed.reason, hook.refused, hook.posts) == ("HTTP 500", 3, [])
    assert len(outbox.pending()) == 1


def test_the_watch_list_keeps_each_watchs_window(tmp_path: Path) -> None:
    watches = WatchList(tmp_path)
    before = int(time.time())
    one = watches.add("a.com", "domain", "1h", out="x")
    two = watches.add("b.com", "host", "30m", webhook="http://127.0.0.1:1/")
    assert (one.id, two.id) == (1, 2) and before <= one.checked_until <= time.time()
    assert not one.due(time.time()) and one.due(one.checked_until + 3600)
    watches.checked(2, 1234)
    assert [(w.id, w.checked_until) for w in watches.watches()] == [
        (1, one.checked_until),
        (2, 1234),
    ]
    assert watches.remove(1) == one
    assert watches.add("c.com", "domain", "1d", out="y").id == 3
    assert (tmp_path / "watch" / "watches.json").stat().st_mode & 0o777 == 0o600
    with pytest.raises(ConfigError, match="no watch 1"):
        watches.remove(1)
    with (
        watches.locked("round.lock", wait=False),
        pytest.raises(ConfigError, match="held"),
        watches.locked("round.lock", wait=False),
    ):
        pass


def test_a_round_with_nothing_due_delivers_what_waits_and_sleeps_until_the_next_watch(
    tmp_path: Path,
) -> None:
    watcher = Watcher(tmp_path, crawl_options=["--no-such-option"], out=io.StringIO())
    watch = watcher.watches.add("a.com", "domain", "30m", out=str(tmp_path / "a.jsonl"))
    with WebhookReceiver() as hook:
        watcher.outbox.put(_alert(1), webhook=hook.url, out="")
        assert 60 - 2 < watcher.next_wake() <= settings.LINKGRAPH_WATCH_RECHECK
        assert watcher.round() == []  # not due: no recrawl (its options would fail it)
    assert [a for _, a in hook.posts] == [_alert(1)]
    assert 1800 - 5 < watcher.next_wake() <= watch.checked_until + 1800 - time.time() + 1
    assert not (tmp_path / "a.jsonl").exists()


def test_watch_add_list_remove_on_the_command_line(tmp_path: Path) -> None:
    data = ["--data", str(tmp_path / "d")]
    hook = "http://127.0.0.1:9/hook"
    added = linkgraph(["watch", "add", "http://www.a.com/blog/", "--mode", "prefix", "--every",
                       "12h", "--webhook", hook, *data])  # fmt: skip
    assert added.stdout == "watch 1: http://www.a.com/blog/ (--mode prefix) every 12h\n"
    linkgraph(["watch", "add", "b.com", "--every", "1d", "--out", str(tmp_path / "b"), *data])
    linkgraph(["watch", "remove", "1", *data])
    rows = linkgraph(["watch", "list", "--format", "jsonl", *data]).stdout.splitlines()
    (row,) = [json.loads(line) for line in rows]
    assert {k: v for k, v in row.items() if k != "checked_until"} == {
        "id": 2,
        "target": "b.com",
        "mode": "domain",
        "every": "1d",
        "webhook": "",
        "out": str((tmp_path / "b").resolve()),
    }
