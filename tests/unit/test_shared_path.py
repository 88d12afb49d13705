"""LINKGRAPH_SHARED names the shared/ folder for tests and benchmarks (tests/helpers/shared.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from crawler.settings import from_environment
from tests.helpers.shared import ROOT, shared_path


def test_the_variable_names_the_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LINKGRAPH_SHARED", str(tmp_path))
    assert shared_path("realweb") == tmp_path / "realweb"


def test_unset_it_is_beside_the_checkout_or_above(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINKGRAPH_SHARED", raising=False)
    found = shared_path("no-such-folder-here")
    assert found == ROOT.parent / "shared" / "no-such-folder-here"
    upwards = [p / "shared" / "realweb" for p in ROOT.parents if (p / "shared/realweb").is_dir()]
    assert shared_path("realweb") == (upwards[0] if upwards else ROOT.parent / "shared/realweb")


def test_a_worker_does_not_warn_of_it(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert from_environment({"LINKGRAPH_SHARED": "/elsewhere", "LINKGRAPH_SHAREDD": "x"}) == {}
    assert [r.getMessage() for r in caplog.records] == [
        "ignoring LINKGRAPH_SHAREDD: not a linkgraph environment variable (README.md)"
    ]
