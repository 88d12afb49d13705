"""Seeds: URLs or bare domains, from the command line or a file (one per line, `#` comments).

>>> parse_seed("Example.CO.UK")
'http://example.co.uk/'
>>> parse_seed("https://www.example.com/start?x=1")
'https://www.example.com/start?x=1'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from crawler.errors import SeedError
from crawler.scope.limits import bad_host
from crawler.urls.canonical import MAX_URL_LENGTH, canonicalize, host_of

# A host name: dot-separated labels of letters, digits and inner hyphens (IDN as punycode or
# as Unicode letters), ending in a label with a letter, optionally a port.
_LABEL = r"(?:[\w](?:[\w-]{0,61}[\w])?)"
_DOMAIN = re.compile(
    rf"^{_LABEL}(?:\.{_LABEL})*\.(?:[^\W\d_]{{2,63}}|xn--[\w-]+)\.?(?::\d{{1,5}})?$"
)
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?$")


def parse_seed(text: str) -> str:
    """A seed's canonical start URL; raises ValueError saying why it is neither URL nor domain."""
    text = text.strip()
    if len(text) > MAX_URL_LENGTH:
        # The frontier refuses URLs this long (counted as too_long): refuse the seed here, where
        # the operator sees why, instead of starting a crawl that drops it.
        raise ValueError(f"longer than {MAX_URL_LENGTH} characters: {text[:60]!r}...")
    if "://" in text:
        try:
            url = canonicalize(text)
        except ValueError as exc:
            # A host the URL parser refuses for a character in it: name the character.
            raise ValueError(_host_refusal(text) or f"not an http(s) URL: {text!r}") from exc
        refused = bad_host(host_of(url))
        if refused is not None:
            raise ValueError(refused)
        return url
    host = text.rstrip("/")
    if _DOMAIN.match(host) or _IPV4.match(host):
        return canonicalize(f"http://{host}/")
    raise ValueError(f"neither a URL nor a domain: {text!r}")


def _host_refusal(text: str) -> str | None:
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return None
    return bad_host(unquote(host))


def parse_seed_lines(lines: Iterable[str], source: str) -> list[str]:
    """Seeds of a file's lines; a bad line raises SeedError naming the source and line number."""
    seeds = []
    for number, line in enumerate(lines, start=1):
        text = _strip_comment(line)
        if not text:
            continue
        try:
            seeds.append(parse_seed(text))
        except ValueError as exc:
            raise SeedError(str(exc), source=source, line=number) from exc
    return seeds


def _strip_comment(line: str) -> str:
    # A `#` starts a comment only at the start of a line or after white space: a URL may hold
    # a fragment (dropped anyway by canonicalize).
    text = line.strip()
    if text.startswith("#"):
        return ""
    return re.split(r"\s#", text, maxsplit=1)[0].strip()


def load_seeds(args: Iterable[str], seeds_file: Path | None) -> list[str]:
    """Seeds from the command line then the file, deduplicated in order."""
    seeds = parse_seed_lines(args, "command line")
    if seeds_file is not None:
        try:
            # utf-8-sig: a byte order mark (Windows editors write one) is not part of line 1.
            lines = seeds_file.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise SeedError(f"cannot read seeds file {seeds_file}: {exc}") from exc
        seeds += parse_seed_lines(lines, str(seeds_file))
    return list(dict.fromkeys(seeds))
