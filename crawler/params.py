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
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

_COUNTRY = re.compile(r"[A-Za-z]{2}")


def domain(text: str) -> str:
    """A registrable domain from a domain, host or URL as typed."""
    from crawler.urls.canonical import registrable_domain

    name = text.strip().lower()
    if "://" in name:
        name = name.split("://", 1)[1]
    name = name.split("/", 1)[0].rpartition("@")[2].partition(":")[0].rstrip(".")
    if not name or any(c.isspace() for c in name):
        raise argparse.ArgumentTypeError(f"not a domain: {text!r}")
    return registrable_domain(name)


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


def log_level(text: str) -> str:
    """A logging level, in any case (`debug` is DEBUG)."""
    return text.strip().upper()


def positive(text: str) -> int:
    """An integer of at least 1."""
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def score(text: str) -> float:
    """A 0-100 figure: an authority or a toxicity score."""
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"a score is 0-100, not {text}")
    return value


def port(text: str) -> int:
    """A TCP port, 0-65535 (0: the system picks a free one)."""
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535, not {value}")
    return value
