"""Google's disavow file: read one back as an exclusion list, write one from scored domains.

The format (Search Console help, "Disavow links to your site"): UTF-8 or 7-bit ASCII text, one
entry per line, `domain:example.com` for a whole domain or a full URL for one page, lines
starting with `#` are comments; at most 100,000 lines and 2 MB. A keep file (`--keep`: domains
and pages never scored toxic nor disavowed) has the same format; `--merge` keeps an existing
disavow file's lines (comments too, repeated entries once) above the new entries.

    >>> text = "# spam network\\ndomain:spam.example\\nhttp://bad.example/page.html\\n"
    >>> parse_disavow(text.splitlines(), "disavow.txt").domains
    frozenset({'spam.example'})
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from crawler.analysis.toxicity import DomainScore, LinkScore, Toxicity
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
        entry = parse_entry(raw, source, number)
        if entry is not None:
            (domains if entry[0] == "domain" else urls).add(entry[1])
    return Disavow(frozenset(domains), frozenset(urls))


def parse_entry(raw: str, source: str, number: int) -> tuple[str, str] | None:
    """("domain", registrable domain) or ("url", canonical URL) of one line, None for a
    comment or a blank line; InputFileError naming `source`:`number` for anything else."""
    line = raw.strip().lstrip("\ufeff")
    if not line or line.startswith("#"):
        return None
    if line.lower().startswith("domain:"):
        name = line[len("domain:") :].strip().lower().rstrip(".")
        if not name or "/" in name or " " in name:
            raise InputFileError(f"{source}:{number}: not a domain: {line!r}")
        return "domain", registrable_domain(name) if name.count(".") > 1 else name
    try:
        return "url", canonicalize(line)
    except ValueError as exc:
        raise InputFileError(f"{source}:{number}: neither domain:NAME nor a URL: {line!r}") from exc


def read_disavow(path: Path, what: str = "disavow") -> Disavow:
    """The entries of the disavow-format file at `path` (`what` names it in errors: "keep")."""
    return parse_disavow(read_lines(path, what), str(path))


def read_lines(path: Path, what: str = "disavow") -> list[str]:
    """The lines of a disavow-format file, checked against Google's limits."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read {what} file {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_BYTES:
        raise InputFileError(f"{path}: {len(data):,} bytes, over the disavow limit of 2 MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not UTF-8 ({exc})") from exc
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise InputFileError(f"{path}: {len(lines):,} lines, over the disavow limit of 100,000")
    return lines


KEPT = "kept: in the keep file"


def apply_keep(scores: Toxicity, keep: Disavow | None) -> Toxicity:
    """`scores` with every kept domain, and every link of a kept domain or page, at 0 with the
    one reason KEPT (the other domains' signals still see them: a kept site in a network does
    not hide the network)."""
    if keep is None:
        return scores
    domains = [
        replace(d, score=0.0, reasons=(KEPT,)) if d.ref_domain in keep.domains else d
        for d in scores.domains
    ]
    domains.sort(key=lambda d: (-d.score, d.ref_domain))
    links = [
        replace(s, score=0.0, reasons=(KEPT,)) if keep.excludes(s.src_url, s.src_domain) else s
        for s in scores.links
    ]
    return scores._replace(domains=domains, links=links)


@dataclass(frozen=True)
class Merged:
    """An existing disavow file to merge: its lines to keep (comments, blank lines and the
    first of each entry) and the entries it already lists."""

    lines: tuple[str, ...]
    listed: Disavow


def read_merge(path: Path, keep: Disavow | None = None) -> Merged:
    """The disavow file at `path` for `--merge`; an entry the keep file lists is refused (one
    line naming the file and line), since a kept page is never disavowed."""
    lines: list[str] = []
    seen: set[tuple[str, str]] = set()
    for number, raw in enumerate(read_lines(path), start=1):
        entry = parse_entry(raw, str(path), number)
        if entry is None:
            lines.append(raw.rstrip().lstrip("\ufeff"))
            continue
        if keep is not None and _kept(entry, keep):
            raise InputFileError(f"{path}:{number}: {raw.strip()!r} is in the keep file")
        if entry not in seen:
            seen.add(entry)
            lines.append(raw.strip())
    domains = frozenset(v for k, v in seen if k == "domain")
    urls = frozenset(v for k, v in seen if k == "url")
    return Merged(tuple(lines), Disavow(domains, urls))


def _kept(entry: tuple[str, str], keep: Disavow) -> bool:
    kind, value = entry
    if kind == "domain":
        return value in keep.domains or any(
            registrable_domain(_host(u)) == value for u in keep.urls
        )
    return keep.excludes(value, registrable_domain(_host(value)))


def _host(url: str) -> str:
    return url.split("/", 3)[2].rpartition("@")[2].partition(":")[0] if "//" in url else ""


def format_disavow(
    domains: Iterable[tuple[str, str]],
    urls: Iterable[tuple[str, str]] = (),
    header: str = "",
    before: Sequence[str] = (),
) -> str:
    """A disavow file's text: the lines `before` (a merged file's), then `(domain, why)` and
    `(url, why)` pairs, each `why` as a comment.

    Raises ConfigError when the result would break the limits (100,000 lines, 2 MB).
    """
    lines = [*before, *(f"# {line}" for line in header.splitlines())]
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
    domain: str,
    domains: list[DomainScore],
    links: list[LinkScore],
    min_score: float,
    keep: Disavow | None = None,
    merged: Merged | None = None,
) -> tuple[str, int, int]:
    """(file text, domains listed, pages listed) for the toxicity scores of `domain`'s
    backlinks at or above `min_score`: domains worst first, then pages (not of a listed
    domain, each with its worst link's reasons) by URL.

    Nothing `keep` lists is listed: not its domains, not its pages, and not the domain of a
    kept page (its other toxic pages are listed one by one). With `merged`, its lines come
    first and what it already lists is not repeated.
    """
    keep = keep or Disavow(frozenset(), frozenset())
    already = merged.listed if merged else Disavow(frozenset(), frozenset())
    holds_kept = {s.src_domain for s in links if s.src_url in keep.urls}
    chosen = [
        d
        for d in domains
        if d.score >= min_score and d.ref_domain not in keep.domains | holds_kept | already.domains
    ]
    listed = {d.ref_domain for d in chosen}
    worst: dict[str, LinkScore] = {}
    for link in links:
        if link.score < min_score or link.src_domain in listed:
            continue
        if keep.excludes(link.src_url, link.src_domain):
            continue
        if already.excludes(link.src_url, link.src_domain):
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
        before=merged.lines if merged else (),
    )
    return text, len(chosen), len(worst)
