"""Parts of a query chosen by a parameter at render time (pipelines/sqlparams.py; no server).

The rows each choice gives, on chDB and clickhouse-server 18.16, are checked by the query tests
(tests/integration/test_queries_history.py, tests/integration/test_lost_reasons.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from crawler.analysis.queries import backlinks_params
from crawler.errors import QueryError
from pipelines.named_queries import load_query
from pipelines.sqlparams import render

DOMAIN = {"mode": "domain", "target": "", "narrowed": 0}  # the whole domain, as run_named sets

SQL = (
    "SELECT {a:UInt32}\n"
    "    -- when: lost\n"
    "    UNION ALL SELECT {b:String}\n"
    "    -- end: lost\n"
    "LIMIT 1\n"
)


@pytest.mark.parametrize("unset", [0, "", [], None, False, 0.0])
def test_an_unset_parameter_leaves_its_part_out(unset: object) -> None:
    assert render(SQL, {"a": 1, "b": "x", "lost": unset}) == "SELECT 1\nLIMIT 1\n"


@pytest.mark.parametrize("value", [1, "x", [1], datetime(2024, 1, 1, tzinfo=UTC), True])
def test_a_set_parameter_keeps_its_part_without_the_markers(value: object) -> None:
    assert render(SQL, {"a": 1, "b": "x", "lost": value}) == (
        "SELECT 1\n    UNION ALL SELECT 'x'\nLIMIT 1\n"
    )


def test_a_left_out_part_still_takes_its_parameters() -> None:
    # One contract whichever part is kept: a caller never adds or drops a parameter by value.
    with pytest.raises(QueryError, match=r"missing parameter\(s\): b"):
        render(SQL, {"a": 1, "lost": 0})


@pytest.mark.parametrize(
    ("sql", "params", "message"),
    [
        ("SELECT 1\n-- when: nope\nx\n-- end: nope\n", {}, "missing parameter(s): nope"),
        ("SELECT 1\n", {"lost": 1}, "unknown parameter(s): lost"),
        ("SELECT 1\n-- when: lost\nx\n", {"lost": 1}, "'-- when: lost' without its pair"),
        ("SELECT 1\n-- when: lost\nx\n-- end: other\n", {"lost": 1}, "'-- when: lost' without"),
        ("SELECT 1\n-- when: lost\n-- end: lost\n-- end: lost\n", {"lost": 1}, "'-- end: lost'"),
    ],
)
def test_a_bad_part_is_an_error(sql: str, params: dict[str, int], message: str) -> None:
    with pytest.raises(QueryError, match=re.escape(message)) as caught:
        render(sql, params, query="query 'q'")
    assert "query 'q'" in str(caught.value)


def test_a_plain_backlinks_page_never_sends_the_lost_links_part() -> None:
    params = {**backlinks_params("example.com", limit=100), **DOMAIN}
    params["lost_after_errors"] = 3
    plain = render(load_query("backlinks_report"), params)
    lost = render(
        load_query("backlinks_report"), {**params, "lost_since": datetime(2024, 1, 1, tzinfo=UTC)}
    )
    # lost_links.sql's own text (fragments/lost_links.sql): in the query only with lost_since.
    assert "'page error'" not in plain and "UNION ALL" not in plain
    assert "'page error'" in lost and "UNION ALL" in lost
    assert not re.search(r"^\s*-- (when|end):", plain + lost, re.MULTILINE)


ELSE_SQL = (
    "SELECT {a:UInt32}\n"
    "FROM t\n"
    "-- when: names\n"
    "WHERE name IN {names:Array(String)}\n"
    "-- else: names\n"
    "WHERE name IN (SELECT name FROM u)\n"
    "-- end: names\n"
    "LIMIT 1\n"
)


def test_an_else_part_is_kept_when_its_parameter_is_unset() -> None:
    got = render(ELSE_SQL, {"a": 1, "names": []})
    assert got == "SELECT 1\nFROM t\nWHERE name IN (SELECT name FROM u)\nLIMIT 1\n"


def test_an_else_part_is_left_out_when_its_parameter_is_set() -> None:
    got = render(ELSE_SQL, {"a": 1, "names": ["x"]})
    assert got == "SELECT 1\nFROM t\nWHERE name IN ['x']\nLIMIT 1\n"


def test_an_else_of_another_part_is_an_error() -> None:
    sql = "SELECT 1\n-- when: a\nx\n-- else: b\ny\n-- end: a\n"
    with pytest.raises(QueryError, match=re.escape("'-- else: b' without its pair")):
        render(sql, {"a": 1})


def test_a_shortlisted_backlinks_page_reads_no_link_fetches_in_its_lookups() -> None:
    params = {**backlinks_params("example.com", limit=100), **DOMAIN}
    params["lost_after_errors"] = 3
    whole = render(load_query("backlinks_report"), params)
    page = render(load_query("backlinks_report"), {**params, "src_domains": ["a.org"]})
    # The live rows' one read (their first/last seen from the same scan); the whole query
    # adds its lookups' reads.
    assert page.count("FROM link_fetches") == 1
    assert whole.count("FROM link_fetches") == 5
    assert "OR domain IN" not in page + whole and "empty([" not in page + whole
    # The links' own filter only on a page: the whole query builds no empty set for it.
    assert "src_domain IN tuple('a.org')" in page
    assert "tuple('a.org')" not in whole and "arrayJoin" not in whole


def test_lost_links_of_a_shortlist_read_its_domains_inside_the_lost_part() -> None:
    params = {**backlinks_params("example.com", limit=100), **DOMAIN}
    params.update(lost_after_errors=3, lost_since=datetime(2024, 1, 1, tzinfo=UTC))
    page = render(load_query("backlinks_report"), {**params, "src_domains": ["a.org"]})
    whole = render(load_query("backlinks_report"), params)
    # src_domains parts nested in the lost_since part: chosen once it is kept.
    assert page.count("src_domain IN tuple('a.org')") == 7
    assert "arrayJoin" not in whole and "'page error'" in page and "'page error'" in whole
    assert not re.search(r"^\s*-- (when|else|end):", page + whole, re.MULTILINE)


def test_parts_of_other_names_nest() -> None:
    sql = "A\n-- when: x\nB\n-- when: y\nC\n-- else: y\nD\n-- end: y\n-- end: x\nE\n"
    assert render(sql, {"x": 1, "y": 1}) == "A\nB\nC\nE\n"
    assert render(sql, {"x": 1, "y": 0}) == "A\nB\nD\nE\n"
    assert render(sql, {"x": 0, "y": 1}) == "A\nE\n"


def test_a_page_of_referring_domains_reads_the_target_range_once() -> None:
    params = {"domain": "example.com", "country": "", "mode": "domain", "target": "", "narrowed": 0}
    whole = render(load_query("refdomains_report"), {**params, "src_domains": []})
    page = render(load_query("refdomains_report"), {**params, "src_domains": ["a.org"]})
    assert page.count("FROM link_fetches") == 1
    assert whole.count("FROM link_fetches") == 4
    assert "arrayJoin" not in whole


def test_a_set_is_a_tuple_of_checked_literals() -> None:
    sql = "SELECT 1 WHERE x IN {names:Set(String)}"
    assert render(sql, {"names": ["b.org", "it's.com"]}) == (
        "SELECT 1 WHERE x IN tuple('b.org', 'it\\'s.com')"
    )
    # tuple() takes no empty list: an empty subquery, still a set.
    assert render(sql, {"names": []}) == (
        "SELECT 1 WHERE x IN (SELECT arrayJoin(CAST([] AS Array(String))))"
    )
    with pytest.raises(QueryError, match="must be a list for Set"):
        render(sql, {"names": "a.org"})
    with pytest.raises(QueryError, match="must be a string"):
        render(sql, {"names": [1]})


def test_a_part_may_hold_one_of_its_own_name() -> None:
    # refdomains_bounds' narrowed part holds target_match's (fragments keep their markers).
    sql = "A\n-- when: x\nB\n-- when: x\nC\n-- else: x\nD\n-- end: x\n-- else: x\nE\n-- end: x\n"
    assert render(sql, {"x": 1}) == "A\nB\nC\n"
    assert render(sql, {"x": 0}) == "A\nE\n"


@pytest.mark.parametrize(("mode", "narrowed"), [("domain", 0), ("host", 1), ("exact", 1)])
def test_the_whole_domain_reads_no_target_condition(mode: str, narrowed: int) -> None:
    params = {**backlinks_params("example.com", limit=100), "mode": mode, "target": "x"}
    params.update(lost_after_errors=3, src_domains=[], narrowed=narrowed)
    page = render(load_query("backlinks_report"), params)
    target = {"domain": "example.com", "mode": mode, "target": "x", "narrowed": narrowed}
    bounds = render(load_query("refdomains_bounds"), {**target, "limit": 9})
    for sql in (page, bounds):
        assert ("dst_host = 'x'" in sql) == bool(narrowed)
        assert ("FROM domain_link_rows" in sql) == (sql is bounds and not narrowed)
        assert not re.search(r"^\s*-- (when|else|end):", sql, re.MULTILINE)
