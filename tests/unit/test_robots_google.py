"""Google's robots.txt matcher tests (google/robotstxt robots_test.cc) through the crawler's
robots decision, read from ../shared/conformance (skipped with a reason when absent).

Each `EXPECT_TRUE/FALSE(IsUserAgentAllowed(robotstxt, agent, url))` is asked of
`parse_robots(robotstxt).can_fetch(url, agent)`, the call `RobotsCache.check` makes, and each
`TestPath(url, path)` of the path rules are matched against; the differences left are listed in
`KNOWN` with the reason, and docs/ROBOTS.md says the same.
"""

from __future__ import annotations

from crawler.frontier import robots
from tests.helpers.conformance import RobotsCase, robots_cases

# (test, line) of each case the crawler answers differently, on purpose
KNOWN = {
    # can_fetch takes the crawler's whole User-Agent header and matches its product token
    # ("linkgraph/0.1 (+https://...)" -> "linkgraph"); Google's matcher expects a caller to pass
    # a valid token and so matches "Foo Bar" to no group, where we read it as "Foo".
    ("GoogleOnly_AcceptUserAgentUpToFirstSpace", 247),
}


def _answer(case: RobotsCase) -> object:
    if case.kind == "allowed":
        body, agent, url = case.args
        return robots.parse_robots(body).can_fetch(url, agent)
    if case.kind == "path":
        return robots._path_params_query(case.args[0])
    return robots._escaped(case.args[0])


def test_google_robots_cases() -> None:
    cases = robots_cases()
    counted = [case for case in cases if case.kind in ("allowed", "path")]
    differ = {(case.test, case.line) for case in counted if _answer(case) != case.expected}
    print(f"robots_test.cc: {len(counted) - len(differ)} of {len(counted)} as Google reads them")
    assert len(counted) == 164
    assert differ == KNOWN


def test_google_escape_cases() -> None:
    """robots.cc MaybeEscapePattern: how a rule's pattern is percent-encoded before matching."""
    escapes = [case for case in robots_cases() if case.kind == "escape"]
    assert len(escapes) == 4
    assert [_answer(case) for case in escapes] == [case.expected for case in escapes]


def test_crawl_delay_of_the_named_group_else_the_star_group() -> None:
    rules = robots.parse_robots(
        b"User-agent: *\nCrawl-delay: 5\nDisallow: /a\n\nUser-agent: linkgraph\nCrawl-delay: 2\n"
        b"Disallow: /b\n"
    )
    assert rules.crawl_delay("linkgraph/0.1 (+https://x)") == 2.0
    assert rules.crawl_delay("otherbot") == 5.0
    assert robots.parse_robots(b"User-agent: *\nCrawl-delay: soon\n").crawl_delay("x") is None


def test_unknown_lines_and_sitemaps_do_not_close_a_group() -> None:
    """Only a User-agent line after a rule opens a new group (robots_test.cc
    ID_LineSyntax_Groups_OtherRules): a Crawl-delay or Sitemap line between keeps it open."""
    rules = robots.parse_robots(
        b"User-agent: linkgraph\nCrawl-delay: 1\nSitemap: http://a.com/s.xml\nUser-agent: *\n"
        b"Disallow: /\n"
    )
    assert rules.can_fetch("http://a.com/x", "linkgraph") is False
    assert rules.can_fetch("http://a.com/x", "otherbot") is False
    assert rules.crawl_delay("linkgraph") == 1.0
