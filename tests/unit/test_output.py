"""Query output formats: table, CSV with a header, JSON lines."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from crawler.cli.output import write_rows
from crawler.errors import ConfigError

COLUMNS = ["ref_domain", "competitors", "first_seen"]
ROWS = [("ä.com", ["b.com", "c.com"], dt.datetime(2026, 1, 2, 3, 4, 5))]


def test_csv(tmp_path: Path) -> None:
    out = tmp_path / "gap.csv"
    write_rows(COLUMNS, ROWS, "csv", out)
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows == [COLUMNS, ["ä.com", "b.com;c.com", "2026-01-02 03:04:05"]]


def test_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "gap.jsonl"
    write_rows(COLUMNS, ROWS, "jsonl", out)
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record == {
        "ref_domain": "ä.com",
        "competitors": ["b.com", "c.com"],
        "first_seen": "2026-01-02 03:04:05",
    }


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    write_rows(COLUMNS, ROWS, "table", None)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == COLUMNS
    assert lines[2].split() == ["ä.com", "b.com", "c.com", "2026-01-02", "03:04:05"]
    assert lines[-1] == "(1 rows)"


def test_unknown_format() -> None:
    with pytest.raises(ConfigError, match="--format"):
        write_rows(COLUMNS, ROWS, "xml", None)


def test_unwritable_out(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot write"):
        write_rows(COLUMNS, ROWS, "csv", tmp_path / "missing" / "x.csv")
