"""A `linkgraph` process imports only what its command uses (issues 13 and 17: the suite spawns
hundreds of them). Each check runs in a fresh interpreter, as a real start does: building the
parser and parsing a query command's argv (or any command's --help) must not load the crawl's
or the other backend's libraries; `--version` and `--help` still print what they print in this
process. The start-up times are measured in bench/bench_startup.py, not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler import __version__, speedups
from crawler.cli.app import build_parser
from crawler.cli.commands import COMMANDS
from crawler.urls import canonical

ROOT = Path(__file__).resolve().parents[2]
# Loaded by the crawl (redis, tldextract, scrapy, twisted), by the other store backend
# (clickhouse_driver), by the store itself when a command runs (chdb, with numpy and pyarrow).
HEAVY = ("redis", "tldextract", "requests", "scrapy", "twisted", "clickhouse_driver", "numpy",
         "pyarrow", "chdb")  # fmt: skip
# Parse only (no command runs): prints the heavy modules loaded, as JSON. Imported ones only:
# the unit tests' server guard puts stand-ins for chdb in every child, with no __spec__.
PARSE = """
import contextlib, io, json, sys
from crawler.cli.app import build_parser
for argv in json.loads(sys.argv[1]):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        build_parser().parse_args(argv)
loaded = [m for m in json.loads(sys.argv[2]) if getattr(sys.modules.get(m), "__spec__", None)]
print(json.dumps(loaded))
"""
QUERIES = [
    ["backlinks", "example.com", "--mode", "host", "--limit", "5"],
    ["refdomains", "https://www.example.co.uk/x", "--data", "d", "--format", "csv"],
    ["sql", "SELECT 1", "--clickhouse", "clickhouse://127.0.0.1:9000/default"],
    ["gap", "example.com", "--vs", "a.example.org", "--vs", "b.github.io", "--min", "2"],
    ["changes", "example.com", "--since", "2026-01-01"],
    ["anchors", "www.example.github.io", "--out", "a.jsonl"],
]


def _child_env() -> dict[str, str]:
    # A fixed width: argparse wraps the help to the terminal's, here and in the child alike.
    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}


def _heavy_after(argvs: list[list[str]]) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PARSE, json.dumps(argvs), json.dumps(HEAVY)],
        env=_child_env(), cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return list(json.loads(out.stdout))


def _linkgraph(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli.app", *args],
        env=_child_env(), cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_checker_sees_a_heavy_import() -> None:
    """The check itself can fail: a parse that does load one of them is reported."""
    argvs = [["sql", "SELECT 1"]]
    code = PARSE.replace("from crawler.cli.app", "import redis; from crawler.cli.app")
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(argvs), json.dumps(HEAVY)],
        env=_child_env(), cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "redis" in json.loads(out.stdout)


@pytest.mark.parametrize("argv", QUERIES, ids=[argv[0] for argv in QUERIES])
def test_a_query_command_parses_without_heavy_modules(argv: list[str]) -> None:
    assert _heavy_after([argv]) == []


def test_every_command_help_and_version_without_heavy_modules() -> None:
    """`linkgraph COMMAND --help` of every registered command, and `linkgraph --version` (which
    loads the C modules, pipelines._fastcolumns without its numpy and pyarrow), in one process."""
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    names = list(sub.choices)  # type: ignore[union-attr]
    assert len(names) >= len(COMMANDS)
    assert _heavy_after([[name, "--help"] for name in names] + [["--version"]]) == []


def test_version_prints_the_version_and_the_paths() -> None:
    """The C modules are still loaded to tell their paths: the same lines as this process."""
    done = _linkgraph("--version")
    assert (done.returncode, done.stderr) == (0, "")
    paths = speedups.active_paths()
    assert done.stdout.splitlines() == [f"linkgraph {__version__}"] + [
        f"{path}: {how}" for path, how in paths.items()
    ]


def test_help_prints_every_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    done = _linkgraph("--help")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == build_parser().format_help()
    listed = [line.split()[0] for line in done.stdout.splitlines() if line.startswith("    ")]
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert [name for name in listed if name in sub.choices] == list(sub.choices)  # type: ignore[operator]


def test_suffix_trie_read_without_tldextract_is_tldextracts() -> None:
    """`registrable_domain`'s trie is read from tldextract's bundled list by our own loop (no
    tldextract import): node for node, the trie tldextract builds from that list."""
    ours, theirs = canonical._suffixes(), canonical._extractor()._get_tld_extractor()
    stack = [((), ours, theirs.tlds_incl_private_trie)]
    nodes = 0
    while stack:
        path, mine, its = stack.pop()
        assert (path, mine.end) == (path, its.end)
        assert (path, sorted(mine.matches)) == (path, sorted(its.matches))
        stack.extend(((*path, k), mine.matches[k], its.matches[k]) for k in mine.matches)
        nodes += 1
    assert nodes > 9000  # the whole list (~9,800 rules), not an empty read
