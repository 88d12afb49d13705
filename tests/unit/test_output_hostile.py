"""Crawled text in what we print and export: formulas neutralised in CSV (unless --raw), control
and bidi characters escaped in tables and `status`, the data itself kept in JSON lines."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from crawler.cli.app import build_parser
from crawler.cli.output import write_rows
from crawler.run.status import print_status
from crawler.terminal import redacted, visible

FORMULAS = [
    '=HYPERLINK("http://evil.example/","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\tTAB=1",
    "\r=1",
]
PLAIN = ["a.com", "2+2", "x=1", "Shoes & more", ""]
TERMINAL = {
    "\x1b]0;owned\x07": "\\x1b]0;owned\\x07",  # window title
    "\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\": "\\x1b]8;;http://evil/\\x1b\\link\\x1b]8;;\\x1b\\",
    "\x1b[31mred\x1b[0m": "\\x1b[31mred\\x1b[0m",
    "abc\u202etxt.exe": "abc\\u202etxt.exe",
    "a\u2066b\u2069": "a\\u2066b\\u2069",
    "bell\x07\x9b": "bell\\x07\\x9b",
    "tab\tstays": "tab\tstays",
    "caf\u00e9 \u00e4": "caf\u00e9 \u00e4",
}


def _csv(rows: list[tuple[object, ...]], tmp_path: Path, raw: bool = False) -> list[list[str]]:
    out = tmp_path / "x.csv"
    write_rows(["anchor", "n"], rows, "csv", out, raw=raw)
    return list(csv.reader(out.open(encoding="utf-8", newline="")))[1:]


def test_csv_neutralises_every_formula_start(tmp_path: Path) -> None:
    got = _csv([(text, -2) for text in FORMULAS], tmp_path)
    assert got == [["'" + text, "-2"] for text in FORMULAS]


def test_csv_leaves_plain_text_and_numbers(tmp_path: Path) -> None:
    assert _csv([(text, 3) for text in PLAIN], tmp_path) == [[text, "3"] for text in PLAIN]


def test_csv_raw_keeps_cells_as_stored(tmp_path: Path) -> None:
    got = _csv([(text, 1) for text in FORMULAS], tmp_path, raw=True)
    assert got == [[text, "1"] for text in FORMULAS]


def test_lists_are_neutralised_as_one_cell(tmp_path: Path) -> None:
    assert _csv([(["=a", "b"], 1)], tmp_path) == [["'=a;b", "1"]]


def test_jsonl_keeps_the_data(tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    write_rows(["anchor"], [(FORMULAS[0],), ("\x1b]0;x\x07",)], "jsonl", out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["anchor"] for line in lines] == [FORMULAS[0], "\x1b]0;x\x07"]


@pytest.mark.parametrize("text", list(TERMINAL))
def test_visible_escapes_controls_and_bidi(text: str) -> None:
    assert visible(text) == TERMINAL[text]


def test_table_prints_no_control_or_bidi_character(capsys: pytest.CaptureFixture[str]) -> None:
    write_rows(["anchor"], [(text,) for text in TERMINAL], "table", None)
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "\u202e" not in printed and "\x07" not in printed
    assert "\\x1b]0;owned\\x07" in printed


def test_status_escapes_hosts_and_worker_names() -> None:
    report = {
        "crawl_id": "c1", "state": "running", "counts": {}, "rate": 0.0, "rate_now": 0.0,
        "live_workers": [], "busiest": [("evil\x1b]0;x\x07.com", 3)], "now": 10.0,
        "workers": [{"worker": "w\u202e1", "ts": 9.0, "pages": 1, "rate": 0.5}],
    }  # fmt: skip
    out = io.StringIO()
    print_status(report, out)
    text = out.getvalue()
    assert "\x1b" not in text and "\u202e" not in text
    assert "busiest host: evil\\x1b]0;x\\x07.com (3 queued)" in text
    assert "worker w\\u202e1: stopped" in text


@pytest.mark.parametrize("command", ["backlinks", "refdomains", "anchors", "sql", "toxicity"])
def test_every_command_with_csv_output_takes_raw(command: str) -> None:
    args = ["x"] if command == "sql" else ["a.com"]
    parsed = build_parser().parse_args([command, *args, "--raw"])
    assert parsed.raw is True


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("clickhouse://linkgraph:s3cret@ch1:9000/lg", "clickhouse://linkgraph:***@ch1:9000/lg"),
        ("redis://:p%40ss@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
        ("clickhouse://ch1:9000/lg?cluster=lg", "clickhouse://ch1:9000/lg?cluster=lg"),
        ("/var/lib/linkgraph/store", "/var/lib/linkgraph/store"),
    ],
)
def test_a_password_in_a_server_url_is_never_shown(url: str, shown: str) -> None:
    assert redacted(url) == shown
