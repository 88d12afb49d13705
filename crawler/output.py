"""Write query results as a table, CSV (UTF-8, header) or JSON lines, to stdout or a file.

>>> write_rows(["ref_domain", "links"], [("a.com", 3)], "csv", None)   # doctest: +SKIP
ref_domain,links
a.com,3
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from crawler.errors import ConfigError

FORMATS = ("table", "csv", "jsonl")
_TABLE_CELL = 60


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _cell(value: Any) -> str:
    value = _plain(value)
    text = " ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= _TABLE_CELL else text[: _TABLE_CELL - 1] + "…"


def write_rows(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, out: Path | None
) -> None:
    if fmt not in FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if out is None:
        _write(columns, rows, fmt, sys.stdout)
        return
    try:
        with out.open("w", encoding="utf-8", newline="") as stream:
            _write(columns, rows, fmt, stream)
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc}") from None


def _write(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, out: TextIO) -> None:
    if fmt == "jsonl":
        for row in rows:
            record = dict(zip(columns, map(_plain, row), strict=True))
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
    else:
        _write_table(columns, rows, out)


def _csv_cell(value: Any) -> Any:
    value = _plain(value)
    return ";".join(map(str, value)) if isinstance(value, list) else value


def _write_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], out: TextIO) -> None:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    out.write("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
    out.write(f"({len(rows)} rows)\n")
