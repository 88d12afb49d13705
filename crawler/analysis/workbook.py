"""Result rows as an Excel workbook: what `--format xlsx` writes and the HTTP API downloads
(`format=xlsx`), so the two cannot disagree.

One sheet, a bold header row, frozen, dates as Excel dates (UTC), lists joined with ";", every
text cell stored as text (a crawled value starting with "=" never becomes a formula).

    >>> write_xlsx(["ref_domain", "links"], [("a.com", 3)], Path("out.xlsx"))   # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from crawler.analysis.rows import csv_cell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_xlsx(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], out: Path | IO[bytes]
) -> None:
    """The workbook of `rows` into a file or a binary stream; OSError when it cannot."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("linkgraph")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    book.save(out)


def _cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, dt.datetime):
        naive = value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
        return WriteOnlyCell(sheet, value=naive)
    if isinstance(value, bool | int | float | dt.date) and value is not None:
        return WriteOnlyCell(sheet, value=value)
    text = csv_cell(value)
    text = "" if text is None else ILLEGAL_CHARACTERS_RE.sub("", str(text))
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # text, even when it starts with "="
    return cell
