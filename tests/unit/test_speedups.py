"""crawler.speedups: the one loader of the C modules says which path runs and why, warns when
a C module is missing or refuses to bind, and switches them all off for the Python runs; and
`linkgraph --version` prints the version and those paths."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from types import ModuleType

import pytest

from crawler import __version__, speedups
from crawler.cli.app import main
from crawler.extract import charset, extractor
from crawler.urls import canonical
from pipelines import columns


@pytest.fixture
def fresh_loads(monkeypatch: pytest.MonkeyPatch) -> list[ModuleType | None]:
    """An empty record of loads (the session's own stays as it was), C modules allowed."""
    monkeypatch.setattr(speedups, "_LOADS", [])
    monkeypatch.delenv("LINKGRAPH_PURE_PYTHON", raising=False)
    return []


def test_failed_bind_warns_naming_the_cause(
    fresh_loads: list[ModuleType | None], caplog: pytest.LogCaptureFixture
) -> None:
    def bind(module: ModuleType) -> None:
        raise ImportError("lexbor's node layout differs from this module's")

    with caplog.at_level(logging.WARNING, logger="crawler.speedups"):
        found = speedups.load("json", "extraction", fresh_loads.append, bind=bind)
    assert found is None
    assert fresh_loads == [None]  # the user was told: Python
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "json refused to bind (ImportError: lexbor's node layout differs" in caplog.text
    assert speedups.active_paths()["extraction"] == (
        "Python (json refused to bind (ImportError: lexbor's node layout differs from this "
        "module's))"
    )


def test_missing_module_warns_once(
    fresh_loads: list[ModuleType | None], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="crawler.speedups"):
        for _ in range(2):  # two users of one module: one warning
            assert speedups.load("crawler._no_such", "urls", fresh_loads.append) is None
    assert fresh_loads == [None, None]
    assert len(caplog.records) == 1
    assert "urls: pure Python path (slower), crawler._no_such not importable" in caplog.text
    assert "No module named 'crawler._no_such'" in caplog.text


def test_bound_module_is_used_and_reported(fresh_loads: list[ModuleType | None]) -> None:
    import json

    assert speedups.load("json", "insert columns", fresh_loads.append, bind=vars) is json
    assert fresh_loads == [json]
    assert speedups.active_paths() == {
        "extraction": "Python (no C module loaded)",
        "urls": "Python (no C module loaded)",
        "insert columns": "C (json)",
    }
    with speedups.python_only():
        with speedups.python_only():  # nested: stays off until the outer one ends
            pass
        assert fresh_loads == [json, None]
        assert speedups.active_paths()["insert columns"].startswith("Python (switched off")
    assert fresh_loads == [json, None, json]


def test_pure_python_asked_for_loads_nothing_and_says_nothing(
    fresh_loads: list[ModuleType | None],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("LINKGRAPH_PURE_PYTHON", "1")
    with caplog.at_level(logging.WARNING, logger="crawler.speedups"):
        assert speedups.load("json", "urls", fresh_loads.append) is None
    assert caplog.records == []
    assert speedups.active_paths()["urls"] == "Python (LINKGRAPH_PURE_PYTHON=1)"


def test_speed_path_switches_every_user(speed_path: str) -> None:
    """The fixture the extraction, URL and column tests run under: on "python", every C
    handle is off; on "c", every one is on."""
    handles = [
        extractor._FAST,
        charset._VALID_UTF8,
        canonical._JOIN,
        canonical._CANONICAL,
        canonical._C_REGISTRABLE,
        columns._FAST,
    ]
    if speed_path == "python":
        assert handles == [None] * len(handles)
    else:
        assert None not in handles
    expected = "C (" if speed_path == "c" else "Python ("
    assert all(path.startswith(expected) for path in speedups.active_paths().values())


def test_version_prints_the_paths(speed_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"linkgraph {__version__}"] + [
        f"{path}: {how}" for path, how in speedups.active_paths().items()
    ]
    assert [line.split(":")[0] for line in lines[1:]] == ["extraction", "urls", "insert columns"]
    assert all(("C (" in line) == (speed_path == "c") for line in lines[1:])


@pytest.mark.parametrize("speed_path", ["c"], indirect=True)
def test_renamed_rule_makes_the_c_walk_refuse_and_warn(speed_path: str) -> None:
    """The C walk reads crawler.extract.rules by public name: a rule gone (as a rename leaves
    it; here after the Python walk took it) stops the bind, and the fall back to Python is
    said at WARNING, with the cause."""
    code = (
        "import logging; logging.basicConfig(format='%(levelname)s %(message)s'); "
        "from crawler.extract import maincontent, rules; del rules.LEVEL_DIVISORS; "
        "from crawler.speedups import active_paths; print(active_paths()['extraction'])"
    )
    env = {k: v for k, v in os.environ.items() if k != "LINKGRAPH_PURE_PYTHON"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    cause = "crawler.extract._fastlinks refused to bind (AttributeError: "
    assert done.stdout.startswith(f"Python ({cause}")
    assert done.stderr.startswith(f"WARNING extraction: pure Python path (slower), {cause}")
    assert "LEVEL_DIVISORS" in done.stderr
