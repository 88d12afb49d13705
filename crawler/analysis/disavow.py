"""Google's disavow file: read one back as an exclusion list, write one from scored domains.

The format (Search Console help, "Disavow links to your site"): UTF-8 or 7-bit ASCII text, one
entry per line, `domain:example.com` for a whole domain or a full URL for one page, lines
starting with `#` are comments; at most 100,000 lines and 2 MB.

    >>> text = "# spam network\\ndomain:spam.example\\nhttp://bad.example/page.html\\n"
    >>> parse_disavow(text.splitlines(), "disavow.txt").domains
    frozenset({'spam.example'})
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from crawler.analysis.toxicity import DomainScore, LinkScore
from crawler.errors import ConfigError, InputFileError
from crawler.urls.canonical import canonicalize, registrable_domain

MAX_LINES = 100_000
MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Disavow:
    domains: frozenset[str]
    urls: frozenset[str]

    def excludes(self, url: str, domain: str) -> bool:
        return domain in self.domains or url in self.urls


def parse_disavow(lines: Iterable[str], source: str) -> Disavow:
    """Entries of a disavow file's lines; a bad line raises InputFileError naming its line."""
    domains: set[str] = set()
    urls: set[str] = set()
    for number, raw in enumerate(lines, start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        if line.lower().startswith("domain:"):
            name = line[len("domain:") :].strip().lower().rstrip(".")
            if not name or "/" in name or " " in name:
                raise InputFileError(f"{source}:{number}: not a domain: {line!r}")
            domains.add(registrable_domain(name) if name.count(".") > 1 else name)
            continue
        try:
            urls.add(canonicalize(line))
        except ValueError as exc:
            raise InputFileError(
                f"{source}:{number}: neither domain:NAME nor a URL: {line!r}"
            ) from exc
    return Disavow(frozenset(domains), frozenset(urls))


def read_disavow(path: Path) -> Disavow:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read disavow file {path}: {exc}") from exc
    if len(data) > MAX_BYTES:
        raise InputFileError(f"{path}: {len(data):,} bytes, over the disavow limit of 2 MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not UTF-8 ({exc})") from exc
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise InputFileError(f"{path}: {len(lines):,} lines, over the disavow limit of 100,000")
    return parse_disavow(lines, str(path))


def format_disavow(
    domains: Iterable[tuple[str, str]], urls: Iterable[tuple[str, str]] = (), header: str = ""
) -> str:
    """A disavow file's text: `(domain, why)` and `(url, why)` pairs, each `why` as a comment.

    Raises ConfigError when the result would break the limits (100,000 lines, 2 MB).
    """
    lines = [f"# {line}" for line in header.splitlines()]
    for domain, why in domains:
        if why:
            lines.append(f"# {' '.join(why.split())}")
        lines.append(f"domain:{domain}")
    for url, why in urls:
        if why:
            lines.append(f"# {' '.join(why.split())}")
        lines.append(url)
    text = "\n".join(lines) + "\n"
    if len(lines) > MAX_LINES or len(text.encode("utf-8")) > MAX_BYTES:
        raise ConfigError(
            f"the disavow file would have {len(lines):,} lines and "
            f"{len(text.encode('utf-8')):,} bytes; Google's limits are 100,000 lines and 2 MB: "
            "raise --min-score"
        )
    return text


def disavow_text(
    domain: str, domains: list[DomainScore], links: list[LinkScore], min_score: float
) -> tuple[str, int, int]:
    """(file text, domains listed, pages listed) for the toxicity scores of `domain`'s
    backlinks at or above `min_score`: domains worst first, then pages (not of a listed
    domain, each with its worst link's reasons) by URL."""
    chosen = [d for d in domains if d.score >= min_score]
    listed = {d.ref_domain for d in chosen}
    worst: dict[str, LinkScore] = {}
    for link in links:
        if link.score < min_score or link.src_domain in listed:
            continue
        if link.src_url not in worst or link.score > worst[link.src_url].score:
            worst[link.src_url] = link
    header = (
        f"Disavow file for {domain}, written by linkgraph on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC: toxicity score >= {min_score:g}.\n"
        "Each entry's comment gives its score and reasons (linkgraph toxicity)."
    )
    text = format_disavow(
        [(d.ref_domain, f"score {d.score:g}: {'; '.join(d.reasons)}") for d in chosen],
        [(u, f"score {s.score:g}: {'; '.join(s.reasons)}") for u, s in sorted(worst.items())],
        header=header,
    )
    return text, len(chosen), len(worst)
