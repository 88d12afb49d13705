"""Target modes: what DOMAIN and --mode resolve to, and the refusal of a path without a mode."""

from __future__ import annotations

import pytest

from crawler import params
from crawler.analysis.targets import Target, resolve_target
from crawler.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "mode", "expected"),
    [
        ("Example.co.uk", None, Target("example.co.uk", "domain", "example.co.uk")),
        ("www.example.co.uk", None, Target("example.co.uk", "domain", "example.co.uk")),
        ("https://www.example.co.uk/", None, Target("example.co.uk", "domain", "example.co.uk")),
        ("http://blog.example.com/x", "domain", Target("example.com", "domain", "example.com")),
        ("http://blog.example.com/x", "host", Target("example.com", "host", "blog.example.com")),
        ("WWW.Example.com:80/Events/", "prefix",
         Target("example.com", "prefix", "www.example.com/Events/")),
        ("https://www.example.com:8443/a?b=1", "exact",
         Target("example.com", "exact", "https://www.example.com:8443/a?b=1")),
        ("http://www.example.com", "prefix", Target("example.com", "prefix", "http://www.example.com/")),
    ],
)  # fmt: skip
def test_resolve(text: str, mode: str | None, expected: Target) -> None:
    assert resolve_target(text, mode) == expected


@pytest.mark.parametrize("text", ["http://www.example.com/events/", "example.com/?page=2"])
def test_a_path_or_query_needs_a_mode(text: str) -> None:
    with pytest.raises(ConfigError, match="has a path: give --mode prefix"):
        resolve_target(text, None)


def test_the_typed_text_reaches_the_target() -> None:
    values = {"domain": params.domain("http://WWW.Example.com/events/")}
    params.split_typed(values)
    assert values == {"domain": "example.com", "typed": "http://WWW.Example.com/events/"}
    assert type(values["domain"]) is str  # the C code takes an exact str only
    assert resolve_target(values["typed"], "prefix").value == "http://www.example.com/events/"
    assert resolve_target("example.com", None).params() == {
        "domain": "example.com",
        "mode": "domain",
        "target": "example.com",
    }
    assert params.mode(" Host ") == "host"
