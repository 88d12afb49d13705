"""The public suffix list's own test file (publicsuffix/list tests/test_psl.txt) against
`registrable_domain`, read from ../shared/conformance (skipped with a reason when absent).

`checkPublicSuffix(host, expected)`: the host is lowercased first, as `host_of` does for every
URL; an expected `null` means the host has no registrable domain (it is a public suffix, or
starts with a dot), which `registrable_domain` says by returning the host unchanged while a
label put in front of it is a domain of its own.
"""

from __future__ import annotations

import re

import pytest

from crawler.urls import canonical as urls
from tests.helpers.conformance import CONFORMANCE

pytestmark = pytest.mark.usefixtures("speed_path")  # each test on the C and the Python path

PSL_TESTS = CONFORMANCE / "test_psl.txt"
_CASE = re.compile(r"^checkPublicSuffix\((null|'[^']*'), (null|'[^']*')\);", re.MULTILINE)


def _cases() -> list[tuple[str, str | None]]:
    text = PSL_TESTS.read_text(encoding="utf-8")
    cases = []
    for host, expected in _CASE.findall(text):
        if host == "null":  # no host at all: not a question a URL can ask
            continue
        cases.append((host.strip("'"), None if expected == "null" else expected.strip("'")))
    return cases


def _answer(host: str) -> str | None:
    urls.registrable_domain.cache_clear()
    host = host.lower()
    found = urls.registrable_domain(host)
    if found == host and urls.registrable_domain(f"x.{host}") == f"x.{host}":
        return None  # the host is a suffix: one more label is itself registrable
    return found


@pytest.mark.skipif(not PSL_TESTS.exists(), reason=f"{PSL_TESTS} absent (shared conformance data)")
def test_public_suffix_list_tests() -> None:
    cases = _cases()
    failed = [(host, expected, _answer(host)) for host, expected in cases]
    failed = [case for case in failed if case[1] != case[2]]
    print(f"public suffix tests: {len(cases) - len(failed)} of {len(cases)}")
    assert len(cases) == 77
    assert failed == []
