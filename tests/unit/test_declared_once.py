"""Rules of the store written once: the insert columns (pipelines/columns.py) and the authority
tables (migration 005). A second declaration drifts from the first (the authority tables did:
schema/authority.sql had no trustrank), so these read the source and fail on a copy."""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.columns import LINK_COLUMNS, PAGE_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
CODE = sorted(
    path
    for folder in ("crawler", "pipelines", "bench", "schema")
    for path in (ROOT / folder).rglob("*.py")
)
# ("name", "Type"): a column declared with its ClickHouse type, as pipelines/columns.py does.
_TYPED_COLUMN = re.compile(r"""\(\s*["'](\w+)["']\s*,\s*["']([A-Z]\w*(?:\([^()]*\))?)["']""")


def test_insert_columns_are_declared_only_in_pipelines_columns() -> None:
    names = {name for name, _, _ in [*LINK_COLUMNS, *PAGE_COLUMNS]}
    copies = [
        f"{path.relative_to(ROOT)}: {name} {type_}"
        for path in CODE
        if path != ROOT / "pipelines" / "columns.py"
        for name, type_ in _TYPED_COLUMN.findall(path.read_text())
        if name in names
    ]
    assert copies == []


def test_the_pattern_finds_a_declaration() -> None:
    # The test above passes on no match, so the pattern must find the declarations it hunts.
    found = _TYPED_COLUMN.findall((ROOT / "pipelines" / "columns.py").read_text())
    assert ("rel", "Array(String)") in found
    assert ("fetched_at", "DateTime('UTC')") in found


def test_authority_tables_are_created_only_by_migration_005() -> None:
    # cluster/ is generated from the migrations (schema/cluster_ddl.py), so it is no copy.
    creates = re.compile(r"CREATE TABLE[^(;]*\b(page|host|domain)_authority\b", re.IGNORECASE)
    sources = [*CODE, *(ROOT / "schema").rglob("*.sql")]
    defining = sorted(
        str(path.relative_to(ROOT))
        for path in sources
        if "cluster" not in path.relative_to(ROOT).parts and creates.search(path.read_text())
    )
    assert defining == ["schema/migrations/005_authority.sql"]
