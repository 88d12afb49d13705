"""schema/README.md documents every table and view the migrations create, and each column.

The store is chDB after every migration (clickhouse-server 18.16 creates the same tables and
columns; only 004's skip index is left out there).
"""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.store import open_store

README = Path(__file__).resolve().parents[2] / "schema" / "README.md"


def _sections(text: str) -> dict[str, str]:
    """Each `### ` heading's text (heading included), by every `name` the heading names."""
    sections: dict[str, str] = {}
    for section in re.split(r"\n(?=### )", text):
        heading = section.splitlines()[0]
        if heading.startswith("### "):
            for name in re.findall(r"`(\w+)`", heading):
                sections[name] = section
    return sections


def _view_rows(text: str) -> dict[str, str]:
    """Each row of the Views table, by the view it names first."""
    return {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\w+)` \|.*$", text, re.MULTILINE)}


def test_every_table_view_and_column_is_documented(tmp_path: Path) -> None:
    text = README.read_text()
    sections, views = _sections(text), _view_rows(text)
    with open_store(str(tmp_path / "store")) as store:
        store.migrate()
        columns = store.query(
            "SELECT table, name, engine FROM system.columns AS c ALL INNER JOIN "
            "(SELECT name AS table, engine FROM system.tables WHERE database = currentDatabase())"
            " AS t USING (table) "
            "WHERE database = currentDatabase() AND engine != 'MaterializedView'"
        ).rows
    missing = []
    for table, column, engine in columns:
        where = views.get(table, "") if engine == "View" else sections.get(table, "")
        # A view row saying "as `page_fetches`" documents its columns there.
        where += "".join(sections.get(t, "") for t in re.findall(r"as `(\w+)`", where))
        if not where:
            missing.append(f"{engine} {table}")
        elif not re.search(rf"(?<![\w.]){column}(?!\w)", where):
            missing.append(f"{table}.{column}")
    assert sorted(set(missing)) == []
    assert len({table for table, _, _ in columns}) >= 14  # the tables and views above, found
