"""The sink's spool on disk: order, replay, a full spool refusing, records round-tripped."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.records import OutLink, Page
from pipelines.spool import Spool, SpoolFull
from tests.helpers.samples import item


def test_spool_keeps_order_and_deletes_after_write(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append([item(1), item(2)])
    spool.append([item(3, links=0)])
    (tmp_path / "spool" / "000000000099.tmp").write_bytes(b"half a segment")
    spool = Spool(tmp_path / "spool")  # a restart drops unfinished segments
    seen: list[tuple[list[str], int]] = []
    assert spool.replay(lambda pages, links: seen.append(([p.url for p in pages], len(links)))) == 2
    assert seen == [(["http://s1.com/p", "http://s2.com/p"], 6), (["http://s3.com/p"], 0)]
    assert len(spool) == 0 and list((tmp_path / "spool").iterdir()) == []


def test_spool_replay_stops_at_a_failure(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append([item(1)])
    spool.append([item(2)])

    def fail(pages: list[Page], links: list[OutLink]) -> None:
        raise RuntimeError("down")

    with pytest.raises(RuntimeError):
        spool.replay(fail)
    assert len(spool) == 2


def test_spool_refuses_when_full(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", max_bytes=2000)
    spool.append([item(1)])
    with pytest.raises(SpoolFull, match="is full"):
        spool.append([item(n) for n in range(2, 10)])
    assert len(spool) == 1


def test_records_round_trip_through_the_spool(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    original = item(1)
    original.links[0].rel = ("nofollow", "ugc")
    original.page.title = "Tïtle\n'x'"
    spool.append([original])
    got: list[tuple[list[Page], list[OutLink]]] = []
    spool.replay(lambda pages, links: got.append((pages, links)))
    assert got == [([original.page], original.links)]
