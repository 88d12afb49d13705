"""Parameter types of the `linkgraph` commands and the HTTP API: one parser per kind of value,
the same rules everywhere (argparse prints a bad value as a usage error, exit 2; the API
answers 400 with the same message).

    >>> domain("https://www.Example.co.uk/page")
    'example.co.uk'
    >>> country("uk")
    'GB'
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

_COUNTRY = re.compile(r"[A-Za-z]{2}")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_N = TypeVar("_N", int, float)


class TypedDomain(str):
    """A registrable domain that remembers the text it was typed as (`typed`): the query
    commands' `--mode` reads a host, URL prefix or URL from it (crawler/analysis/targets.py).
    `split_typed` turns it into a plain str before a command runs: the C code (Cython) takes
    an exact str only."""

    typed: str

    def __new__(cls, value: str, typed: str) -> TypedDomain:
        self = super().__new__(cls, value)
        self.typed = typed
        return self


def domain(text: str) -> str:
    """A registrable domain from a domain, host or URL as typed (the text kept: TypedDomain)."""
    from crawler.urls.canonical import registrable_domain

    name = text.strip().lower()
    if "://" in name:
        name = name.split("://", 1)[1]
    name = name.split("/", 1)[0].rpartition("@")[2].partition(":")[0].rstrip(".")
    if not name or any(c.isspace() for c in name):
        raise argparse.ArgumentTypeError(f"not a domain: {text!r}")
    return TypedDomain(registrable_domain(name), text.strip())


def split_typed(values: MutableMapping[str, Any]) -> None:
    """A parsed `domain` (TypedDomain) made a plain str, its text as typed put in `typed`
    (a command's namespace, `vars(args)`, or the API's values)."""
    domain = values.get("domain")
    if isinstance(domain, TypedDomain):
        values["domain"], values["typed"] = str(domain), domain.typed


def mode(text: str) -> str:
    """A query command's target mode: domain, host, prefix or exact (in any case)."""
    from crawler.analysis.targets import MODES

    value = text.strip().lower()
    if value not in MODES:
        raise argparse.ArgumentTypeError(f"one of {', '.join(MODES)}, not {text!r}")
    return value


def date(text: str) -> datetime:
    """A UTC datetime from `YYYY-MM-DD` or ISO 8601 (a given offset is converted to UTC)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"not a date: {text!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
        ) from exc
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if value.year < 1971:
        raise argparse.ArgumentTypeError(f"date before 1971: {text!r}")
    return value


def country(text: str) -> str:
    """An ISO 3166 alpha-2 code, upper case ("UK" means GB); empty means any."""
    if not text:
        return ""
    if not _COUNTRY.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"not a two-letter country code: {text!r}")
    code = text.strip().upper()
    return "GB" if code == "UK" else code


def server_url(*schemes: str) -> Callable[[str], str]:
    """A parser of a server's URL in one of `schemes`, with a host and a numeric port if any
    (`clickhouse://h:notaport/db` is a usage error, not a traceback)."""

    def parse(text: str) -> str:
        if not text:
            return ""
        parts = urlsplit(text)
        wanted = " or ".join(f"{s}://" for s in schemes)
        if parts.scheme not in schemes or not (parts.hostname or parts.scheme == "unix"):
            raise argparse.ArgumentTypeError(f"not a {wanted} URL: {text!r}")
        try:
            parts.port  # noqa: B018  (parsing it is the check)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"the port of {text!r} is not a number") from exc
        return text

    parse.__name__ = f"{schemes[0]} URL"  # argparse names the type in its messages
    return parse


def identifier(text: str) -> str:
    """A plain name (letters, digits, _; not starting with a digit): a ClickHouse cluster."""
    if text and not _IDENTIFIER.fullmatch(text):
        raise argparse.ArgumentTypeError(f"not a name (letters, digits, _): {text!r}")
    return text


def log_level(text: str) -> str:
    """A logging level, in any case (`debug` is DEBUG)."""
    return text.strip().upper()


def positive(text: str) -> int:
    """An integer of at least 1."""
    return _at_least(text, 1)


def nonnegative(text: str) -> int:
    """An integer of at least 0."""
    return _at_least(text, 0)


def _number(text: str, kind: Callable[[str], _N]) -> _N:
    """`text` read as `kind` (int or float); argparse's one-line message when it is not one."""
    try:
        return kind(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc


def _at_least(text: str, low: int) -> int:
    value = _number(text, int)
    if value < low:
        raise argparse.ArgumentTypeError(f"must be at least {low}, not {value}")
    return value


def score(text: str) -> float:
    """A 0-100 figure: an authority or a toxicity score."""
    value = _number(text, float)
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"a score is 0-100, not {text}")
    return value


def port(text: str) -> int:
    """A TCP port, 0-65535 (0: the system picks a free one)."""
    value = _number(text, int)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535, not {value}")
    return value
