"""Issue 14: mistakes with paths give one line and the documented exit code, never a traceback,
and nothing is created where it should not be."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.store import open_store
from tests.helpers.e2e import linkgraph, one_clear_error
from tests.helpers.samples import GRAPH, T2


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


def _graph(tmp_path: Path) -> Path:
    data = _store(tmp_path)
    with open_store(str(data / "store")) as store:
        for pages, links in GRAPH:
            store.insert(pages, links)
    return data


def test_a_live_link_has_no_lost_at(tmp_path: Path) -> None:
    """t.com: d.com links to it now; f.com did at T0 and no more at T2 (lost then)."""
    data = _graph(tmp_path)

    def rows(*args: str) -> list[tuple[str, str, str | None]]:
        proc = linkgraph(["backlinks", "t.com", *args, "--format", "jsonl", "--data", str(data)])
        found = [json.loads(line) for line in proc.stdout.splitlines()]
        return sorted((r["src_url"], r["status"], r["lost_at"]) for r in found)

    assert rows() == [("http://d.com/1", "live", None)]
    lost_at = str(datetime.fromtimestamp(T2, UTC))
    assert rows("--lost-since", "2023-01-01") == [("http://f.com/1", "lost", lost_at)]
    table = linkgraph(["backlinks", "t.com", "--data", str(data)]).stdout
    assert "http://d.com/1" in table and "1970" not in table


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["backlinks", "c1.com", "--section", "body"], "--section: invalid choice: 'body'"),
        (["backlinks", "c1.com", "--kind", "img"], "--kind: invalid choice: 'img'"),
        (["changes", "c1.com", "--from-crawl", "nope", "--to-crawl", "c1"], "no crawl 'nope'"),
        (["changes", "c1.com", "--from-crawl", "c1", "--to-crawl", "c2"], "no crawl 'c2'"),
    ],
)  # fmt: skip
def test_a_filter_that_matches_nothing_by_mistake(
    tmp_path: Path, args: list[str], said: str
) -> None:
    proc = linkgraph([*args, "--data", str(_graph(tmp_path))], check=False)
    assert proc.returncode == 2
    assert said in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_authority_on_an_empty_store(tmp_path: Path) -> None:
    data = _store(tmp_path)
    proc = linkgraph(["authority", "--data", str(data)], check=False)
    assert proc.returncode == 2
    one_clear_error(proc.stderr, "holds no pages yet: crawl or import first")


def test_a_store_whose_lock_cannot_be_written(tmp_path: Path) -> None:
    """As on a read-only copy (root writes through permissions, so the lock file is made a
    directory here): one line naming the lock file and why, exit 1, no traceback."""
    data = _store(tmp_path)
    lock = data / "store" / ".linkgraph.lock"
    lock.unlink()
    lock.mkdir()
    proc = linkgraph(["backlinks", "c1.com", "--data", str(data)], check=False)
    assert proc.returncode == 1
    one_clear_error(proc.stderr, f"its lock file {lock} cannot be written (Is a directory)")
