"""Links from other tools' exports, added to the link graph beside the crawled ones.

Three formats (`linkgraph import FILE --format ...`); headers are matched in any case, extra
columns are ignored, UTF-8 (with or without BOM) and UTF-16 (Ahrefs' default) are read, the
delimiter (comma, tab or semicolon) is taken from the header line:

- ``csv``: ``src_url,dst_url[,anchor,rel]``, header row optional; ``rel`` holds rel tokens
  separated by spaces (``nofollow sponsored``).
- ``gsc``: a Search Console links export. "Latest links" / "More sample links" (``Linking
  page[,Target page][,Last crawled]``: a link from each linking page to its target page, or to
  ``--target`` when the export has no target column) or "Top linking sites" (``Site,...``:
  one link per site, recorded from the site's home page to ``--target``, since that export says
  which domains link, not which pages).
- ``ahrefs``: a Site Explorer backlinks export: ``Referring page URL`` and ``Target URL``
  (older exports: ``Link URL``), optional ``Anchor`` (``Link Anchor``), ``Nofollow``, ``UGC``,
  ``Sponsored`` (true/false), ``Type`` (``image`` sets is_image), ``First seen`` and ``Last
  seen`` (dates).

Dates: Ahrefs' ``First seen`` / ``Last seen`` and Search Console's ``Last crawled`` (the last
time Google crawled the linking page: a last-seen date; Search Console gives no first-seen
date, and its "Top linking sites" export no date at all) become the link's first and last seen
times in the history views (`link_history`, `referring_domains`, the `changes` and
`backlinks` queries). ISO dates (``2024-05-01``, ``2024-05-01 10:20:30``, with ``T``, ``Z`` or
an offset; UTC when none), ``1 May 2024`` and ``May 1, 2024`` are read; an empty cell is no
date. The link's row in the import's fetch carries the last seen time (else the import's time)
as its ``fetched_at``, and a link first seen earlier gets one more occurrence at its first-seen
time (``fetch_us`` of that time, no `page_fetches` row: history only, never "current"). Dates
after the import's time are taken as the import's time, a first seen after the last seen as
the last seen.

Imported links go into `link_fetches` and `page_fetches` like crawled ones, marked by their
`crawl_id`, ``import:<format>`` (so every view and named query sees them, and
``WHERE crawl_id LIKE 'import:%'`` finds them). Each import is one "fetch" of every source page
it names, at the import's time: a later import or crawl of a page replaces its link set. A
source page this index has crawled keeps its crawled link set: its imported rows are skipped
and counted. Bad rows (not an http(s) URL, missing column) are skipped, counted, and the first
few reported as FILE:LINE; ``strict`` raises InputFileError at the first one instead.

    >>> parse_bool("TRUE"), parse_bool("")
    (True, False)
"""

from __future__ import annotations

import codecs
import csv
import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from crawler.analysis.import_formats import FORMATS
from crawler.errors import ConfigError, InputFileError
from crawler.urls.canonical import _simple_canonical, canonicalize, host_of, registrable_domain
from pipelines.columns import LINK_COLUMNS, PAGE_COLUMNS
from pipelines.store import Store

BATCH_ROWS = 100_000
SHOWN_ERRORS = 5

# Import rows name the columns they fill; order and types come from pipelines.columns, the
# tables' one declaration (a link row fills every link_fetches column, a page row a few).
_LINK_NAMES = [name for name, _, _ in LINK_COLUMNS]


class Row(NamedTuple):
    """One link of an export, URLs as written: src_url -> dst_url."""

    src_url: str
    dst_url: str
    anchor: str = ""
    rel: tuple[str, ...] = ()
    is_image: bool = False
    first_seen: float | None = None  # epoch seconds
    last_seen: float | None = None


