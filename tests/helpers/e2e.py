"""Helpers for end-to-end tests: run `linkgraph` as a user would, read back what it stored."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from filelock import FileLock

from crawler.records import OutLink
from crawler.testweb import Web, WebServer, build_web, truth
from pipelines.store import Store, open_store
from tests.helpers.servers import ClickHouseServer

LinkKey = tuple[str, str, str, tuple[str, ...], str, str]


def linkgraph(
    args: Sequence[str], *, timeout: float = 300, check: bool = True, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a child process (a fresh Twisted reactor and chDB each time)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli.app", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=cwd,
    )
    if check:
        check_exit(args, proc)
    return proc


def check_exit(args: Sequence[str], proc: subprocess.CompletedProcess[str]) -> None:
    """AssertionError naming `linkgraph ARGS` unless it exited 0, with the ends of its stdout
    and stderr."""
    if proc.returncode != 0:
        raise AssertionError(
            f"linkgraph {' '.join(args)} exited {proc.returncode}\n"
            f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-8000:]}"
        )


def one_clear_error(stderr: str, *needles: str) -> None:
    """`stderr` holds one `linkgraph: error:` line, holding each needle, and no traceback."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("linkgraph: error:")]
    assert len(errors) == 1, stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


class CrawledWeb(NamedTuple):
    """The simulated web, its truth records, and the store of its crawl: the CLI options naming
    it and its `open_store` target."""

    web: Web
    records: list[dict[str, Any]]
    args: list[str]
    target: str


class Engine(NamedTuple):
    """A fresh store: its `open_store` target and the CLI options naming it."""

    name: str
    target: str
    args: list[str]


ANALYSIS_WEB = (12, 40, 7)  # sites, pages per site, seed


def crawled_web(
    factory: pytest.TempPathFactory,
    clickhouse: ClickHouseServer | None = None,
    web: Web | None = None,
    name: str = "analysis_web",
) -> CrawledWeb:
    """A simulated web (the analysis web by default) crawled with the CLI, then `linkgraph
    authority` run, once per test session, engine and `name`: into chDB under a --data
    directory, or into clickhouse-server's database `name`.

    Under pytest-xdist the chDB crawl is made once for all the processes (the first to need it
    crawls, under a file lock, the others wait) and each process gets a copy of its --data
    directory (chDB serves a directory to one process at a time); clickhouse-server crawls are
    per process, as each process has its own server."""
    web = web or build_web(*ANALYSIS_WEB)
    base = factory.getbasetemp() / f"{name.replace('_', '-')}-{'server' if clickhouse else 'chdb'}"
    data = base / "data"
    target = clickhouse.url_for(name) if clickhouse else str(data / "store")
    args = ["--clickhouse", target] if clickhouse else []
    args += ["--data", str(data)]  # the frontier's directory too, with --clickhouse
    if not (base / "crawled").exists():
        base.mkdir(exist_ok=True)
        if clickhouse:
            _crawl(web, base, args)
        else:
            shutil.copytree(_shared_chdb_crawl(factory, web, name), data, symlinks=True)
        (base / "crawled").touch()
    return CrawledWeb(web, list(truth(web)), args, target)


def _crawl(web: Web, base: Path, args: list[str]) -> None:
    seeds = seeds_file(web, base)
    with WebServer(web) as server:
        linkgraph(["crawl", "--seeds-file", str(seeds), *args, "--proxy", server.proxy])
    linkgraph(["authority", *args])


def _shared_chdb_crawl(factory: pytest.TempPathFactory, web: Web, name: str) -> Path:
    """The --data directory of `web` crawled into chDB once for every xdist process (their
    base temp directories share a parent), or for this session alone without xdist."""
    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    shared = root / f"shared-{name.replace('_', '-')}-chdb"
    with FileLock(f"{shared}.lock"):
        if not (shared / "crawled").exists():
            shared.mkdir(exist_ok=True)
            _crawl(web, shared, ["--data", str(shared / "data")])
            (shared / "crawled").touch()
    return shared / "data"


def sql_rows(args: Sequence[str], query: str) -> list[dict[str, Any]]:
    """Rows of `query` on the store the CLI options `args` name."""
    out = linkgraph(["sql", query, *args, "--format", "jsonl"]).stdout
    return [json.loads(line) for line in out.splitlines()]


