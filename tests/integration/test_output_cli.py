"""A hostile anchor stored in chDB, exported by the real commands: CSV neutralised unless --raw,
the table escaped, JSON lines as stored."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from crawler.records import OutLink, Page
from pipelines.store import open_store
from tests.helpers.e2e import linkgraph

ANCHOR = '=HYPERLINK("http://evil.example/","\x1b]0;owned\x07click")'


def _store(data: Path) -> None:
    with open_store(str(data / "store")) as store:
        store.migrate()
        store.insert(
            [Page(url="http://a.com/", host="a.com", domain="a.com", status=200, fetched_at=1e9)],
            [OutLink(src_url="http://a.com/", dst_url="http://b.org/", src_host="a.com",
                     src_domain="a.com", dst_host="b.org", dst_domain="b.org", anchor=ANCHOR,
                     is_external=True, fetched_at=1e9)],
        )  # fmt: skip


def test_backlinks_export_of_a_hostile_anchor(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _store(data)
    base = ["backlinks", "b.org", "--data", str(data)]

    def anchors(*extra: str) -> list[str]:
        out = linkgraph([*base, "--format", "csv", *extra]).stdout
        return [row["anchor"] for row in csv.DictReader(io.StringIO(out))]

    assert anchors() == ["'" + ANCHOR]
    assert anchors("--raw") == [ANCHOR]
    lines = linkgraph([*base, "--format", "jsonl"]).stdout.splitlines()
    assert [json.loads(line)["anchor"] for line in lines] == [ANCHOR]
    table = linkgraph(base).stdout
    assert "\x1b" not in table and "\x07" not in table
    assert "\\x1b]0;owned\\x07" in table