@dataclass
class ImportStats:
    rows: int = 0
    links: int = 0
    pages: int = 0
    skipped_crawled: int = 0
    bad: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self, path: Path, source: str) -> str:
        rate = self.rows / self.seconds if self.seconds else 0.0
        text = (
            f"imported {self.links:,} links from {self.pages:,} source pages of {path} as "
            f"{source} ({self.rows:,} rows in {self.seconds:.1f} s, {rate:,.0f} rows/s)"
        )
        if self.skipped_crawled:
            text += (
                f"; {self.skipped_crawled:,} rows skipped: their source page was crawled "
                "(the crawl's link set stands)"
            )
        if self.bad:
            text += f"; {self.bad:,} bad rows skipped, first: " + "; ".join(self.errors)
        return text


def parse_bool(text: str) -> bool:
    return text.strip().lower() in ("true", "1", "yes", "y", "nofollow")


_DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y")


@lru_cache(maxsize=65_536)  # an export repeats its dates many times
def parse_date(text: str) -> float | None:
    """Epoch seconds of an export's date (UTC unless it says otherwise); None when empty.

    >>> parse_date("2024-05-01"), parse_date("2024-05-01T10:20:30Z"), parse_date("May 1, 2024")
    (1714521600.0, 1714558830.0, 1714521600.0)
    """
    text = text.strip()
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        for form in _DATE_FORMATS:
            try:
                when = datetime.strptime(text, form)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"not a date: {text[:40]!r}") from exc
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


# -- reading ------------------------------------------------------------------------------------


