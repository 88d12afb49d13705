"""Mistakes against a real chDB store: one line and the exit code, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipelines.store import open_store
from tests.helpers.e2e import linkgraph, one_clear_error

ROOT = Path(__file__).resolve().parents[2]


def _data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    with open_store(str(data / "store")) as store:
        store.migrate()
    return data


def test_two_statements_in_sql(tmp_path: Path) -> None:
    proc = linkgraph(["sql", "SELECT 1; SELECT 2", "--data", str(_data(tmp_path))], check=False)
    assert proc.returncode == 1
    one_clear_error(proc.stderr, "one statement at a time")


def test_output_piped_into_head(tmp_path: Path) -> None:
    """The reader closes the pipe after one line: one line on stderr, exit 1, no traceback."""
    command = [sys.executable, "-m", "crawler.cli.app", "sql", "SELECT number FROM numbers(300000)",
               "--data", str(_data(tmp_path)), "--format", "csv"]  # fmt: skip
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline() == b"number\r\n"  # the csv module ends rows with CRLF
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 1
    one_clear_error(err, "broken pipe")
