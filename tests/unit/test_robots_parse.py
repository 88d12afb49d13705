"""robots.txt bodies as Google's parser reads them (crawler.frontier.robots.parse_robots)."""

from __future__ import annotations

import pytest

from crawler.frontier.robots import parse_robots

BODY = b"User-agent: *\nDisallow: /private\n"


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf", b"\xef\xbb", b"\xef"])
def test_a_leading_byte_order_mark_is_skipped(bom: bytes) -> None:
    """Full or partial, a BOM opening the file keeps its first group (Google's
    ID_UTF8ByteOrderMarkIsSkipped): read as text it hid the User-agent line."""
    rules = parse_robots(bom + BODY)
    assert rules.can_fetch("http://a.com/private/x", "linkgraph") is False
    assert rules.can_fetch("http://a.com/public", "linkgraph") is True


def test_a_byte_order_mark_inside_the_file_is_garbage() -> None:
    """Only the start is skipped: a BOM before a later line spoils that line alone."""
    rules = parse_robots(b"User-agent: *\n\xef\xbb\xbfDisallow: /private\nDisallow: /admin\n")
    assert rules.can_fetch("http://a.com/private/x", "linkgraph") is True
    assert rules.can_fetch("http://a.com/admin", "linkgraph") is False
