"""An alert: one watched target's new, lost and changed backlinks in one window, as JSON.

Built from the rows of the `changes` named query (schema/queries/changes.sql), so a lost link
carries its reason (link removed, page gone, redirected, ...) exactly as `linkgraph changes`
says it:

    {"id": "3f0c...", "watch": 1, "target": "example.com", "mode": "domain",
     "since": "2026-12-07T03:00:00+00:00", "until": "2026-12-08T03:00:00+00:00",
     "counts": {"new": 1, "lost": 1, "changed": 0},
     "new": [{"src_url": ..., "dst_url": ..., "anchor": ..., "rel": [], "reason": "", ...}],
     "lost": [{..., "reason": "link removed", "reason_detail": ""}], "changed": []}
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

CHANGES = ("new", "lost", "changed")
_ITEM_FIELDS = ("src_url", "src_domain", "dst_url", "anchor", "rel", "reason", "reason_detail")


def build_alert(
    watch_id: int,
    target: str,
    mode: str,
    window: tuple[int, int],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> dict[str, Any]:
    """The alert of `rows` (changes.sql's columns), in the query's order within each change."""
    alert: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "watch": watch_id,
        "target": target,
        "mode": mode,
        "since": _iso(window[0]),
        "until": _iso(window[1]),
    }
    found: dict[str, list[dict[str, Any]]] = {change: [] for change in CHANGES}
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        item = {name: values[name] for name in _ITEM_FIELDS}
        item["rel"] = list(item["rel"])
        item["at"] = _utc(values["changed_at"]).isoformat()
        found[values["change"]].append(item)
    alert["counts"] = {change: len(items) for change, items in found.items()}
    return {**alert, **found}


def _utc(when: datetime) -> datetime:
    """The stores hand DateTime back naive (meaning UTC) or aware: UTC either way."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()
