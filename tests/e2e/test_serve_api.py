"""The JSON API answers every query command with exactly the rows of its `--format jsonl`, on the
same crawled simulated web, in chDB and in clickhouse-server 18.16 (issue 17, step 2).

The CLI runs first: on chDB the server holds the store's one handle while it runs.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from tests.helpers.e2e import CrawledWeb, crawled_web, linkgraph
from tests.helpers.serve import ServeProcess
from tests.helpers.servers import ClickHouseServer


def _ranked(crawled: CrawledWeb) -> list[str]:
    """The simulated web's domains, most linked first."""
    counts: dict[str, int] = {}
    for r in crawled.records:
        if r["type"] == "link" and r["src_domain"] != r["dst_domain"]:
            counts[r["dst_domain"]] = counts.get(r["dst_domain"], 0) + 1
    ranked = sorted((d for d in counts if d in crawled.web.domains), key=lambda d: (-counts[d], d))
    return ranked


Case = tuple[str, str, list[tuple[str, str]]]


def _cases(ranked: list[str]) -> list[Case]:
    """(command, domain, [(option, value)]): every endpoint, with its filters; "" is a flag.
    The most linked domain has the most rows; the least linked one has a competitor gap."""
    top, least = ranked[0], ranked[-1]
    vs = [("vs", ranked[0]), ("vs", ranked[1])]
    cases = [
        ("backlinks", []),
        ("backlinks", [("dofollow", ""), ("section", "main"), ("limit", "7")]),
        ("backlinks", [("one-per-domain", ""), ("min-authority", "1.5")]),
        ("backlinks", [("anchor-contains", "a"), ("new-since", "2020-01-01")]),
        ("refdomains", []),
        ("local", []),
        ("anchors", [("keywords", "guide,best")]),
        ("broken", []),
        ("broken", [("prospects", ""), *vs[1:]]),
        ("changes", [("since", "2020-01-01")]),
        ("toxicity", []),
        ("toxicity", [("links", ""), ("min-score", "5")]),
    ]
    gaps = [("gap", least, [*vs, ("min", "2")]), ("gap", least, vs[:1])]
    return [(command, top, options) for command, options in cases] + gaps


def _cli_rows(crawled: CrawledWeb, command: str, domain: str, options: list[tuple[str, str]]):
    argv = [command, domain, *crawled.args, "--format", "jsonl"]
    for name, value in options:
        argv += [f"--{name}"] + ([value] if value else [])
    out = linkgraph(argv).stdout
    return [json.loads(line) for line in out.splitlines()]


def _cli_csv(crawled: CrawledWeb, out: Path, case: Case) -> str:
    """The file `--out F.csv` writes, read as written (its \\r\\n line ends kept)."""
    command, domain, options = case
    argv = [command, domain, *crawled.args, "--out", str(out)]
    for name, value in options:
        argv += [f"--{name}"] + ([value] if value else [])
    linkgraph(argv)
    return out.read_bytes().decode("utf-8")


def _api_path(command: str, domain: str, options: list[tuple[str, str]]) -> str:
    query = [("domain", domain)] + [(n, v or "1") for n, v in options]
    return f"/api/v1/{command}?{urllib.parse.urlencode(query)}"


def _compare(crawled: CrawledWeb, out: Path) -> None:
    cases = _cases(_ranked(crawled))
    domain = cases[0][1]
    expected = [_cli_rows(crawled, *case) for case in cases]
    assert all(expected[:7]) and all(expected[-4:]), [len(rows) for rows in expected]
    assert sum(map(len, expected)) > 50, "the cases must return rows to compare"
    csv_cases = [cases[0], cases[6], cases[-1]]  # lists, floats and quotes; a gap
    csv_expected = [_cli_csv(crawled, out / f"{i}.csv", c) for i, c in enumerate(csv_cases)]
    bad = linkgraph(["backlinks", domain, *crawled.args, "--limit", "0"], check=False)
    assert "argument --limit: must be at least 1, not 0" in bad.stderr
    with ServeProcess(crawled.args) as server:
        got = [server.get(_api_path(*case)) for case in cases]
        status, body = server.get(_api_path("backlinks", domain, [("limit", "0")]))
        assert (status, body) == (400, {"error": "argument --limit: must be at least 1, not 0"})
        assert server.get("/api/v1/backlinks?domain=a.com&nope=1") == (
            400,
            {"error": "unrecognized arguments: nope"},
        )
        assert server.get("/api/v1/gap?domain=a.com") == (
            400,
            {"error": "the following arguments are required: vs"},
        )
        csv_got = [server.get_text(_api_path(*case) + "&format=csv") for case in csv_cases]
        code, stderr = server.stop()
    assert code == 0, stderr
    for case, rows, answer in zip(cases, expected, got, strict=True):
        assert answer == (200, rows), case
    for case, text, answer in zip(csv_cases, csv_expected, csv_got, strict=True):
        assert answer == (200, "text/csv; charset=utf-8", text), case


def test_api_rows_equal_cli_jsonl_on_chdb(tmp_path_factory: pytest.TempPathFactory) -> None:
    _compare(crawled_web(tmp_path_factory), tmp_path_factory.mktemp("csv"))


@pytest.mark.server
def test_api_rows_equal_cli_jsonl_on_clickhouse_18(
    tmp_path_factory: pytest.TempPathFactory, clickhouse: ClickHouseServer
) -> None:
    _compare(crawled_web(tmp_path_factory, clickhouse), tmp_path_factory.mktemp("csv"))
