"""The named-query loader: fragments written once and included, never pasted (no server).

The rows the resolved queries give, on chDB and clickhouse-server 18.16, are checked by the query
tests (tests/e2e/test_queries.py, tests/integration/test_queries_history.py, test_store.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.errors import QueryError
from pipelines.named_queries import QUERIES_DIR, load_query, query_names, resolve_includes

FRAGMENTS = sorted((QUERIES_DIR / "fragments").glob("*.sql"))


def _body(path: Path) -> str:
    """The fragment as a query includes it: its comments out, its parts' markers in."""
    lines = path.read_text().splitlines()
    return "\n".join(line for line in lines if not line.startswith("--") or _MARKER.match(line))


_MARKER = re.compile(r"--\s*(when|else|end):")


def _pasted(fragment: Path) -> re.Pattern[str]:
    """The fragment's SQL with any text in its slots and any spacing: a pasted copy of it."""
    parts = re.split(r"\$[a-z_]+", _body(fragment).strip())
    literal = [r"\s*".join(map(re.escape, re.findall(r"[()]|[^\s()]+", part))) for part in parts]
    return re.compile(r"[\s\S]+?".join(literal))


def test_there_are_fragments_and_each_is_included() -> None:
    assert {path.stem for path in FRAGMENTS} >= {"current_fetches", "crawl_fetches"}
    texts = [(QUERIES_DIR / f"{name}.sql").read_text() for name in query_names()]
    for fragment in FRAGMENTS:
        assert any(f"-- include: {fragment.stem}(" in text for text in texts), fragment.stem


def test_no_named_query_pastes_a_fragment() -> None:
    for name in query_names():
        raw = (QUERIES_DIR / f"{name}.sql").read_text()
        for fragment in FRAGMENTS:
            assert not _pasted(fragment).search(raw), f"{name}.sql pastes {fragment.name}"


def test_the_paste_pattern_finds_each_included_fragment() -> None:
    # Without this, a pattern that never matches would let the test above pass on a paste.
    resolved = "\n".join(load_query(name) for name in query_names())
    for fragment in FRAGMENTS:
        assert _pasted(fragment).search(resolved), fragment.name


def test_current_link_set_is_included_by_the_queries_of_current_links() -> None:
    including = {
        name
        for name in query_names()
        if "-- include: current_fetches(" in (QUERIES_DIR / f"{name}.sql").read_text()
    }
    assert including == {
        "anchors", "backlinks", "backlinks_report", "broken", "gap", "gap_report", "refdomains",
        "refdomains_report", "report_anchors", "report_links", "report_pages", "report_totals",
        "toxicity_backlinks", "toxicity_templates", "top_pages", "linked_domains", "referring_ips",
        "contacts",
    }  # fmt: skip


def test_every_query_loads_with_no_include_left() -> None:
    for name in query_names():
        sql = load_query(name)
        assert "include:" not in sql and not re.search(r"\$[a-z_]", sql), name


@pytest.fixture
def queries(tmp_path: Path) -> Path:
    (tmp_path / "fragments").mkdir()
    (tmp_path / "fragments" / "latest.sql").write_text(
        "-- doc: left out\n"
        "SELECT url, max(fetch_us)\nFROM page_fetches\nWHERE $pages\nGROUP BY url\n"
    )
    return tmp_path


def _query(queries: Path, include: str) -> str:
    (queries / "q.sql").write_text(f"SELECT 1\nWHERE x IN\n(\n    -- include: {include}\n)\n")
    return load_query("q", queries)


def test_include_is_replaced_by_the_fragment_indented_with_its_slots_filled(
    queries: Path,
) -> None:
    assert _query(queries, "latest(pages: domain = {domain:String})") == (
        "SELECT 1\nWHERE x IN\n(\n"
        "    SELECT url, max(fetch_us)\n    FROM page_fetches\n    WHERE domain = {domain:String}\n"
        "    GROUP BY url\n)\n"
    )


def test_arguments_are_separated_by_semicolons(tmp_path: Path) -> None:
    (tmp_path / "two.sql").write_text("SELECT $a, $b\n")
    sql = resolve_includes("-- include: two(a: f(1, 2); b: 'x')", tmp_path)
    assert sql == "SELECT f(1, 2), 'x'"


@pytest.mark.parametrize(
    ("include", "message"),
    [
        ("nope(pages: 1)", "unknown fragment 'nope' (known: latest)"),
        ("latest()", "no argument for $pages"),
        ("latest(pages: 1; rows: 2)", "no slot for rows"),
        ("latest(pages 1)", "bad include argument 'pages 1'"),
        ("latest(pages: 1; pages: 2)", "bad include argument 'pages: 2'"),
        ("latest pages: 1", "bad include line '-- include: latest pages: 1'"),
    ],
)
def test_a_bad_include_is_an_error(queries: Path, include: str, message: str) -> None:
    with pytest.raises(QueryError, match=re.escape(message)) as caught:
        _query(queries, include)
    assert "query 'q'" in str(caught.value)


def test_fragments_do_not_nest(queries: Path) -> None:
    (queries / "fragments" / "outer.sql").write_text("SELECT 1\n-- include: latest(pages: 1)\n")
    with pytest.raises(QueryError, match="fragment 'outer' includes another"):
        _query(queries, "outer()")


def test_unknown_query_names_the_known_ones(queries: Path) -> None:
    (queries / "q.sql").write_text("SELECT 1\n")
    with pytest.raises(QueryError, match=r"unknown query 'nope' \(known: q\)"):
        load_query("nope", queries)
    with pytest.raises(QueryError, match="unknown query"):
        load_query("../q", queries)
