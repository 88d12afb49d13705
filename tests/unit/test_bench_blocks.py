"""bench_store's column loader (`blocks`) builds the graph `batches` builds as records: the same
rng draws, the same Arrow arrays as the record path (`arrow_arrays`) makes of every batch, so a
store loaded by `load_graph` holds what `ingest` writes (tests/integration/test_bench_loader.py
checks the stores themselves)."""

from __future__ import annotations

import numpy as np
import pytest

from bench import bench_store
from bench.bench_store import ZipfSampler, batches, blocks, zipf_choice
from pipelines.columns import LINK_COLUMNS, PAGE_COLUMNS, arrow_arrays

# 413 pages of 50 links: batches of 100 pages and a last one of 13, so the draws of several
# batches (and a short one) must line up, not only the first.
LINKS = 20_650
SMALL_BATCH = 5_000


def _differences(links: int) -> list[str]:
    """Each (batch, table, column) whose arrays differ between the two paths."""
    found = []
    pairs = zip(blocks(links), batches(links), strict=True)
    for number, ((pages, out), (page_records, link_records)) in enumerate(pairs):
        for table, columns, got, records in (
            ("page_fetches", PAGE_COLUMNS, pages, page_records),
            ("link_fetches", LINK_COLUMNS, out, link_records),
        ):
            want = arrow_arrays(records, columns)
            found += [
                f"batch {number} {table}.{name}: {mine.slice(0, 3)} != {theirs.slice(0, 3)}"
                for (name, _, _), mine, theirs in zip(columns, got, want, strict=True)
                if not mine.equals(theirs)
            ]
    return found


@pytest.mark.parametrize("speed_path", ["c"], indirect=True)
def test_blocks_equal_the_records_arrays(speed_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_store, "BATCH_LINKS", SMALL_BATCH)
    records = [link for _, out in batches(LINKS) for link in out]
    # every branch of the graph is there: internal and external links, with and without rel
    assert len(records) == LINKS
    assert {link.is_external for link in records} == {True, False}
    assert {link.rel for link in records} == {(), ("nofollow",)}
    assert _differences(LINKS) == []


@pytest.mark.parametrize("speed_path", ["c"], indirect=True)
def test_blocks_at_the_default_batch_size(speed_path: str) -> None:
    assert _differences(bench_store.BATCH_LINKS + 5_000) == []


@pytest.mark.parametrize("speed_path", ["c"], indirect=True)
def test_a_changed_draw_is_a_difference(speed_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The comparison above must be able to fail: one path drawing its paths otherwise does.
    monkeypatch.setattr(bench_store, "BATCH_LINKS", SMALL_BATCH)
    real = ZipfSampler.draw

    def clipped(self: ZipfSampler, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.minimum(real(self, rng, size), 3)

    monkeypatch.setattr(ZipfSampler, "draw", clipped)
    assert any(".dst_url" in line for line in _differences(LINKS))


@pytest.mark.parametrize(("n", "s"), [(10, 1.1), (1000, 1.3), (1_000_000, 1.1)])
def test_the_sampler_draws_what_zipf_choice_draws(n: int, s: float) -> None:
    # A million: the target domains of a 100M-link graph, which no store test loads.
    sampler = ZipfSampler(n, s)
    mine, theirs = np.random.default_rng(3), np.random.default_rng(3)
    for size in (50_000, 7, 50_000):
        assert np.array_equal(sampler.draw(mine, size), zipf_choice(theirs, n, size, s))
    assert mine.random() == theirs.random()  # and the generators stay in step
