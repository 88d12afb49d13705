"""Sorting and paging of a list command's rows: `--sort`, `--offset`, `--limit`.

`--sort` names columns of the command's output, comma-separated, each ascending or, with a
leading `-`, descending; rows equal on them keep the command's own order. `--offset N` skips
the first N rows of that order, `--limit N` keeps at most N after them.

    >>> page_rows(("d", "links"), [("a", 1), ("b", 5), ("c", 5)], sort="-links,d", limit=2)
    [('b', 5), ('c', 5)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crawler.errors import ConfigError


def page_rows(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    sort: str = "",
    offset: int = 0,
    limit: int | None = None,
) -> list[Sequence[Any]]:
    """`rows` sorted by `sort` (see the module docstring), then rows [offset, offset + limit)."""
    out = list(rows)
    # Stable sorts, the last key first: the first key decides, the later ones break ties.
    for key in reversed([k.strip() for k in sort.split(",") if k.strip()]):
        name = key.lstrip("-")
        if name not in columns:
            raise ConfigError(f"--sort: no column {name!r} (columns: {', '.join(columns)})")
        index = columns.index(name)
        out.sort(key=lambda row: _sortable(row[index]), reverse=key.startswith("-"))
    end = None if limit is None else offset + limit
    return out[offset:end]


def sql_limit(sort: str, offset: int, limit: int | None) -> int | None:
    """The rows a query must return for page_rows to cut the page: offset + limit in the
    query's own order, all of them when --sort reorders."""
    if sort or limit is None:
        return None
    return offset + limit


def _sortable(value: Any) -> Any:
    """Lists (rel tokens, competitors) sort as their text."""
    return " ".join(map(str, value)) if isinstance(value, list | tuple) else value