def truth_links(records: Iterable[dict[str, Any]]) -> Counter[LinkKey]:
    return Counter(
        (r["src_url"], r["dst_url"], r["anchor"], tuple(r["rel"]), r["section"], r["kind"])
        for r in records
        if r["type"] == "link"
    )


def truth_pages(records: Iterable[dict[str, Any]]) -> dict[str, int]:
    """url -> status of every page the store holds: fetched, or robots-blocked (status 0)."""
    return {r["url"]: r["status"] for r in records if r["type"] in ("page", "blocked")}


def stored(target: str) -> tuple[dict[str, int], Counter[LinkKey]]:
    """Pages (url -> status) and the multiset of links a store shows analysts."""
    store = open_store(target)
    try:
        pages = store.query("SELECT url, status FROM pages").rows
        links = store.query("SELECT src_url, dst_url, anchor, rel, section, kind FROM links").rows
    finally:
        store.close()
    page_map: dict[str, int] = {}
    for url, status in pages:
        assert url not in page_map, f"page {url} shown twice by `pages`"
        page_map[url] = int(status)
    return page_map, Counter((s, d, a, tuple(r), sec, k) for s, d, a, r, sec, k in links)


def assert_truth(target: str, records: list[dict[str, Any]]) -> None:
    """The store at `target` holds exactly the truth's pages and links (no page twice)."""
    pages, links = stored(target)
    expected = truth_pages(records)
    assert pages == expected, diff(Counter(expected.items()), Counter(pages.items()))
    expected_links = truth_links(records)
    assert links == expected_links, diff(expected_links, links)


def diff(expected: Counter[Any], got: Counter[Any], limit: int = 12) -> str:
    missing = list((expected - got).items())[:limit]
    extra = list((got - expected).items())[:limit]
    counts = sum((expected - got).values()), sum((got - expected).values())
    return f"missing {counts[0]}: {missing}\nextra {counts[1]}: {extra}"


def seeds_file(web: Web, directory: Path) -> Path:
    """A seeds file of the simulated web's home pages."""
    path = directory / "seeds.txt"
    path.write_text("".join(site.home + "\n" for site in web.sites))
    return path


def start_linkgraph(
    args: Sequence[str], log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """`linkgraph ARGS` as a child process, its output to `log` (read while it runs)."""
    root = Path(__file__).resolve().parents[2]
    full_env = {**os.environ, "PYTHONPATH": str(root), **(env or {})}
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "crawler.cli.app", *args],
            stdout=out, stderr=subprocess.STDOUT, text=True, env=full_env, cwd=root,
        )  # fmt: skip


def wait_for(what: str, check: Callable[[], bool], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def backlinks_report(store: Store, domain: str, **filters: Any) -> list[dict[str, Any]]:
    """Rows of the named query `linkgraph backlinks DOMAIN` runs, its filters (new_since=...,
    rel=...) given as to `backlinks_params`."""
    from crawler.analysis.queries import backlinks_params, run_named

    params = backlinks_params(domain, **filters)
    return run_named(store, "backlinks_report", params).dicts()


def domain_truth(links: Iterable[OutLink]) -> tuple[list[tuple], list[tuple]]:
    """referring_domains and domain_graph rows (as the views give them, sorted) computed from
    the link records themselves: distinct (src_url, dst_url) pairs ever seen, self-links out."""
    groups: dict[tuple[str, str], list[OutLink]] = {}
    for link in links:
        if link.src_domain != link.dst_domain:
            groups.setdefault((link.dst_domain, link.src_domain), []).append(link)
    refs, edges = [], []
    for (dst, src), group in sorted(groups.items()):
        pairs = {(x.src_url, x.dst_url) for x in group}
        dofollow = {(x.src_url, x.dst_url) for x in group
                    if not (x.nofollow or x.ugc or x.sponsored or x.page_nofollow)}  # fmt: skip
        seen = (utc(min(x.fetched_at for x in group)), utc(max(x.fetched_at for x in group)))
        refs.append((dst, src, len(pairs), len(dofollow), *seen))
        edges.append((src, dst, len(pairs), len(dofollow), *seen))
    return refs, sorted(edges)


def utc(seconds: float) -> datetime:
    """A DateTime('UTC') column's value for a fetch time."""
    return datetime.fromtimestamp(int(seconds), UTC)
