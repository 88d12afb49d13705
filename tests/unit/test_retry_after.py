"""Retry-After as servers send it, hostile ones included: seconds, a date, or absent."""

from __future__ import annotations

import pytest

from crawler.frontier.middleware import retry_after

NOW = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (b"120", 120.0),
        (b" 7 ", 7.0),
        (b"Tue, 14 Nov 2023 22:14:20 GMT", 60.0),
        (b"Tue, 14 Nov 2023 22:00:00 GMT", 0.0),  # in the past: go now
        (None, None),
        (b"", None),
        (b"\xb2", None),  # latin-1 superscript two: a digit to str.isdigit, not to float()
        (b"\xb9\xb2\xb3", None),
        (b"-5", None),
        (b"soon", None),
        (b"1e3", None),
    ],
)
def test_retry_after(header: bytes | None, seconds: float | None) -> None:
    assert retry_after(header, NOW) == seconds
