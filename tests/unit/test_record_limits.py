"""Issue 14: hosts that no real host can be are refused as seeds and dropped as links."""

from __future__ import annotations

import pytest

from crawler.scope.limits import MAX_URL_LENGTH, bad_host, link_refusal
from crawler.scope.seeds import parse_seed


@pytest.mark.parametrize(
    ("host", "char"),
    [("ev\x1bil.com", "\x1b"), ("ev%1Bil.com", "\x1b"), ("a\u202eb.com", "\u202e"),
     ("a\u200bb.com", "\u200b"), ("a%20b.com", " "), ("a\x7fb.com", "\x7f")],
)  # fmt: skip
def test_bad_hosts(host: str, char: str) -> None:
    assert bad_host(host) == f"control character {char!r} in host {host!r}"


@pytest.mark.parametrize("host", ["example.com", "xn--bcher-kva.de", "bücher.de", "127.0.0.1:80"])
def test_good_hosts(host: str) -> None:
    assert bad_host(host) is None


def test_link_refusals() -> None:
    assert link_refusal("http://a.com/" + "x" * MAX_URL_LENGTH, "a.com") == "long_url"
    assert link_refusal("http://a%01.com/", "a%01.com") == "bad_host"
    assert link_refusal("http://a.com/" + "x" * (MAX_URL_LENGTH - 13), "a.com") is None


def test_a_seed_with_an_escape_in_its_host_is_refused() -> None:
    with pytest.raises(ValueError, match=r"control character '\\x1b' in host"):
        parse_seed("http://ev%1Bil.com/")
