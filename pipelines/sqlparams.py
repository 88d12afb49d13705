"""Client-side query parameters: ``{name:Type}`` placeholders rendered as checked SQL literals.

ClickHouse 18.16 has no server-side query parameters, so linkgraph renders them itself, in the
same placeholder syntax newer servers use. Only a few types are accepted, each value is checked
against its type, and strings are quoted and escaped, so a parameter can never become SQL.
One type is linkgraph's own: ``Set(T)``, a list for the right side of IN (``x IN
{names:Set(String)}``), rendered as ``tuple(...)``.

    >>> render("SELECT {d:String}, {k:UInt32}", {"d": "it's.com", "k": 2})
    "SELECT 'it\\\\'s.com', 2"

A part of a query that only some calls need is chosen here too, by a parameter: the lines
between ``-- when: name`` and ``-- end: name`` (each on a line of its own) are kept when
parameter `name` is set (not 0, '', an empty list or None) and left out otherwise, so the server
never plans what a call does not ask for; with ``-- else: name`` between them, the lines after it
are kept instead when `name` is not set (one of two ways to read, chosen per call). Parts may
nest (a fragment's part inside a query's: pipelines/named_queries.py keeps their markers): the
innermost are chosen first. The
parameters are checked against the whole text (`name` is one of them): a query takes the same
parameters whichever parts it keeps.

    >>> render("SELECT 1\\n-- when: k\\nUNION ALL SELECT {k:UInt32}\\n-- end: k\\n", {"k": 0})
    'SELECT 1\\n'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from crawler.errors import QueryError

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*):([A-Za-z0-9_(), ]+)\}")
_MARKER = re.compile(r"[ \t]*--[ \t]*(when|else|end):[ \t]*(\w+)[ \t]*\n?")
_PART_NAME = re.compile(r"^[ \t]*--[ \t]*when:[ \t]*(\w+)[ \t]*$", re.MULTILINE)
PART_LINE = re.compile(r"^[ \t]*--[ \t]*(?:when|else|end):.*$", re.MULTILINE)
_INT_RANGES = {
    "UInt8": (0, 2**8 - 1),
    "UInt16": (0, 2**16 - 1),
    "UInt32": (0, 2**32 - 1),
    "UInt64": (0, 2**64 - 1),
    "Int8": (-(2**7), 2**7 - 1),
    "Int16": (-(2**15), 2**15 - 1),
    "Int32": (-(2**31), 2**31 - 1),
    "Int64": (-(2**63), 2**63 - 1),
}


def placeholders(sql: str) -> dict[str, str]:
    """The parameters `sql` uses, name -> type."""
    found: dict[str, str] = {}
    for name, type_ in PLACEHOLDER.findall(sql):
        if found.setdefault(name, type_) != type_:
            raise QueryError(f"parameter {name!r} is used with two types: {found[name]}, {type_}")
    return found


def render(sql: str, params: Mapping[str, Any] | None, *, query: str = "query") -> str:
    """`sql` with every placeholder replaced by its checked literal."""
    params = params or {}
    wanted = placeholders(sql)
    choosing = set(_PART_NAME.findall(sql))
    missing = sorted((set(wanted) | choosing) - set(params))
    unknown = sorted(set(params) - set(wanted) - choosing)
    if missing or unknown:
        parts = [f"missing parameter(s): {', '.join(missing)}"] if missing else []
        parts += [f"unknown parameter(s): {', '.join(unknown)}"] if unknown else []
        raise QueryError(f"{query}: {'; '.join(parts)}")
    literals = {name: literal(params[name], type_, name=name) for name, type_ in wanted.items()}
    return PLACEHOLDER.sub(lambda m: literals[m.group(1)], _chosen_parts(sql, params, query))


class _Part:
    """An open ``-- when: name`` part while its lines are read."""

    def __init__(self, name: str, line: str) -> None:
        self.name, self.line = name, line
        self.branches: tuple[list[str], list[str]] = ([], [])  # its when and else lines
        self.in_else = False

    @property
    def lines(self) -> list[str]:
        return self.branches[self.in_else]


def _chosen_parts(sql: str, params: Mapping[str, Any], query: str) -> str:
    """`sql` with each ``-- when: name`` part kept (its marker lines dropped), or its
    ``-- else: name`` lines, or nothing; a part inside a part is chosen with it. One pass over
    the lines: a render is on every request's path."""
    out: list[str] = []
    parts: list[_Part] = []

    def stray(line: str) -> QueryError:
        return QueryError(f"{query}: {line.strip()!r} without its pair")

    for line in sql.splitlines(keepends=True):
        marker = _MARKER.fullmatch(line)
        if marker is None:
            if PART_LINE.match(line):
                raise stray(line)
            (parts[-1].lines if parts else out).append(line)
            continue
        kind, name = marker.groups()
        if kind == "when":
            parts.append(_Part(name, line))
            continue
        if not parts or parts[-1].name != name:
            raise stray(parts[-1].line if parts and kind == "end" else line)
        if kind == "else":
            if parts[-1].in_else:
                raise stray(line)
            parts[-1].in_else = True
            continue
        part = parts.pop()
        chosen = part.branches[0] if _is_set(params[name]) else part.branches[1]
        (parts[-1].lines if parts else out).extend(chosen)
    if parts:
        raise stray(parts[-1].line)
    return "".join(out)


