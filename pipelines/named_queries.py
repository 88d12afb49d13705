"""Named queries: ``schema/queries/<name>.sql``, their includes resolved from ``fragments/``.

A rule several queries share (the current link set: the latest fetch of each source page) is
written once, as a fragment in ``schema/queries/fragments/<fragment>.sql``, and a query includes
it with a line of its own, a SQL comment so the file still reads as SQL:

    -- include: <fragment>(<slot>: <sql>; <slot>: <sql>)

The line is replaced by the fragment's SQL (its ``--`` comment lines left out), indented as the
include line, each ``$slot`` of the fragment replaced by the argument's SQL text. Arguments may
hold ``{name:Type}`` parameters: they are rendered afterwards, with the query's own
(`pipelines.sqlparams`). A fragment includes nothing; an unknown fragment, a slot without its
argument, an argument without its slot or a malformed include line is a QueryError. Resolving
happens as text, before the query reaches the server, so every engine (clickhouse-server 18.16
has no CTE tables) runs the same subqueries.

    >>> sql = load_query("report_anchors")
    >>> "-- include:" in sql, "SELECT url, max(fetch_us)" in sql
    (False, True)
"""

from __future__ import annotations

import re
from pathlib import Path

from crawler.errors import QueryError
from pipelines.sqlparams import PART_LINE

QUERIES_DIR = Path(__file__).resolve().parents[1] / "schema" / "queries"
FRAGMENTS = "fragments"

_NAME = re.compile(r"[a-z0-9_]+")
_INCLUDE_LINE = re.compile(r"^([ \t]*)--[ \t]*include:(.*)$", re.MULTILINE)
_INCLUDE = re.compile(r"[ \t]*([a-z0-9_]+)[ \t]*\((.*)\)[ \t]*")
_SLOT = re.compile(r"\$([a-z_][a-z0-9_]*)")


def query_names(directory: Path = QUERIES_DIR) -> list[str]:
    """The names of the named queries in `directory`, sorted."""
    return sorted(path.stem for path in directory.glob("*.sql"))


def load_query(name: str, directory: Path = QUERIES_DIR) -> str:
    """The SQL of named query `name`, its includes resolved (parameters still placeholders)."""
    path = directory / f"{name}.sql"
    if not _NAME.fullmatch(name) or not path.is_file():
        known = ", ".join(query_names(directory))
        raise QueryError(f"unknown query {name!r} (known: {known})")
    return resolve_includes(path.read_text(), directory / FRAGMENTS, where=f"query {name!r}")


def resolve_includes(sql: str, fragments: Path, *, where: str = "query") -> str:
    """`sql` with every include line replaced by its fragment (see the module docstring)."""

    def include(line: re.Match[str]) -> str:
        indent, rest = line.group(1), line.group(2)
        call = _INCLUDE.fullmatch(rest)
        if call is None:
            raise QueryError(
                f"{where}: bad include line {line.group(0).strip()!r} "
                "(write: -- include: fragment(slot: sql; slot: sql))"
            )
        name = call.group(1)
        body = _fragment(name, fragments, where)
        filled = _fill(body, _arguments(call.group(2), where), f"{where}, fragment {name!r}")
        return "\n".join(indent + text if text.strip() else "" for text in filled.splitlines())

    return _INCLUDE_LINE.sub(include, sql)


def _fragment(name: str, fragments: Path, where: str) -> str:
    """The SQL of fragment `name`, its comment lines and surrounding blank lines left out."""
    path = fragments / f"{name}.sql"
    if not _NAME.fullmatch(name) or not path.is_file():
        known = ", ".join(sorted(p.stem for p in fragments.glob("*.sql")))
        raise QueryError(f"{where}: unknown fragment {name!r} (known: {known or 'none'})")
    text = path.read_text()
    if _INCLUDE_LINE.search(text):
        raise QueryError(f"fragment {name!r} includes another: fragments do not nest")
    # Its comments go; its parts' markers (`-- when: name`, pipelines/sqlparams.py) stay.
    lines = [
        line
        for line in text.splitlines()
        if not line.lstrip().startswith("--") or PART_LINE.match(line)
    ]
    return "\n".join(lines).strip("\n")


def _arguments(text: str, where: str) -> dict[str, str]:
    """``slot: sql; slot: sql`` as a dict; an empty text is no argument."""
    arguments: dict[str, str] = {}
    for part in filter(str.strip, text.split(";")):
        slot, colon, value = part.partition(":")
        slot = slot.strip()
        if not colon or not _NAME.fullmatch(slot) or not value.strip() or slot in arguments:
            raise QueryError(f"{where}: bad include argument {part.strip()!r} (write slot: sql)")
        arguments[slot] = value.strip()
    return arguments


def _fill(body: str, arguments: dict[str, str], where: str) -> str:
    slots = set(_SLOT.findall(body))
    missing, unused = sorted(slots - set(arguments)), sorted(set(arguments) - slots)
    if missing or unused:
        parts = [f"no argument for ${', $'.join(missing)}"] if missing else []
        parts += [f"no slot for {', '.join(unused)}"] if unused else []
        raise QueryError(f"{where}: {'; '.join(parts)}")
    return _SLOT.sub(lambda slot: arguments[slot.group(1)], body)
