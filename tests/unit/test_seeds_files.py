"""Seeds files as editors write them (a byte order mark, CRLF line ends), and seeds too long to
crawl refused with their line, not counted and dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.errors import SeedError
from crawler.scope.seeds import load_seeds
from crawler.urls.canonical import MAX_URL_LENGTH


def test_bom_and_crlf(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.txt"
    seeds.write_bytes(b"\xef\xbb\xbfa.com\r\n# a comment\r\nhttps://b.org/x\r\n")
    assert load_seeds([], seeds) == ["http://a.com/", "https://b.org/x"]


def test_a_seed_longer_than_a_url_may_be(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("a.com\nhttp://b.org/" + "x" * MAX_URL_LENGTH + "\n")
    with pytest.raises(SeedError, match=rf"seeds.txt:2: longer than {MAX_URL_LENGTH}"):
        load_seeds([], seeds)


def test_the_longest_url_still_passes() -> None:
    url = "http://b.org/" + "x" * (MAX_URL_LENGTH - len("http://b.org/"))
    assert load_seeds([url], None) == [url]
