"""Other projects' conformance data in ../shared/conformance, read into plain cases.

Google's robots_test.cc declares its robots.txt bodies as C++ strings, some built in loops
(GoogleOnly_LineTooLong), so `robots_cases` runs the small part of C++ those tests use: string
declarations, `absl::StrAppend`/`StrCat`, `while`, `.length()`, `+ - *` on integers, and
`EXPECT_TRUE/FALSE(IsUserAgentAllowed(robotstxt, agent, url))`, each such check one case.

>>> [c.expected for c in robots_cases()][:4]  # doctest: +SKIP
[True, True, False, True]
>>> robots_cases()[-1].args, robots_cases()[-1].expected  # doctest: +SKIP
(b'%aa', '%AA')
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.shared import shared_path

# shared/conformance beside the checkout, above a worktree, or under LINKGRAPH_SHARED
CONFORMANCE = shared_path("conformance")


def conformance_file(name: str) -> Path:
    """The file, or the calling test skipped with the reason it is missing."""
    path = CONFORMANCE / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: the conformance data lives beside the project")
    return path


def wpt_url_cases() -> list[dict[str, Any]]:
    """WPT urltestdata.json's cases (its comment strings left out)."""
    data = json.loads(conformance_file("urltestdata.json").read_text(encoding="utf-8"))
    return [case for case in data if isinstance(case, dict)]


@dataclass(frozen=True)
class RobotsCase:
    """`kind` "allowed": args (robotstxt, agent, url), expected a bool (EXPECT_TRUE: allowed);
    "path": args (url,), expected the path GetPathParamsQuery matches rules against;
    "escape": args (pattern bytes,), expected the pattern MaybeEscapePattern makes of it."""

    test: str  # the TEST's name in robots_test.cc
    line: int  # the check's line
    kind: str
    args: tuple[Any, ...]
    expected: Any


_TOKEN = re.compile(
    r'\s+|//[^\n]*|(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>\d+)'
    r"|(?P<name>[A-Za-z_]\w*(?:::[A-Za-z_]\w*)*)|(?P<op>[&(){};,=<+\-*.])"
)
_TYPES = {"const", "absl::string_view", "std::string", "size_t", "int", "auto"}
_ESCAPE = re.compile(rb"\\(x[0-9a-fA-F]+|.)")
_SIMPLE = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"\\": b"\\", b'"': b'"', b"'": b"'"}


def _literal(token: str) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        return bytes([int(code[1:], 16) & 0xFF]) if code[:1] == b"x" else _SIMPLE[code]

    return _ESCAPE.sub(one, token[1:-1].encode("utf-8"))


class _Tokens:
    def __init__(self, text: str, first_line: int) -> None:
        self.items: list[tuple[str, str, int]] = []  # (kind, text, line)
        line = first_line
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup
            if kind:
                self.items.append((kind, match.group(), line))
            line += match.group().count("\n")
        self.at = 0

    def peek(self, offset: int = 0) -> str:
        at = self.at + offset
        return self.items[at][1] if at < len(self.items) else ""

    def take(self, expected: str | None = None) -> str:
        text = self.items[self.at][1]
        if expected is not None and text != expected:
            raise ValueError(f"expected {expected!r} at line {self.line}, found {text!r}")
        self.at += 1
        return text

    @property
    def line(self) -> int:
        return self.items[min(self.at, len(self.items) - 1)][2]


@dataclass(frozen=True)
class _Check:
    robotstxt: bytes
    agent: str
    url: str


