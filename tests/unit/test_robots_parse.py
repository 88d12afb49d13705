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


AGENT = "linkgraph/0.1 (+https://github.com/linkgraph/linkgraph)"


@pytest.mark.parametrize(
    "line",
    [
        "User-agent: linkgraph bot",
        "User-agent: linkgraph/1.0",
        "user-agent LinkGraph",
        "User-Agent:linkgraph # us",
    ],
)
def test_a_user_agent_line_names_its_product_token(line: str) -> None:
    """Google reads a User-agent value up to the first character outside [A-Za-z_-]: each of
    these lines names the group of our agent (GoogleOnly_AcceptUserAgentUpToFirstSpace)."""
    rules = parse_robots(
        f"User-agent: *\nDisallow: /\n\n{line}\nAllow: /x/\nDisallow: /\n".encode()
    )
    assert rules.can_fetch("http://a.com/x/y", AGENT) is True
    assert rules.can_fetch("http://a.com/z", AGENT) is False
    assert rules.can_fetch("http://a.com/x/y", "otherbot") is False


def test_crlf_lines_are_read_alike() -> None:
    rules = parse_robots(
        b"User-agent: *\r\nAllow: /\r\n\r\nUser-agent: linkgraph bot\r\nDisallow: /\r\n"
    )
    assert rules.can_fetch("http://a.com/x", AGENT) is False


def test_a_longer_token_is_another_agent() -> None:
    rules = parse_robots(b"User-agent: linkgraphs\nDisallow: /\n")
    assert rules.can_fetch("http://a.com/x", AGENT) is True
