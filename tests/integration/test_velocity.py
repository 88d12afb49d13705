"""`linkgraph velocity`: new and lost links and referring domains per week and month, the net
and the burst flag, on hand-built fetches, on chDB and on clickhouse-server 18.16."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.analysis.queries import run_named, with_target
from crawler.analysis.targets import domain_target
from crawler.analysis.velocity import BURST_FACTOR, BURST_WINDOW, velocity_params, velocity_rows
from crawler.records import OutLink, Page
from pipelines.store import Store
from tests.helpers.stores import filled_store

ME = "me.com"


def _when(month: int, day: int) -> float:
    return datetime(2026, month, day, 12, tzinfo=UTC).timestamp()


def _fetch(store: Store, ref: str, when: float, targets: list[str]) -> None:
    src = f"http://{ref}.net/p"
    store.insert(
        [Page(url=src, host=f"{ref}.net", domain=f"{ref}.net", status=200, fetched_at=when)],
        [
            OutLink(
                src_url=src, dst_url=f"http://me.com/{t}", anchor="me", src_host=f"{ref}.net",
                src_domain=f"{ref}.net", dst_host="me.com", dst_domain=ME, is_external=True,
                ordinal=i, fetched_at=when,
            )
            for i, t in enumerate(targets)
        ],
    )  # fmt: skip


def _fill(store: Store) -> None:
    store.migrate()
    _fetch(store, "r1", _when(3, 3), ["a"])  # week of Mar 2: r1
    _fetch(store, "r2", _when(3, 10), ["a"])  # week of Mar 9: r2; week of Mar 16: nothing
    _fetch(store, "r3", _when(3, 24), ["b"])  # week of Mar 23: r3, and r1 drops its link
    _fetch(store, "r1", _when(3, 24), [])
    for ref in ("r4", "r5", "r6", "r7", "r8"):  # week of Mar 30: five new domains, a burst
        _fetch(store, ref, _when(4, 1), ["c"])
    _fetch(store, "r2", _when(4, 1), ["a", "b"])  # ... and r2 a second link
    for ref in ("r9", "r10", "r11"):  # week of Apr 6: three, not above 3x the median (1)
        _fetch(store, ref, _when(4, 7), ["c"])


@pytest.fixture(params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from filled_store(request, tmp_path, _fill)


def _velocity(store: Store, by: str) -> list[tuple[object, ...]]:
    params = with_target(velocity_params(ME, by), domain_target(ME))
    return velocity_rows(run_named(store, "velocity", params).rows, by)


def test_velocity_by_week_and_month(store: Store) -> None:
    assert (BURST_FACTOR, BURST_WINDOW) == (3.0, 6)
    # period, new, lost, net links; new, lost, net referring domains; burst
    assert _velocity(store, "week") == [
        ("2026-03-02", 1, 0, 1, 1, 0, 1, 0),
        ("2026-03-09", 1, 0, 1, 1, 0, 1, 0),
        ("2026-03-16", 0, 0, 0, 0, 0, 0, 0),
        ("2026-03-23", 1, 1, 0, 1, 1, 0, 0),
        ("2026-03-30", 6, 0, 6, 5, 0, 5, 1),
        ("2026-04-06", 3, 0, 3, 3, 0, 3, 0),
    ]
    assert _velocity(store, "month") == [
        ("2026-03-01", 3, 1, 2, 3, 1, 2, 0),
        ("2026-04-01", 9, 0, 9, 8, 0, 8, 0),  # 8 is not above 3x March's 3
    ]
    days = _velocity(store, "day")
    assert (days[0][0], days[-1][0], len(days)) == ("2026-03-03", "2026-04-07", 36)
    # Days: mostly empty, so the median counts as 1 and only April 1st's 5 domains are above 3.
    assert [d[0] for d in days if d[7]] == ["2026-04-01"]
    assert sum(d[1] for d in days) == 12 and sum(d[5] for d in days) == 1


def test_the_report_charts_new_vs_lost_per_week(store: Store) -> None:
    from crawler.analysis.report import collect, render_html

    data = collect(store, ME, [])
    assert data.velocity == _velocity(store, "week")
    page = render_html(data)
    chart = page.split('data-chart="velocity"', 1)[1].split("</svg>", 1)[0]
    assert chart.count('<rect class="bar"') == 2 * 6  # new and lost, six weeks
    assert "1 burst week(s)" in chart
