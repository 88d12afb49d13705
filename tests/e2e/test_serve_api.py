"""The JSON API answers every query command with exactly the rows of its `--format jsonl`, on the
same crawled simulated web, in chDB and in clickhouse-server 18.16 (issue 17, step 2).

The CLI runs first: on chDB the server holds the store's one handle while it runs.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli_batch import linkgraph_batch
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


def _top_host(crawled: CrawledWeb, domain: str) -> str:
    """The host of `domain` most linked from other domains."""
    counts: dict[str, int] = {}
    for r in crawled.records:
        if r["type"] == "link" and r["dst_domain"] == domain != r["src_domain"]:
            host = urllib.parse.urlsplit(r["dst_url"]).hostname or ""
            counts[host] = counts.get(host, 0) + 1
    return min(counts, key=lambda h: (-counts[h], h))


def _cases(ranked: list[str], host: str) -> list[Case]:
    """(command, domain, [(option, value)]): every endpoint, with its filters; "" is a flag.
    The most linked domain has the most rows; the least linked one has a competitor gap; the
    most linked host of the first is a --mode host target."""
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
        ("velocity", []),
        ("velocity", [("by", "day"), ("sort", "net_links,-period"), ("limit", "3")]),
        ("top-pages", []),
        ("linked-domains", []),
        ("ips", []),
        ("contacts", []),
    ]
    gaps = [("gap", least, [*vs, ("min", "2")]), ("gap", least, vs[:1])]
    hosted = [("top-pages", host, [("mode", "host"), ("offset", "1")])]
    return [(command, top, options) for command, options in cases] + hosted + gaps


def _jsonl(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in proc.stdout.splitlines()]


def _error_argv(
    crawled: CrawledWeb, domain: str, *options: str, command: str = "velocity"
) -> list[str]:
    return [command, domain, *crawled.args, *options]


def _cli_error(proc: subprocess.CompletedProcess[str]) -> str:
    """The message of the CLI's one error line (exit code 2) of a finished command."""
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    return line.split("error: ", 1)[1] if "error: " in line else line.split(": ", 1)[1]


def _cli_csv(crawled: CrawledWeb, out: Path, case: Case) -> str:
    """The file `--out F.csv` writes, read as written (its \\r\\n line ends kept); the web
    app's test (test_serve_web.py) compares its download with it."""
    linkgraph([*_argv(crawled, case), "--out", str(out)])
    return out.read_bytes().decode("utf-8")


def _argv(crawled: CrawledWeb, case: Case) -> list[str]:
    """The CLI's words for a case: "" is a flag's value."""
    command, domain, options = case
    argv = [command, domain, *crawled.args]
    for name, value in options:
        argv += [f"--{name}"] + ([value] if value else [])
    return argv


