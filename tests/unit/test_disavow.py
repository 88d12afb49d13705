"""Disavow files: written and read back, format checked line by line, bad lines named."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.analysis.disavow import MAX_LINES, format_disavow, parse_disavow, read_disavow
from crawler.errors import ConfigError, InputFileError


def test_written_file_reads_back(tmp_path: Path) -> None:
    text = format_disavow(
        [("spam.example", "score 0.91: sitewide footer links"), ("bad.co.uk", "")],
        [("http://ok.example/bought-link.html", "sponsored without rel")],
        header="linkgraph disavow for mysite.com\nmin score 0.8",
    )
    assert text.splitlines() == [
        "# linkgraph disavow for mysite.com",
        "# min score 0.8",
        "# score 0.91: sitewide footer links",
        "domain:spam.example",
        "domain:bad.co.uk",
        "# sponsored without rel",
        "http://ok.example/bought-link.html",
    ]
    path = tmp_path / "disavow.txt"
    path.write_text(text, encoding="utf-8")
    back = read_disavow(path)
    assert back.domains == {"spam.example", "bad.co.uk"}
    assert back.urls == {"http://ok.example/bought-link.html"}
    assert back.excludes("http://x.spam.example/", "spam.example")
    assert not back.excludes("http://ok.example/other", "ok.example")


def test_subdomain_entry_means_its_registrable_domain() -> None:
    assert parse_disavow(["domain:www.spam.co.uk"], "f").domains == {"spam.co.uk"}


@pytest.mark.parametrize("line", ["domain:", "domain:a b.com", "not a url", "ftp://x.com/"])
def test_bad_line_is_named(line: str) -> None:
    with pytest.raises(InputFileError, match=r"^f:2: "):
        parse_disavow(["# ok", line], "f")


def test_limits(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="100,000 lines"):
        format_disavow((f"d{i}.com", "") for i in range(MAX_LINES + 1))
    path = tmp_path / "big.txt"
    path.write_text("# x\n" * (MAX_LINES + 1))
    with pytest.raises(InputFileError, match="over the disavow limit"):
        read_disavow(path)
