"""Link velocity: new and lost links and referring domains per day, week or month, the net,
and a burst flag, from the named query schema/queries/velocity.sql.

Links grow organically, not in bursts: a period is flagged when its new referring domains
exceed BURST_FACTOR times the median of the BURST_WINDOW periods before it (a median under 1
counts as 1, so a young profile's first domains are no burst). Periods without events are
listed with zeros: they count in the median.

    >>> from datetime import date
    >>> rows = velocity_rows([(date(2026, 3, 2), 4, 0, 2, 0), (date(2026, 3, 16), 1, 1, 9, 0)],
    ...                      "week")
    >>> [(r[0], r[4], r[7]) for r in rows]
    [('2026-03-02', 2, 0), ('2026-03-09', 0, 0), ('2026-03-16', 9, 1)]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from statistics import median
from typing import Any

from crawler.errors import ConfigError

PERIODS = ("day", "week", "month")
BURST_FACTOR = 3.0  # new referring domains above 3x the trailing median: a burst
BURST_WINDOW = 6  # the trailing median is over the 6 periods before (fewer at the start)
COLUMNS = (
    "period", "new_links", "lost_links", "net_links",
    "new_ref_domains", "lost_ref_domains", "net_ref_domains", "burst",
)  # fmt: skip


def velocity_params(domain: str, by: str) -> dict[str, Any]:
    """velocity.sql's parameters (the target's mode is added by `queries.with_target`)."""
    if by not in PERIODS:
        raise ConfigError(f"--by is one of {', '.join(PERIODS)}, not {by!r}")
    return {"domain": domain, "by": by}


def velocity_rows(rows: Iterable[Sequence[Any]], by: str) -> list[tuple[Any, ...]]:
    """COLUMNS rows from velocity.sql's (period, new, lost, new domains, lost domains), every
    period from the first to the last one with an event, in order."""
    events = {_day(r[0]): tuple(int(v) for v in r[1:5]) for r in rows}
    if not events:
        return []
    out: list[tuple[Any, ...]] = []
    history: list[int] = []
    period, last = min(events), max(events)
    while period <= last:
        new, lost, new_domains, lost_domains = events.get(period, (0, 0, 0, 0))
        trailing = history[-BURST_WINDOW:]
        floor = max(median(trailing), 1) if trailing else None
        burst = int(floor is not None and new_domains > BURST_FACTOR * floor)
        out.append(
            (period.isoformat(), new, lost, new - lost, new_domains, lost_domains,
             new_domains - lost_domains, burst)
        )  # fmt: skip
        history.append(new_domains)
        period = _next(period, by)
    return out


def _next(period: date, by: str) -> date:
    if by == "day":
        return period + timedelta(days=1)
    if by == "week":
        return period + timedelta(days=7)
    return date(period.year + period.month // 12, period.month % 12 + 1, 1)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
