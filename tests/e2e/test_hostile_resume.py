"""Issue 14: the command a Ctrl-C stopped resumes its crawl (no page fetched twice), and a
frontier whose recorded policy was tampered with is refused, never obeyed."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import redis

from crawler.frontier.queue import Frontier
from crawler.run.embedded import EmbeddedRedis
from crawler.testweb import WebServer, build_web, truth
from pipelines.store import open_store
from tests.helpers.e2e import (
    linkgraph,
    one_clear_error,
    seeds_file,
    start_linkgraph,
    truth_pages,
    wait_for,
)


def test_the_stopped_command_resumes_its_crawl(tmp_path: Path) -> None:
    """Ctrl-C mid-crawl, then the very same command (same seeds): it resumes the stopped crawl
    instead of starting a new one, and the store ends with each page of the web fetched once."""
    web = build_web(3, 25, 11)
    pages = set(truth_pages(truth(web)))  # robots-blocked URLs too (status 0)
    data = tmp_path / "data"
    log = tmp_path / "first.log"
    with WebServer(web) as server:
        command = ["crawl", "--seeds-file", str(seeds_file(web, tmp_path)), "--data", str(data),
                   "--proxy", server.proxy, "--host-delay", "0.3"]  # fmt: skip
        first = start_linkgraph(command, log)
        wait_for("some pages", lambda: re.search(r"pages [1-9]", log.read_text()), timeout=120)
        first.send_signal(signal.SIGINT)
        assert first.wait(60) == 3
        stopped = log.read_text()
        hint = re.search(r"resume with: (linkgraph crawl .*)", stopped)
        assert hint is not None, stopped
        assert hint.group(1) == f"linkgraph crawl --data {data} --proxy {server.proxy}"
        crawl_id = re.search(r"crawl (\w+): ", stopped).group(1)  # type: ignore[union-attr]
        second = linkgraph(command)
    assert f"resuming crawl {crawl_id}" in second.stderr + second.stdout
    assert "Warning" not in second.stderr + stopped, "a crawl printed a warning"
    with open_store(str(data / "store")) as store:
        fetched = store.query("SELECT url, count() FROM page_fetches GROUP BY url").rows
    assert {url for url, _ in fetched} == pages
    assert [(url, n) for url, n in fetched if n > 1] == []


def test_a_tampered_policy_is_refused(tmp_path: Path) -> None:
    """Someone who reaches the frontier writes "allow_private": true into the crawl's meta; the
    resume (without --allow-private) is refused with one line, before anything is fetched."""
    data = tmp_path / "data"
    with EmbeddedRedis(data / "frontier", password=True) as server:
        client = redis.Redis.from_url(server.url)
        frontier = Frontier(client, "victim")
        frontier.create({"seeds": ["http://127.0.0.1:9/"], "allow_private": False})
        frontier.seed(["http://127.0.0.1:9/"])
        meta = json.loads(client.get(frontier.key("meta")) or b"{}")
        client.set(frontier.key("meta"), json.dumps({**meta, "allow_private": True}))
        client.close()
    proc = linkgraph(["crawl", "--data", str(data)], check=False)
    assert proc.returncode == 2
    one_clear_error(proc.stderr, "crawl victim was started with the safety options --allow-private")
    with EmbeddedRedis(data / "frontier", password=True) as server:
        client = redis.Redis.from_url(server.url)
        assert Frontier(client, "victim").counts()["pages"] == 0
        client.close()