class _Runner:
    """Runs one TEST body, collecting its IsUserAgentAllowed checks."""

    def __init__(self, test: str, tokens: _Tokens) -> None:
        self.test, self.tokens = test, tokens
        self.env: dict[str, Any] = {}
        self.cases: list[RobotsCase] = []

    def block(self, run: bool = True) -> None:
        self.tokens.take("{")
        while self.tokens.peek() != "}":
            self.statement(run)
        self.tokens.take("}")

    def statement(self, run: bool) -> None:
        t = self.tokens
        head = t.peek()
        if head == "{":
            self.block(run)
        elif head == "while":
            self.loop(run)
        elif head in ("EXPECT_TRUE", "EXPECT_FALSE"):
            line = t.line
            t.take()
            t.take("(")
            value = self.expr(run)
            t.take(")")
            t.take(";")
            if run and isinstance(value, _Check):
                args = (value.robotstxt, value.agent, value.url)
                self.cases.append(
                    RobotsCase(self.test, line, "allowed", args, head == "EXPECT_TRUE")
                )
        elif head in ("TestPath", "TestEscape"):
            line = t.line
            t.take()
            t.take("(")
            given = self.expr(run)
            t.take(",")
            expected = self.expr(run).decode("utf-8")
            t.take(")")
            t.take(";")
            if head == "TestPath":
                self.cases.append(RobotsCase(self.test, line, "path", (given.decode(),), expected))
            else:
                self.cases.append(RobotsCase(self.test, line, "escape", (given,), expected))
        elif head == "absl::StrAppend":
            t.take()
            t.take("(")
            t.take("&")
            name = t.take()
            parts = []
            while t.peek() == ",":
                t.take()
                parts.append(self.expr(run))
            t.take(")")
            t.take(";")
            if run:
                self.env[name] = self.env[name] + b"".join(parts)
        else:
            while t.peek() in _TYPES:
                t.take()
            name = t.take()
            t.take("=")
            value = self.expr(run)
            t.take(";")
            if run:
                self.env[name] = value

    def loop(self, run: bool) -> None:
        t = self.tokens
        t.take("while")
        start = t.at
        while True:
            t.at = start
            t.take("(")
            going = self.expr(run)
            t.take(")")
            self.block(run and bool(going))
            if not (run and going):
                return

    def expr(self, run: bool) -> Any:
        value = self.term(run)
        while self.tokens.peek() in ("+", "-", "<"):
            op = self.tokens.take()
            right = self.term(run)
            if run:
                value = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "<": lambda a, b: a < b}[
                    op
                ](value, right)
        return value

    def term(self, run: bool) -> Any:
        value = self.unary(run)
        while self.tokens.peek() == "*":
            self.tokens.take()
            right = self.unary(run)
            if run:
                value = value * right
        return value

    def unary(self, run: bool) -> Any:
        value = self.primary(run)
        while self.tokens.peek() == ".":
            self.tokens.take()
            method = self.tokens.take()
            self.tokens.take("(")
            self.tokens.take(")")
            if run and method in ("length", "size"):
                value = len(value)
        return value

    def primary(self, run: bool) -> Any:
        t = self.tokens
        kind, text, _ = t.items[t.at]
        if kind == "str":
            value = b""
            while t.at < len(t.items) and t.items[t.at][0] == "str":
                value += _literal(t.take())
            return value
        t.take()
        if kind == "num":
            return int(text)
        if text == "(":
            value = self.expr(run)
            t.take(")")
            return value
        if t.peek() != "(":
            return self.env.get(text) if run else None
        t.take("(")
        args = []
        while t.peek() != ")":
            args.append(self.expr(run))
            if t.peek() == ",":
                t.take()
        t.take(")")
        return self.call(text, args) if run else None

    @staticmethod
    def call(name: str, args: list[Any]) -> Any:
        if name == "IsUserAgentAllowed":
            robotstxt, agent, url = args
            return _Check(robotstxt, agent.decode("utf-8"), url.decode("utf-8"))
        if name == "absl::StrCat":
            return b"".join(args)
        if name == "std::string":
            return args[0]
        return None  # another matcher function: not a case of ours


_TEST = re.compile(r"^TEST\(RobotsUnittest, (\w+)\) ", re.M)


def robots_cases() -> list[RobotsCase]:
    """Every IsUserAgentAllowed, TestPath and TestEscape check in robots_test.cc, in file order
    (145 + 19 + 4: the issue's 164 are the first two kinds)."""
    text = conformance_file("robots_test.cc").read_text(encoding="utf-8")
    cases: list[RobotsCase] = []
    for test in _TEST.finditer(text):
        body_at = test.end()
        runner = _Runner(test.group(1), _Tokens(text[body_at:], text.count("\n", 0, body_at) + 1))
        if not re.search(r"IsUserAgentAllowed|TestPath|TestEscape", _body(text, body_at)):
            continue
        runner.block()
        cases.extend(runner.cases)
    return cases


def _body(text: str, start: int) -> str:
    depth = 0
    for at in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[at], 0)
        if depth == 0:
            return text[start : at + 1]
    return text[start:]
