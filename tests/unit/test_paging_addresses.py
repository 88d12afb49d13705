"""Sorting and paging of list rows; referring addresses grouped by subnet."""

from __future__ import annotations

import pytest

from crawler.analysis.addresses import IP_COLUMNS, ip_rows, subnet_of
from crawler.analysis.paging import page_rows, sql_limit
from crawler.errors import ConfigError

COLUMNS = ("d", "links", "rel")
ROWS = [("c", 2, ["nofollow"]), ("a", 5, []), ("b", 2, ["ugc"]), ("d", 5, ["a", "b"])]


def test_sort_keys_directions_and_ties() -> None:
    assert page_rows(COLUMNS, ROWS) == ROWS
    assert [r[0] for r in page_rows(COLUMNS, ROWS, sort="links")] == ["c", "b", "a", "d"]
    assert [r[0] for r in page_rows(COLUMNS, ROWS, sort="-links,d")] == ["a", "d", "b", "c"]
    assert [r[0] for r in page_rows(COLUMNS, ROWS, sort="rel")] == ["a", "d", "c", "b"]
    assert [r[0] for r in page_rows(COLUMNS, ROWS, offset=1, limit=2)] == ["a", "b"]
    assert page_rows(COLUMNS, ROWS, offset=9) == []
    with pytest.raises(ConfigError, match="--sort: no column 'x' \\(columns: d, links, rel\\)"):
        page_rows(COLUMNS, ROWS, sort="-x")


def test_sql_limit_leaves_the_cut_to_page_rows() -> None:
    assert sql_limit("", 0, None) is None
    assert sql_limit("", 3, 4) == 7
    assert sql_limit("-links", 3, 4) is None


def test_ip_rows_group_subnets() -> None:
    assert subnet_of("::ffff:10.1.2.3") == "10.1.2.0/24"
    assert subnet_of("2001:db8::1") == "2001:db8::/48"
    columns = ("ip", "ref_domains", "ref_pages", "links", "domains")
    rows = [
        ("203.0.113.9", 1, 1, 2, ["x.com"]),
        ("198.51.100.7", 2, 3, 4, ["a.com", "b.com"]),
        ("198.51.100.8", 2, 2, 2, ["b.com", "c.com"]),
        ("2001:db8:1::5", 1, 1, 1, ["v6.net"]),
    ]
    assert ip_rows(columns, rows) == [
        ("198.51.100.7", "198.51.100.0/24", 2, 3, 4, 3, ["a.com", "b.com"]),
        ("198.51.100.8", "198.51.100.0/24", 2, 2, 2, 3, ["b.com", "c.com"]),
        ("2001:db8:1::5", "2001:db8:1::/48", 1, 1, 1, 1, ["v6.net"]),
        ("203.0.113.9", "203.0.113.0/24", 1, 1, 2, 1, ["x.com"]),
    ]
    assert len(IP_COLUMNS) == len(ip_rows(columns, rows)[0])
