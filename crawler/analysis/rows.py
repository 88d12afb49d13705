"""Result rows as plain JSON values and as CSV: what `--format jsonl` and `--format csv` write
and the HTTP API returns, so the two cannot disagree.

Crawled text is hostile: in CSV a text cell starting with = + - @ TAB or CR gets a leading
apostrophe (OWASP's CSV-injection rule), so a spreadsheet shows it instead of running it;
`raw=True` writes cells as stored, for programs. JSON values stay as stored.

    >>> json_records(["ref_domain", "first_seen"], [("a.com", dt.date(2026, 3, 1))])
    [{'ref_domain': 'a.com', 'first_seen': '2026-03-01'}]
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from typing import Any, TextIO

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def plain(value: Any) -> Any:
    """A JSON value: dates ISO 8601 (a space before the time), tuples lists, bytes UTF-8."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def json_records(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """One dict per row, column name to plain value."""
    return [dict(zip(columns, map(plain, row), strict=True)) for row in rows]


def write_csv(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], out: TextIO, *, raw: bool = False
) -> None:
    """A header row, then one row per result row; lists joined with ";"; cells a spreadsheet
    would run as formulas neutralised unless `raw`."""
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(v) if raw else neutralised(csv_cell(v)) for v in row])


def neutralised(value: Any) -> Any:
    """A CSV cell a spreadsheet shows instead of running: text starting with = + - @ TAB or CR
    gets a leading apostrophe (numbers stay numbers).

    >>> neutralised("=SUM(A1)"), neutralised("-2+3"), neutralised(-2)
    ("'=SUM(A1)", "'-2+3", -2)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_cell(value: Any) -> Any:
    """One CSV (or spreadsheet text) cell: a plain value, a list joined with ";"."""
    value = plain(value)
    return ";".join(map(str, value)) if isinstance(value, list) else value
