"""--recrawl-after takes a number and its unit; a bare number is refused, not read as seconds."""

from __future__ import annotations

import pytest

from crawler.config import parse_duration
from crawler.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("45s", 45.0), ("30m", 1800.0), ("12h", 43200.0), ("7d", 604800.0), ("2w", 1209600.0),
     (" 1.5H ", 5400.0)],
)  # fmt: skip
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration("--recrawl-after", text) == seconds


@pytest.mark.parametrize("text", ["7", "0d", "-1d", "7 days", "d", ""])
def test_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="its unit"):
        parse_duration("--recrawl-after", text)
