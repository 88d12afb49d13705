"""`linkgraph watch`: a watched target's linking pages change between two revisions of the
simulated web; `watch run` sends exactly the truth's new and lost links, with their reasons,
once, and keeps an alert its receiver did not take until the next run delivers it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from crawler.testweb import WebServer, build_web, truth
from crawler.testweb.model import Web
from crawler.testweb.truth import recrawl
from tests.helpers.e2e import Engine, linkgraph, one_clear_error, seeds_file
from tests.helpers.webhook import WebhookReceiver

WEB = (6, 30, 3)  # sites, pages per site, seed: github.com gains and loses links in revision 1
TARGET = "github.com"
Pair = tuple[str, str]
_FLAGS = ("nofollow", "ugc", "sponsored")  # a live link turning one on is 'now <flag>'


def test_watch_run_sends_the_truths_changes_once_even_with_the_receiver_down(
    engine: Engine, tmp_path: Path
) -> None:
    before, after = build_web(*WEB), build_web(*WEB, revision=1)
    expected_new, expected_lost, expected_changed = _expected(before, after, TARGET)
    assert len(expected_new) >= 4 and len(expected_lost) >= 4
    args = engine.args if "--data" in engine.args else [*engine.args, "--data", str(tmp_path / "d")]
    with WebServer(before) as server:
        linkgraph(["crawl", "--seeds-file", str(seeds_file(before, tmp_path)), *args,
                   "--proxy", server.proxy])  # fmt: skip
    time.sleep(1.0)  # fetched_at is in whole seconds: the watch's window starts after the crawl
    out = tmp_path / "alerts.jsonl"
    receiver = WebhookReceiver().start()
    receiver.stop()  # down for the first run; its port is kept for the second
    linkgraph(["watch", "add", TARGET, "--every", "1s", "--webhook", receiver.url,
               "--out", str(out), *args])  # fmt: skip
    # Due a second after it was added (--every 1s): a `watch run` started sooner, as a fast
    # CLI start makes it, would rightly find nothing due.
    time.sleep(1.0)

    with WebServer(after) as server:
        run = ["watch", "run", *args, "--proxy", server.proxy]
        down = linkgraph(run, check=False)
        assert down.returncode == 1, down.stderr
        one_clear_error(down.stderr, "undelivered")
        lines = out.read_text().splitlines()
        assert len(lines) == 1
        _assert_alert(json.loads(lines[0]), expected_new, expected_lost, expected_changed)
        try:
            receiver.start()
            linkgraph(run)  # same revision again: no new alert, the kept one delivered
            linkgraph(run)  # ... and not again
        finally:
            receiver.stop()
    assert len(receiver.posts) == 1, receiver.posts
    headers, alert = receiver.posts[0]
    assert alert == json.loads(lines[0])
    assert headers["Idempotency-Key"] == alert["id"]
    assert out.read_text().splitlines() == lines


def test_watch_refuses_bad_options_in_one_line(tmp_path: Path) -> None:
    data = ["--data", str(tmp_path / "d")]
    for words, needle in (
        (["add", TARGET, "--every", "7", "--out", "a.jsonl"], "--every"),
        (["add", TARGET, "--every", "1d"], "--webhook URL or --out FILE"),
        (["add", TARGET, "--every", "1d", "--webhook", "ftp://h/x"], "--webhook"),
        (["add", "http://github.com/x/", "--every", "1d", "--out", "a.jsonl"], "--mode"),
        (["add", TARGET, "--every", "1d", "--out", str(tmp_path / "no" / "a")], "--out"),
        (["remove", "3"], "no watch 3"),
    ):
        proc = linkgraph(["watch", *words, *data], check=False)
        assert proc.returncode == 2, (words, proc.stderr)
        one_clear_error(proc.stderr, needle)
    assert not (tmp_path / "d" / "watch" / "watches.json").exists()


def _assert_alert(
    alert: dict[str, Any],
    new: set[Pair],
    lost: dict[Pair, tuple[str, str]],
    changed: list[tuple[str, str, str, str]],
) -> None:
    assert (alert["target"], alert["mode"], alert["watch"]) == (TARGET, "domain", 1)
    assert sorted((i["src_url"], i["dst_url"]) for i in alert["new"]) == sorted(new)
    got_lost = [((i["src_url"], i["dst_url"]), (i["reason"], i["reason_detail"]))
                for i in alert["lost"]]  # fmt: skip
    assert sorted(got_lost) == sorted(lost.items())
    got_changed = [(i["src_url"], i["dst_url"], i["reason"], i["reason_detail"])
                   for i in alert["changed"]]  # fmt: skip
    assert sorted(got_changed) == sorted(changed)
    assert alert["counts"] == {"new": len(new), "lost": len(lost), "changed": len(changed)}


def _expected(
    before: Web, after: Web, domain: str
) -> tuple[set[Pair], dict[Pair, tuple[str, str]]]:
    """The truth's new pairs linking to `domain` from other domains, and its lost ones with
    (reason, detail): fragments/lost_links.sql's rule on an edited web, whose pages, statuses
    and redirects stay: a pair is lost when its page was indexable and the new revision drops
    it, 'moved' (detail: the smallest such URL) when the page links anew to another URL of
    `domain`, else 'link removed'; a pair in both whose first occurrence gained a rel flag or
    another anchor is changed (detail: the old anchor). The recrawl fetches every stored page
    again, those the new revision's walk no longer reaches too."""
    old_records = list(truth(before))
    fetched = [r["url"] for r in old_records if r["type"] == "page"]
    old = _first_occurrences(old_records, domain)
    new = _first_occurrences([*truth(after), *recrawl(after, fetched)], domain)
    added = new.keys() - old.keys()
    lost: dict[Pair, tuple[str, str]] = {}
    for src, dst in sorted(old.keys() - new.keys()):
        if not _indexable(before, src):
            continue
        moved = sorted(d for s, d in added if s == src)
        lost[(src, dst)] = ("moved", moved[0]) if moved else ("link removed", "")
    changed = []
    for pair in sorted(old.keys() & new.keys()):
        (was_anchor, was_rel), (anchor, rel) = old[pair], new[pair]
        changed += [(*pair, f"now {t}", "") for t in _FLAGS if t in rel and t not in was_rel]
        changed += [(*pair, "anchor changed", was_anchor)] if anchor != was_anchor else []
    return added, lost, changed


def _first_occurrences(records: Any, domain: str) -> dict[Pair, tuple[str, list[str]]]:
    """(src_url, dst_url) -> (anchor, rel) of the pair's first occurrence on its page, for
    links to `domain` from other domains (truth records come in ordinal order)."""
    found: dict[Pair, tuple[str, list[str]]] = {}
    for r in records:
        if r["type"] == "link" and r["dst_domain"] == domain and r["src_domain"] != domain:
            found.setdefault((r["src_url"], r["dst_url"]), (r["anchor"], r["rel"]))
    return found


def _indexable(web: Web, url: str) -> bool:
    """Not noindex (meta robots or X-Robots-Tag), no canonical naming another URL."""
    page = web.page(url)
    assert page is not None, url
    said = f"{page.meta_robots},{page.x_robots_tag}".lower().replace(",", " ").split()
    canonical = [link.target for link in page.head if link.kind == "canonical"]
    return "noindex" not in said and all(target == url for target in canonical)
