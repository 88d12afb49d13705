"""urls.registrable_domain's direct walk of the public suffix trie against tldextract itself.

Every ICANN rule of the bundled list is asked about as the suffix itself and under one, two
and three more labels (wildcards with a stand-in label, exceptions with theirs), plus generated
hosts: the answer must be tldextract's, exactly.
"""

from __future__ import annotations

from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler import urls


def _tldextract(host: str) -> str:
    found = urls._EXTRACT(host)
    return f"{found.domain}.{found.suffix}" if found.suffix and found.domain else host


def _rules(node: object = None, path: tuple[str, ...] = ()) -> Iterator[str]:
    node = urls._SUFFIXES if node is None else node
    for label, child in node.matches.items():  # type: ignore[attr-defined]
        yield ".".join((label, *path))
        yield from _rules(child, (label, *path))


def _ask(host: str) -> str:
    urls.registrable_domain.cache_clear()
    return urls.registrable_domain(host)


def test_every_rule_and_hosts_under_it() -> None:
    asked = 0
    for rule in _rules():
        suffix = rule.replace("*", "wild").lstrip("!")
        for host in (suffix, f"x.{suffix}", f"a.x.{suffix}", f"www.{suffix}", f"b-1.www.{suffix}"):
            assert _ask(host) == _tldextract(host), host
            asked += 1
    assert asked > 30_000  # the bundled list has ~7,000 ICANN rules


_LABELS = ["com", "co", "uk", "ck", "www", "jp", "kawasaki", "city", "x", "a-b", "1", "0", "255",
           "xn--p1ai", "рф", "", "EXAMPLE", "github", "io", "blogspot"]  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_LABELS), min_size=1, max_size=5).map(".".join))
def test_generated_hosts(host: str) -> None:
    assert _ask(host) == _tldextract(host)
