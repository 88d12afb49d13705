"""Write query results as a table, CSV (UTF-8, header), JSON lines or an Excel workbook.

The format is --format, else the --out file's suffix (.csv, .jsonl, .xlsx), else a table; a
--format other than the suffix says is refused (`--out x.xlsx --format csv`).
table, csv and jsonl go to stdout or a file; xlsx needs a file (`--out F.xlsx`): one sheet,
a bold header row, frozen, dates as Excel dates (UTC), lists joined with ";", every text cell
stored as text (a value starting with "=" never becomes a formula).

Crawled text is hostile: in CSV a text cell starting with = + - @ TAB or CR gets a leading
apostrophe (OWASP's CSV-injection rule), so a spreadsheet shows it instead of running it;
`raw=True` (--raw) writes it as stored, for programs. A table writes control and bidi
characters as escapes (crawler.terminal). JSON lines are data and stay as stored.

>>> write_rows(["ref_domain", "links"], [("a.com", 3)], "csv", None)   # doctest: +SKIP
ref_domain,links
a.com,3
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from crawler.analysis.rows import json_records, plain, write_csv
from crawler.errors import ConfigError
from crawler.terminal import visible

FORMATS = ("table", "csv", "jsonl", "xlsx")
SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".xlsx": "xlsx"}
_TABLE_CELL = 60


def _cell(value: Any) -> str:
    value = plain(value)
    text = visible(" ".join(map(str, value)) if isinstance(value, list) else str(value))
    return text if len(text) <= _TABLE_CELL else text[: _TABLE_CELL - 1] + "…"


def pick_format(fmt: str | None, out: Path | None) -> str:
    """The format to write: `fmt` if given, else the one `out`'s suffix names, else table."""
    implied = SUFFIXES.get(out.suffix.lower()) if out is not None else None
    if fmt is None:
        return implied or "table"
    if implied is not None and implied != fmt:
        raise ConfigError(
            f"--out {out} names the {implied} format, but --format is {fmt}: "
            "change the suffix, or leave --format out"
        )
    return fmt


def write_rows(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str | None,
    out: Path | None,
    *,
    raw: bool = False,
) -> None:
    """Write `rows` under `columns` in `fmt` (None: see `pick_format`) to `out` or stdout; `raw`
    leaves CSV cells that a spreadsheet would run as formulas as they are."""
    fmt = pick_format(fmt, out)
    if fmt not in FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if out is not None and not out.parent.is_dir():
        raise ConfigError(f"cannot write {out}: no directory {out.parent}")
    if fmt == "xlsx":
        if out is None:
            raise ConfigError("--format xlsx needs --out FILE.xlsx (a workbook is not text)")
        _write_xlsx(columns, rows, out)
        return
    if out is None:
        _write(columns, rows, fmt, sys.stdout, raw)
        return
    try:
        with out.open("w", encoding="utf-8", newline="") as stream:
            _write(columns, rows, fmt, stream, raw)
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc}") from exc


def _write(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, out: TextIO, raw: bool
) -> None:
    if fmt == "jsonl":
        for record in json_records(columns, rows):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        write_csv(columns, rows, out, raw=raw)
    else:
        _write_table(columns, rows, out)


def _write_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], out: TextIO) -> None:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    out.write("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
    out.write(f"({len(rows)} rows)\n")


def _write_xlsx(columns: Sequence[str], rows: Sequence[Sequence[Any]], out: Path) -> None:
    from crawler.analysis.workbook import write_xlsx

    try:
        write_xlsx(columns, rows, out)
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc}") from exc