def _sheet(workbook: Any) -> list[list[Any]]:
    """Every cell value of an .xlsx file's one sheet (a path or a binary stream), row by row."""
    from openpyxl import load_workbook

    book = load_workbook(workbook, read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def _download(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.status, response.headers["Content-Type"], response.read()


def _api_path(command: str, domain: str, options: list[tuple[str, str]]) -> str:
    query = [("domain", domain)] + [(n, v or "1") for n, v in options]
    return f"/api/v1/{command}?{urllib.parse.urlencode(query)}"


def _compare(crawled: CrawledWeb, out: Path) -> None:
    ranked = _ranked(crawled)
    cases = _cases(ranked, _top_host(crawled, ranked[0]))
    domain = cases[0][1]
    csv_cases = [cases[0], cases[6], cases[-1]]  # lists, floats and quotes; a gap
    xlsx_cases = [cases[0], cases[-2]]  # backlinks (dates, lists, floats); a gap
    csv_files = [out / f"{i}.csv" for i in range(len(csv_cases))]
    xlsx_files = [out / f"{i}.xlsx" for i in range(len(xlsx_cases))]
    files = zip([*csv_cases, *xlsx_cases], [*csv_files, *xlsx_files], strict=True)
    # Every CLI answer from one child process (tests/helpers/cli_batch.py), in the CLI's words.
    procs = linkgraph_batch(
        [[*_argv(crawled, case), "--format", "jsonl"] for case in cases]
        + [[*_argv(crawled, case), "--out", str(file)] for case, file in files]
        + [
            ["backlinks", domain, *crawled.args, "--limit", "0"],
            _error_argv(crawled, domain, "--by", "year"),
            _error_argv(crawled, domain, "--mode", "host", command="linked-domains"),
        ],
        check=False,
    )
    *answered, bad, by_year, host_mode = procs
    for proc in answered:
        assert proc.returncode == 0, (proc.args, proc.stderr)
    expected = [_jsonl(proc) for proc in answered[: len(cases)]]
    assert all(expected[:7]) and all(expected[10:]), [len(rows) for rows in expected]
    assert sum(map(len, expected)) > 50, "the cases must return rows to compare"
    # The files `--out F.csv` writes, read as written (their \r\n line ends kept).
    csv_expected = [f.read_bytes().decode("utf-8") for f in csv_files]
    xlsx_expected = [_sheet(f) for f in xlsx_files]
    # The second highest toxicity score: some domains above it, some below.
    min_score = sorted({r["score"] for r in expected[10] if r["score"] > 0})[-2]
    disavow = ["disavow", domain, "--min-score", str(min_score), *crawled.args]
    disavow_expected = linkgraph(disavow).stdout
    assert disavow_expected.count("\ndomain:") >= 1, disavow_expected
    assert bad.returncode == 2, bad.stderr
    assert "argument --limit: must be at least 1, not 0" in bad.stderr
    # The CLI's own words for a bad choice and a mode a command refuses, then the API's.
    bad_cases = [
        (f"/api/v1/velocity?domain={domain}&by=year", _cli_error(by_year)),
        (f"/api/v1/linked-domains?domain={domain}&mode=host", _cli_error(host_mode)),
    ]
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
        for path, message in bad_cases:
            assert server.get(path) == (400, {"error": message}), path
        csv_got = [server.get_text(_api_path(*case) + "&format=csv") for case in csv_cases]
        xlsx_got = [_download(server.url + _api_path(*c) + "&format=xlsx") for c in xlsx_cases]
        query = urllib.parse.urlencode({"domain": domain, "min-score": min_score})
        disavow_got = server.get_text(f"/api/v1/disavow?{query}")
        assert server.get(f"/api/v1/disavow?domain={domain}&min-score=0") == (
            400,
            {"error": "--min-score must be above 0 and at most 100"},
        )
        code, stderr = server.stop()
    assert code == 0, stderr
    for case, rows, answer in zip(cases, expected, got, strict=True):
        assert answer == (200, rows), case
    for case, text, answer in zip(csv_cases, csv_expected, csv_got, strict=True):
        assert answer == (200, "text/csv; charset=utf-8", text), case
    xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    for case, sheet, (status, kind, body) in zip(xlsx_cases, xlsx_expected, xlsx_got, strict=True):
        assert (status, kind) == (200, xlsx_type), case
        assert _sheet(io.BytesIO(body)) == sheet, case
    # The header names the minute it was written: the CLI ran before the server.
    written = re.compile(r"written by linkgraph on \d{4}-\d\d-\d\d \d\d:\d\d UTC")
    assert disavow_got[:2] == (200, "text/plain; charset=utf-8")
    assert written.sub("", disavow_got[2]) == written.sub("", disavow_expected)
    assert written.search(disavow_got[2]), disavow_got[2][:200]


def test_api_rows_equal_cli_jsonl_on_chdb(tmp_path_factory: pytest.TempPathFactory) -> None:
    _compare(crawled_web(tmp_path_factory), tmp_path_factory.mktemp("csv"))


@pytest.mark.server
def test_api_rows_equal_cli_jsonl_on_clickhouse_18(
    tmp_path_factory: pytest.TempPathFactory, clickhouse: ClickHouseServer
) -> None:
    _compare(crawled_web(tmp_path_factory, clickhouse), tmp_path_factory.mktemp("csv"))
