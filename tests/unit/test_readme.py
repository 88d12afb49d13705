"""README.md documents every command-line option and every LINKGRAPH_* setting: a new option or
setting without its line in the README fails here."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

from crawler.cli.app import build_parser

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(
    parser: argparse.ArgumentParser, path: str = "linkgraph"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """(command path, parser) of every parser under `parser`, nested ones too."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _commands(child, f"{path} {name}")


def _documented(text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(text)}(?![\w-])", README) is not None


def test_the_walk_sees_every_command() -> None:
    commands = {path for path, _ in _commands(build_parser())}
    assert {"linkgraph crawl", "linkgraph backlinks", "linkgraph bench store"} <= commands
    assert {"linkgraph testweb serve", "linkgraph import", "linkgraph disavow"} <= commands
    assert len(commands) >= 23


def test_every_command_and_option_is_in_the_readme() -> None:
    missing = []
    for path, parser in _commands(build_parser()):
        name = path.split()[-1]
        if path != "linkgraph" and not _documented(name):
            missing.append(path)
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help" and not _documented(option):
                    missing.append(f"{path} {option}")
    assert missing == [], "not in README.md"


def test_every_linkgraph_setting_is_in_the_readme() -> None:
    sources = [*ROOT.glob("crawler/**/*.py"), *ROOT.glob("pipelines/**/*.py")]
    sources += [*ROOT.glob("crawler/**/*.pyx"), *ROOT.glob("pipelines/**/*.pyx")]
    names = set()
    for path in sources:
        names.update(re.findall(r"\bLINKGRAPH_[A-Z0-9_]*[A-Z0-9]\b", path.read_text("utf-8")))
    assert {"LINKGRAPH_SITEMAPS", "LINKGRAPH_BATCH_ROWS", "LINKGRAPH_PROXY"} <= names
    assert sorted(n for n in names if not _documented(n)) == [], "not in README.md"


def test_the_check_catches_an_undocumented_option() -> None:
    assert _documented("--max-depth")
    assert not _documented("--max-dept")
    assert not _documented("--max")  # a prefix of a documented option is not documented
