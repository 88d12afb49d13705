"""Seeds, scope and option validation: bad input names what was wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import CrawlConfig
from crawler.errors import ConfigError, SeedError
from crawler.scope.rules import Scope
from crawler.scope.seeds import load_seeds, parse_seed


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("example.com", "http://example.com/"),
        ("WWW.Example.CO.UK", "http://www.example.co.uk/"),
        ("shop.example.de/", "http://shop.example.de/"),
        ("https://a.com/x?y=1#frag", "https://a.com/x?y=1"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/"),
        ("bücher.de", "http://xn--bcher-kva.de/"),
    ],
)
def test_seed_forms(text: str, url: str) -> None:
    assert parse_seed(text) == url


@pytest.mark.parametrize("text", ["foo", "not a seed!!", "ftp://a.com/", "http://", "a..com"])
def test_bad_seed_says_why(text: str) -> None:
    with pytest.raises(ValueError, match="URL"):
        parse_seed(text)


def test_seeds_file_comments_and_dedupe(tmp_path: Path) -> None:
    path = tmp_path / "seeds.txt"
    path.write_text("# competitors\nexample.com\n\nhttp://b.co.uk/  # their blog\nexample.com\n")
    assert load_seeds(["c.de"], path) == ["http://c.de/", "http://example.com/", "http://b.co.uk/"]


def test_bad_seed_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "seeds.txt"
    path.write_text("example.com\n# fine\nthis is not a seed\n")
    with pytest.raises(SeedError) as err:
        load_seeds([], path)
    assert str(err.value).startswith(f"{path}:3: neither a URL nor a domain")


def test_missing_seeds_file(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="cannot read seeds file"):
        load_seeds([], tmp_path / "nope.txt")


def test_scope_modes() -> None:
    seeds = ["http://www.example.co.uk/"]
    assert Scope("host", seeds).allows("http://www.example.co.uk/a", 1)
    assert not Scope("host", seeds).allows("http://blog.example.co.uk/a", 1)
    assert Scope("domain", seeds).allows("http://blog.example.co.uk/a", 1)
    assert not Scope("domain", seeds).allows("http://example.com/", 1)
    assert Scope("any", seeds).allows("http://example.com/", 1)


def test_scope_patterns_and_depth() -> None:
    scope = Scope(
        "domain", ["http://a.com/"], include=[r"/blog/"], exclude=[r"\?page="], max_depth=2
    )
    assert scope.allows("http://a.com/blog/x", 2)
    assert not scope.allows("http://a.com/blog/x", 3)
    assert not scope.allows("http://a.com/shop/x", 1)
    assert not scope.allows("http://a.com/blog/x?page=2", 1)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"workers": 0}, "--workers"),
        ({"include": ["("]}, "--include '\\(' is not a valid regular expression"),
        ({"host_delay": -1}, "--host-delay"),
        ({"host_concurrency": 0}, "--host-concurrency"),
        ({"proxy": "socks5://x:1"}, "--proxy"),
        ({"redis": "http://x"}, "--redis"),
        ({"clickhouse": "mysql://x/db"}, "--clickhouse"),
        ({"crawl_id": "a b"}, "--crawl-id"),
    ],
)
def test_bad_options_are_named(changes: dict[str, object], message: str) -> None:
    config = CrawlConfig(seeds=["http://a.com/"], **changes)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=message):
        config.validate()


def test_policy_round_trip() -> None:
    config = CrawlConfig(seeds=["http://a.com/"], host_delay=0.25, exclude=["x"]).validate()
    # The safety policy (--exclude here) is the worker's own, and must be the crawl's.
    joined = CrawlConfig(redis="redis://h:1/0", clickhouse="clickhouse://h:9000/db", exclude=["x"])
    joined.with_policy(config.policy())
    assert (joined.seeds, joined.host_delay, joined.exclude) == (["http://a.com/"], 0.25, ["x"])
    assert joined.crawl_id == config.crawl_id
    assert joined.clickhouse == "clickhouse://h:9000/db"
