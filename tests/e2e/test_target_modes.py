"""`--mode domain|host|prefix|exact` of the query commands against the simulated web's truth,
through the CLI, on chDB and on clickhouse-server 18.16.

Each mode's rows are the truth's links whose target is in the mode's reach: the registrable
domain, one host, URLs starting with a prefix (with or without its scheme), one URL. A URL with
a path and no --mode is refused, not widened to its domain.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from tests.helpers.cli_batch import linkgraph_batch
from tests.helpers.e2e import CrawledWeb, one_clear_error

Match = Callable[[dict[str, Any]], bool]


def _rows(web: CrawledWeb, *commands: list[str]) -> list[tuple[list[dict[str, Any]], str]]:
    """(rows, stderr) of each command's `--format jsonl`, all run in one child process."""
    procs = linkgraph_batch([[*args, *web.args, "--format", "jsonl"] for args in commands])
    return [([json.loads(line) for line in p.stdout.splitlines()], p.stderr) for p in procs]


def _external(web: CrawledWeb, match: Match) -> list[dict[str, Any]]:
    return [
        r
        for r in web.records
        if r["type"] == "link" and r["src_domain"] != r["dst_domain"] and match(r)
    ]


def _key(r: dict[str, Any]) -> tuple[Any, ...]:
    return (r["src_url"], r["dst_url"], r["ordinal"], r["anchor"], tuple(r["rel"]), r["kind"])


def _host(url: str) -> str:
    return url.split("/")[2]


def _cases(web: CrawledWeb) -> list[tuple[list[str], str, Match]]:
    """(DOMAIN and --mode, the stderr line, the truth's rule) for each mode, on targets the
    simulated web gives several hosts and neighbouring paths."""
    links = _external(web, lambda r: True)
    # A domain linked on several hosts (the web's links out, e.g. en.lemonde.fr, www.lemonde.fr).
    hosts = Counter((r["dst_domain"], _host(r["dst_url"])) for r in links)
    per_domain = Counter(d for d, _ in hosts)
    domain, host = next(k for k, _ in hosts.most_common() if per_domain[k[0]] > 1)
    # A directory with a sibling sharing its start (/events and /events-archive): the prefix
    # "/events/" must not take the sibling, "/events" takes both.
    paths = Counter(r["dst_url"] for r in links)
    url = next(u for u, _ in paths.most_common() if u.count("/") > 3)
    directory = url.rsplit("/", 1)[0] + "/"
    bare = directory.split("://", 1)[1]
    assert sum(r["dst_url"].startswith(directory) for r in links) > 1
    return [
        ([domain], f"linkgraph: target: {domain} (--mode domain)",
         lambda r: r["dst_domain"] == domain),
        ([f"http://{host}/", "--mode", "host"], f"linkgraph: target: {host} (--mode host)",
         lambda r: _host(r["dst_url"]) == host),
        ([directory, "--mode", "prefix"], f"linkgraph: target: {directory} (--mode prefix)",
         lambda r: r["dst_url"].startswith(directory)),
        ([bare, "--mode", "prefix"], f"linkgraph: target: {bare} (--mode prefix)",
         lambda r: r["dst_url"].split("://", 1)[1].startswith(bare)),
        ([url, "--mode", "exact"], f"linkgraph: target: {url} (--mode exact)",
         lambda r: r["dst_url"] == url),
        ([url, "--mode", "domain"], f"linkgraph: target: {r_domain(url)} (--mode domain)",
         lambda r: r["dst_domain"] == r_domain(url)),
    ]  # fmt: skip


def r_domain(url: str) -> str:
    from crawler.urls.canonical import domain_of

    return domain_of(url)


def test_backlinks_refdomains_anchors_in_every_mode(analysis_web: CrawledWeb) -> None:
    cases = _cases(analysis_web)
    commands = [[command, *target] for target, _, _ in cases
                for command in ("backlinks", "refdomains", "anchors")]  # fmt: skip
    answers = iter(_rows(analysis_web, *commands))
    for target, said, match in cases:
        truth = _external(analysis_web, match)
        assert truth, target
        got, stderr = next(answers)
        assert said in stderr.splitlines(), (target, stderr)
        assert Counter(map(_key, got)) == Counter(map(_key, truth)), target
        got, _ = next(answers)
        links = Counter(r["src_domain"] for r in truth)
        assert {r["ref_domain"]: r["links"] for r in got} == dict(links), target
        pages = {d: len({r["dst_url"] for r in truth if r["src_domain"] == d}) for d in links}
        assert {r["ref_domain"]: r["pages_linked"] for r in got} == pages, target
        got, _ = next(answers)
        assert {r["anchor"]: r["links"] for r in got} == dict(Counter(r["anchor"] for r in truth))


def test_changes_broken_and_gap_take_the_mode(analysis_web: CrawledWeb) -> None:
    status = {r["url"]: r["status"] for r in analysis_web.records if r["type"] == "page"}
    cases = _cases(analysis_web)
    # gap: domains linking to the rival and never to the target. In exact mode a domain that
    # links elsewhere on the target's domain is a prospect; in domain mode it is not.
    prefix, _, in_prefix = cases[4]
    domain = r_domain(prefix[0])
    links = _external(analysis_web, lambda r: True)
    mine = {r["src_domain"] for r in links if r["dst_domain"] == domain}
    mine_prefix = {r["src_domain"] for r in links if in_prefix(r)}

    def linkers(rival: str) -> set[str]:
        return {r["src_domain"] for r in links if r["dst_domain"] == rival} - {domain}

    rival = min(
        {r["dst_domain"] for r in links} - {domain},
        key=lambda d: (-len((linkers(d) & mine) - mine_prefix), d),
    )
    assert linkers(rival) - mine < linkers(rival) - mine_prefix
    gaps = (([domain], mine), (prefix, mine_prefix))
    commands = [[*words, *target] for target, _, _ in cases
                for words in (["changes", "--since", "2000-01-01"], ["broken"])]  # fmt: skip
    commands += [["gap", *target, "--vs", rival] for target, _ in gaps]
    answers = iter(_rows(analysis_web, *commands))
    for target, _, match in cases:
        truth = _external(analysis_web, match)
        # One crawl: every pair is new since 2000, none lost.
        got, _ = next(answers)
        pairs = {(r["src_url"], r["dst_url"]) for r in truth}
        assert sorted((r["change"], r["src_url"], r["dst_url"]) for r in got) == sorted(
            ("new", *p) for p in pairs
        ), target
        got, _ = next(answers)
        dead = [r for r in truth if 400 <= status.get(r["dst_url"], 0) < 600]
        assert Counter(map(_key, got)) == Counter(map(_key, dead)), target
    for target, own in gaps:
        got, _ = next(answers)
        assert {r["ref_domain"] for r in got} == linkers(rival) - own, target


def test_a_path_without_mode_is_refused_not_widened(analysis_web: CrawledWeb) -> None:
    url = next(r["dst_url"] for r in _external(analysis_web, lambda r: r["dst_url"].count("/") > 3))
    commands = [[command, url, *analysis_web.args]
                for command in ("backlinks", "refdomains", "anchors", "broken")]  # fmt: skip
    *refused, widest = linkgraph_batch(
        [*commands, ["backlinks", url, "--mode", "widest", *analysis_web.args]], check=False
    )
    for proc in refused:
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == ""
        one_clear_error(proc.stderr, "has a path", "--mode prefix", "--mode exact")
    assert widest.returncode == 2
    assert "argument --mode: one of domain, host, prefix, exact, not 'widest'" in widest.stderr
