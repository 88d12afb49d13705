"""Issue 14: mistakes with paths give one line and the documented exit code, never a traceback,
and nothing is created where it should not be."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.store import open_store
from tests.helpers.e2e import linkgraph, one_clear_error


def _store(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    with open_store(str(data / "store")) as store:
        store.migrate()
    return data


def test_data_naming_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    proc = linkgraph(["crawl", "a.com", "--data", str(tmp_path / "f")], check=False)
    assert proc.returncode == 2
    one_clear_error(proc.stderr, f"--data {tmp_path / 'f'} is a file, not a directory")


def test_data_that_cannot_be_created() -> None:
    """/sys refuses a new directory even to root (as a read-only file system would)."""
    proc = linkgraph(["crawl", "a.com", "--data", "/sys/linkgraph-test"], check=False)
    assert proc.returncode == 2
    one_clear_error(proc.stderr, "--data /sys/linkgraph-test: cannot create it (")


@pytest.mark.parametrize(
    "command", [["crawl", "a.com"], ["backlinks", "a.com"], ["sql", "SELECT 1"]]
)
def test_data_inside_a_store(tmp_path: Path, command: list[str]) -> None:
    data = _store(tmp_path)
    inner = data / "store"
    before = sorted(p.name for p in inner.iterdir())
    proc = linkgraph([*command, "--data", str(inner)], check=False)
    assert proc.returncode == 2
    one_clear_error(proc.stderr, f"--data {inner} is inside the embedded store {inner}: "
                    f"give the data directory that holds it, --data {data}")  # fmt: skip
    assert sorted(p.name for p in inner.iterdir()) == before