def open_text(path: Path) -> io.TextIOWrapper:
    """The file as text: UTF-16 when it starts with a UTF-16 BOM, else UTF-8 (BOM dropped)."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc}") from exc
    head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    encoding = "utf-16" if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
    return io.TextIOWrapper(raw, encoding=encoding, newline="")


def _dialect(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


RowParser = Callable[[list[str]], Row | None]


def read_rows(path: Path, fmt: str, target: str = "") -> Iterator[tuple[int, Row | str]]:
    """(line number, Row) per data row, or (line number, why) for a bad one."""
    if fmt not in FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    with open_text(path) as stream:
        try:
            first = stream.readline()
        except UnicodeDecodeError as exc:
            raise InputFileError(f"{path}: neither UTF-8 nor UTF-16 ({exc})") from exc
        if not first.strip():
            raise InputFileError(f"{path}: empty file")
        delimiter = _dialect(first)
        header = next(csv.reader([first], delimiter=delimiter))
        parse, has_header = _parser(path, fmt, header, target)
        number = 1
        if not has_header:
            yield number, _safe(parse, header)
        reader = csv.reader(stream, delimiter=delimiter)
        try:
            for cells in reader:
                number += 1
                if cells and any(c.strip() for c in cells):
                    yield number, _safe(parse, cells)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InputFileError(f"{path}:{number + 1}: unreadable ({exc})") from exc


def _safe(parse: RowParser, cells: list[str]) -> Row | str:
    try:
        row = parse(cells)
    except IndexError:
        return f"expected more columns, got {len(cells)}"
    except ValueError as exc:
        return str(exc)
    return row if row is not None else "no URL"


def _parser(path: Path, fmt: str, header: list[str], target: str) -> tuple[RowParser, bool]:
    names = [h.strip().lower() for h in header]

    def col(*options: str, required: bool = False) -> int:
        for option in options:
            if option in names:
                return names.index(option)
        if required:
            raise InputFileError(
                f"{path}:1: a {fmt} export needs a column {' or '.join(map(repr, options))}; "
                f"the header has {', '.join(map(repr, header))}"
            )
        return -1

    if fmt == "csv":
        has_header = bool(names) and names[0] == "src_url"
        return _csv_row, has_header
    if fmt == "ahrefs":
        src = col("referring page url", required=True)
        dst = col("target url", "link url", required=True)
        anchor = col("anchor", "link anchor")
        flags = {t: col(t) for t in ("nofollow", "ugc", "sponsored")}
        kind = col("type")
        seen = (col("first seen"), col("last seen"))
        return _ahrefs_row(src, dst, anchor, flags, kind, seen), True
    site = col("site")
    page = col("linking page")
    if page < 0 and site < 0:
        col("linking page", "site", required=True)
    dst = col("target page", "target url")
    if dst < 0 and not target:
        raise ConfigError(
            f"{path}: this Search Console export names no target page: give --target URL "
            "(the page or site its links point to)"
        )
    return _gsc_row(page, site, dst, target, col("last crawled")), True


def _csv_row(cells: list[str]) -> Row | None:
    anchor = cells[2] if len(cells) > 2 else ""
    rel = tuple(dict.fromkeys(cells[3].lower().split())) if len(cells) > 3 else ()
    return Row(cells[0], cells[1], " ".join(anchor.split()), rel)


def _date(cells: list[str], column: int, name: str) -> float | None:
    """The date in `column` (-1: the export has none); ValueError naming the column if bad."""
    if column < 0:
        return None
    try:
        return parse_date(cells[column])
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc


def _ahrefs_row(
    src: int, dst: int, anchor: int, flags: dict[str, int], kind: int, seen: tuple[int, int]
) -> RowParser:
    def parse(cells: list[str]) -> Row | None:
        rel = tuple(t for t, i in flags.items() if i >= 0 and parse_bool(cells[i]))
        text = " ".join(cells[anchor].split()) if anchor >= 0 else ""
        image = kind >= 0 and cells[kind].strip().lower() == "image"
        first, last = _date(cells, seen[0], "First seen"), _date(cells, seen[1], "Last seen")
        return Row(cells[src], cells[dst], text, rel, image, first, last)

    return parse


def _gsc_row(page: int, site: int, dst: int, target: str, crawled: int) -> RowParser:
    def parse(cells: list[str]) -> Row | None:
        to = cells[dst] if dst >= 0 else target
        if page >= 0:
            return Row(cells[page], to, last_seen=_date(cells, crawled, "Last crawled"))
        name = cells[site].strip()
        return Row(name if "://" in name else f"http://{name}/", to)

    return parse


# -- writing -------------------------------------------------------------------------------------


_URL_CACHE: dict[str, tuple[str, str, str]] = {}
_URL_CACHE_MAX = 1_000_000  # exports repeat their targets and linking pages


def _url(text: str) -> tuple[str, str, str]:
    """(canonical URL, host, registrable domain); ValueError when not an http(s) URL."""
    found = _URL_CACHE.get(text)
    if found is not None:
        return found
    simple = _simple_canonical(text.strip())
    if simple is None:
        url = canonicalize(text)
        simple = url, host_of(url)
    found = (*simple, registrable_domain(simple[1]))
    if len(_URL_CACHE) >= _URL_CACHE_MAX:
        _URL_CACHE.clear()
    _URL_CACHE[text] = found
    return found


def crawled_urls(store: Store) -> set[str]:
    """Source pages fetched by a crawl (not by an import): their link sets are not replaced."""
    rows = store.query("SELECT DISTINCT url FROM page_fetches WHERE crawl_id NOT LIKE 'import:%'")
    return {row[0] for row in rows.rows}


def import_file(
    store: Store,
    path: Path,
    fmt: str,
    *,
    target: str = "",
    strict: bool = False,
    batch_rows: int = BATCH_ROWS,
    now: float | None = None,
) -> ImportStats:
    """Stream `path` into the store in columnar batches; see the module docstring."""
    started = time.monotonic()
    source = f"import:{fmt}"
    at = time.time() if now is None else now
    crawled = crawled_urls(store)
    stats = ImportStats()
    ordinals: dict[str, int] = {}
    batch: list[list[Any]] = [[] for _ in LINK_COLUMNS]
    for number, row in read_rows(path, fmt, target):
        stats.rows += 1
        link = _link(row, at, source, crawled, ordinals)
        if isinstance(link, str):
            if link == "crawled":
                stats.skipped_crawled += 1
                continue
            message = f"{path}:{number}: {link}"
            if strict:
                raise InputFileError(message)
            stats.bad += 1
            if len(stats.errors) < SHOWN_ERRORS:
                stats.errors.append(message)
            continue
        stats.links += 1
        for values in link:
            for column, name in zip(batch, _LINK_NAMES, strict=True):
                column.append(values[name])
        if len(batch[0]) >= batch_rows:
            _flush_links(store, batch)
    _flush_links(store, batch)
    stats.pages = _write_pages(store, ordinals, at, source, batch_rows)
    stats.seconds = time.monotonic() - started
    return stats


def _link(
    row: Row | str, at: float, source: str, crawled: set[str], ordinals: dict[str, int]
) -> list[dict[str, Any]] | str:
    """The link_fetches rows of one link, by column name (see `_seen_rows`), or why not."""
    if isinstance(row, str):
        return row
    try:
        src, src_host, src_domain = _url(row.src_url)
    except ValueError:
        return f"source is not an http(s) URL: {row.src_url[:200]!r}"
    try:
        dst, dst_host, dst_domain = _url(row.dst_url)
    except ValueError:
        return f"target is not an http(s) URL: {row.dst_url[:200]!r}"
    if src in crawled:
        return "crawled"
    ordinal = ordinals.get(src, 0)
    ordinals[src] = ordinal + 1
    rel = list(row.rel)
    link = {
        "dst_domain": dst_domain, "dst_url": dst, "src_url": src,
        "fetch_us": round(at * 1_000_000), "ordinal": ordinal, "dst_host": dst_host,
        "src_host": src_host, "src_domain": src_domain, "anchor": row.anchor, "rel": rel,
        "nofollow": "nofollow" in rel, "ugc": "ugc" in rel, "sponsored": "sponsored" in rel,
        "kind": "a", "section": "unknown", "dom_path": "", "is_image": row.is_image,
        "hreflang": "", "is_external": src_domain != dst_domain, "page_nofollow": 0,
        "fetched_at": int(at), "crawl_id": source,
    }  # fmt: skip
    return _seen_rows(link, row, at)


def _seen_rows(link: dict[str, Any], row: Row, at: float) -> list[dict[str, Any]]:
    """The link's row in the import's fetch, at its last seen time, and one more occurrence at
    its first seen time when that is earlier (see the module docstring)."""
    if row.first_seen is None and row.last_seen is None:
        return [link]
    last = min(at if row.last_seen is None else row.last_seen, at)
    link["fetched_at"] = int(last)
    first = last if row.first_seen is None else min(row.first_seen, last)
    if int(first) == int(last):
        return [link]
    earlier = dict(link, fetch_us=round(first * 1_000_000), fetched_at=int(first))
    return [earlier, link]


def _flush_links(store: Store, batch: list[list[Any]]) -> None:
    if batch[0]:
        store.insert_columns("link_fetches", LINK_COLUMNS, batch)
        for column in batch:
            column.clear()


def _write_pages(
    store: Store,
    ordinals: dict[str, int],
    at: float,
    source: str,
    batch_rows: int,
) -> int:
    """One page_fetches row per imported source page, after its links (the store's order)."""
    urls = list(ordinals)
    error = f"not fetched: links imported ({source})"
    for lo in range(0, len(urls), batch_rows):
        chunk = urls[lo : lo + batch_rows]
        parts = [_url(u) for u in chunk]
        data: dict[str, list[Any]] = {
            "url": chunk,
            "fetch_us": [round(at * 1_000_000)] * len(chunk),
            "host": [host for _, host, _ in parts],
            "domain": [domain for _, _, domain in parts],
            "status": [0] * len(chunk),
            "outlink_count": [ordinals[u] for u in chunk],
            "fetched_at": [int(at)] * len(chunk),
            "crawl_id": [source] * len(chunk),
            "error": [error] * len(chunk),
        }
        columns = [column for column in PAGE_COLUMNS if column[0] in data]
        assert len(columns) == len(data), "every name in `data` is a page_fetches column"
        store.insert_columns("page_fetches", columns, [data[name] for name, _, _ in columns])
    return len(urls)