def _is_set(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    if isinstance(value, int | float):
        return value != 0
    return bool(value)  # a string, a list, a datetime (always set)


def literal(value: Any, type_: str, *, name: str = "value") -> str:
    """`value` as a SQL literal of ClickHouse type `type_`; QueryError when it does not fit."""
    type_ = type_.strip()
    for outer in ("Array(", "Set("):
        if type_.startswith(outer) and type_.endswith(")"):
            inner = type_[len(outer) : -1]
            items = [literal(v, inner, name=name) for v in _items(value, type_, name)]
            if outer == "Array(":
                return "[" + ", ".join(items) + "]"
            # `x IN {name:Set(T)}`: a tuple literal is one set the server builds while it
            # plans; an IN over SELECT arrayJoin([...]) is a subquery at every use, and
            # 18.16 takes no array there (bench/RESULTS.md, issue 17). tuple() needs an item.
            if items:
                return "tuple(" + ", ".join(items) + ")"
            return f"(SELECT arrayJoin(CAST([] AS Array({inner}))))"
    if type_ == "String":
        if not isinstance(value, str):
            raise QueryError(f"parameter {name!r} must be a string, got {value!r}")
        return quote(value)
    if type_ in _INT_RANGES:
        low, high = _INT_RANGES[type_]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise QueryError(f"parameter {name!r} must be {type_} ({low}..{high}), got {value!r}")
        return str(value)
    if type_ == "Float64":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value):
            raise QueryError(f"parameter {name!r} must be a finite number, got {value!r}")
        return repr(float(value))
    if type_ == "DateTime":
        return f"toDateTime({epoch_seconds(value, name)}, 'UTC')"
    raise QueryError(f"parameter {name!r} has unsupported type {type_}")


def _items(value: Any, type_: str, name: str) -> list[Any]:
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple | set | frozenset):
        raise QueryError(f"parameter {name!r} must be a list for {type_}, got {value!r}")
    return sorted(value) if isinstance(value, set | frozenset) else list(value)


def quote(text: str) -> str:
    """A ClickHouse string literal for `text`."""
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\0", "\\0")
    return f"'{escaped}'"


def epoch_seconds(value: Any, name: str) -> int:
    """A DateTime parameter's whole seconds, as the query is sent them (a naive datetime is
    UTC); QueryError naming `name` for anything else."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(aware.timestamp())
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return int(value)
    raise QueryError(f"parameter {name!r} must be a datetime or epoch seconds, got {value!r}")
