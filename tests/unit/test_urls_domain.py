"""urls.registrable_domain's direct walk of the public suffix trie against tldextract itself.

Every ICANN rule of the bundled list is asked about as the suffix itself and under one, two
and three more labels (wildcards with a stand-in label, exceptions with theirs), plus generated
hosts: the answer must be tldextract's, exactly.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler import speedups
from crawler.urls import canonical as urls
from tests.helpers.examples import examples

try:
    from crawler.urls import _fasturls as FAST
except ImportError:  # not built: the speed_path fixture fails the C test here, saying why
    FAST = None
pytestmark = pytest.mark.usefixtures("speed_path")  # each test on the C and the Python path


def _tldextract(host: str) -> str:
    """tldextract's answer, with the list's implicit "*" rule for a host under no rule (the
    last label is the suffix; tldextract gives no suffix there), IPv4-like hosts kept, and a
    host with an empty label (not a domain name; a trailing dot is gone before) kept."""
    if not host or ".." in host or host[0] == ".":
        return host
    found = urls._extractor()(host)
    if found.suffix:
        return f"{found.domain}.{found.suffix}" if found.domain else host
    labels = host.split(".")
    if len(labels) < 2 or labels[-1].isdigit() or "" in labels:
        return host
    return ".".join(labels[-2:])


def _rules(node: object = None, path: tuple[str, ...] = ()) -> Iterator[str]:
    node = urls._suffixes() if node is None else node
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
    assert asked > 40_000  # the bundled list has ~7,000 ICANN and ~2,000 private rules


_LABELS = ["com", "co", "uk", "ck", "www", "jp", "kawasaki", "city", "x", "a-b", "1", "0", "255",
           "xn--p1ai", "рф", "", "EXAMPLE", "github", "io", "blogspot"]  # fmt: skip


@settings(max_examples=examples(2000), deadline=None)
@given(st.lists(st.sampled_from(_LABELS), min_size=1, max_size=5).map(".".join))
def test_generated_hosts(host: str) -> None:
    assert _ask(host) == _tldextract(host)


@pytest.mark.parametrize("speed_path", ["c"], indirect=True)  # compares both itself
@settings(max_examples=examples(2000), deadline=None)
@given(st.lists(st.sampled_from([*_LABELS, "xn--", "-", "é", "."]), min_size=1, max_size=6))
def test_c_walk_equals_python(labels: list[str]) -> None:
    """The C walk answers what the Python walk answers, or leaves the host to it (None)."""
    host = ".".join(labels)
    found = FAST.registrable(host, urls._suffixes())
    with speedups.python_only():
        python = _ask(host)
    assert found is None or found == python
    if host.isascii() and host == host.lower() and "xn--" not in host and ".." not in host:
        assert (found is None) == (not host or host[0] == "." or host[-1] == ".")
