"""URL identity: canonical form, host, registrable domain, fingerprint.

The canonical form is what every table stores and what the frontier deduplicates on: the URL
as the WHATWG URL Standard parses it (ada, through ada-url: backslashes, dot segments, IPv4
forms, IDNA UTS #46, percent-encoding as a browser does), then userinfo, fragment, an empty
query and the host's trailing dots dropped; only http(s) URLs are links (docs/LINKS.md lists
each rule with an example). Plain URLs take a fast path (in C when built) with equal answers.

    >>> canonicalize("HTTP://WWW.Example.CO.UK:80/a b?x=1#top")
    'http://www.example.co.uk/a%20b?x=1'
    >>> registrable_domain("www.example.co.uk")
    'example.co.uk'
    >>> Resolver("http://a.com/d/p.html").resolve("../x y#f")
    ('http://a.com/x%20y', 'a.com')
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import ada_url

from crawler import speedups

if TYPE_CHECKING:
    import tldextract

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Schemes of hrefs that are never links (lower case: compared with the lowered href).
NOT_LINK_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "vbscript:")
MAX_URL_LENGTH = 2083
# What the WHATWG parser strips from both ends of a URL (C0 controls and space); str.strip()
# would also take non-ASCII spaces, which a browser keeps (percent-encoded).
_C0_SPACE = "".join(map(chr, range(0x21)))
# Counters a spider may copy into its stats: hrefs the WHATWG parser refused ("invalid_url":
# a host with a space, 256.256.256.256, 1.2.3.4.5 ...) and URLs left with no host once the
# trailing dots are dropped ("invalid_host": http://./).
STATS: Counter[str] = Counter()

# The fast path below handles only URLs made of characters that urljoin, safe_url_string and
# canonicalize all leave alone (w3lib's "safest" sets), so its output equals the slow path's;
# anything else (non-ASCII, spaces, dot segments, userinfo, IPv6...) takes the slow path.
# The scheme is spelled out per letter: `(?i:https?)` would also take U+017F for "s".
_SIMPLE_URL = re.compile(
    r"([hH][tT][tT][pP][sS]?)://([a-zA-Z0-9-]{1,63}(?:\.[a-zA-Z0-9-]{1,63})*)(?::([0-9]{1,5}))?"
    r"(/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*)?(?:\?([A-Za-z0-9\-._~!$&()*+,;=:@/?%]*))?(?:#.*)?",
    re.DOTALL,
)
_RELATIVE_HEAD = re.compile(r"[^/?#]*")
_SAFE_PATH = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*")  # _SIMPLE_URL's path characters


# crawler.urls._fasturls (when built): Resolver's join and registrable_domain's walk for plain
# host names, in C, with the same answers (tests/unit/test_urls_fast.py and
# tests/unit/test_urls_domain.py); set by `_use` at the end of this module.
_JOIN: Callable[[str, str, str, str, str], tuple[str, str] | None] | None = None
_CANONICAL: Callable[[str], tuple[str, str] | None] | None = None
_CANONICAL_MAX = 0
_C_REGISTRABLE: Callable[[str, object], str | None] | None = None


def canonicalize(url: str) -> str:
    """The canonical form of an absolute http(s) URL; raises ValueError when it is not one."""
    url = url.strip(_C0_SPACE)
    simple = _simple_canonical(url)
    return simple[0] if simple is not None else _canonicalize(url)


def canonical_and_host(url: str) -> tuple[str, str]:
    """(canonicalize(url), host_of that URL), in one step on the fast path."""
    url = url.strip(_C0_SPACE)
    simple = _simple_canonical(url)
    if simple is not None:
        return simple
    canonical = _canonicalize(url)
    return canonical, host_of(canonical)


def _canonicalize(url: str) -> str:
    """`canonicalize` by the WHATWG parser (ada): any URL (the fast path's reference)."""
    try:
        found = _canonical_of(ada_url.normalize_url(url))
    except ValueError:
        found = None
    if found is None:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    return found


def _canonical_of(href: str) -> str | None:
    """Our canonical form on top of a WHATWG URL's href: http(s) only, userinfo and fragment
    dropped, an empty query dropped, the host's trailing dots dropped (None when nothing is
    left). Read from the href string: each attribute of a parsed URL is a call of its own."""
    if href.startswith("http://"):
        start = 7
    elif href.startswith("https://"):
        start = 8
    else:
        return None
    href = href.partition("#")[0]
    path_at = href.find("/", start)  # a special URL always has a path
    authority = href[start:path_at].rpartition("@")[2]
    if authority.startswith("["):  # an IPv6 address: its colons are not the port's
        host, _, port = authority.partition("]")
        host, port = host + "]", port[1:]
    else:
        host, _, port = authority.partition(":")
    host = host.rstrip(".")
    if not host:
        STATS["invalid_host"] += 1
        return None
    tail = href[path_at:]
    if tail.find("?") == len(tail) - 1:
        tail = tail[:-1]
    return f"{href[:start]}{host}:{port}{tail}" if port else f"{href[:start]}{host}{tail}"


def resolve(base: str, href: str) -> str | None:
    """`href` resolved against `base` as a browser does (WHATWG URL Standard) and
    canonicalized; None when it is not a link (an invalid URL is counted in STATS)."""
    stripped = href.strip(_C0_SPACE)
    if not stripped or stripped[0] == "#" or stripped.lower().startswith(NOT_LINK_SCHEMES):
        return None
    try:
        joined = ada_url.join_url(base, href) if _valid(base) else ada_url.normalize_url(href)
    except ValueError:
        STATS["invalid_url"] += 1
        return None
    return _canonical_of(joined)


@lru_cache(maxsize=256)
def _valid(base: str) -> bool:
    """The base is a URL: join_url refuses every href on a base that is not, where an
    absolute href is still a URL."""
    return ada_url.check_url(base)


def _simple_canonical(url: str) -> tuple[str, str] | None:
    """(canonical URL, host) for a URL the fast path can vouch for, else None."""
    if _CANONICAL is not None and url.isascii() and len(url) <= _CANONICAL_MAX:
        return _CANONICAL(url)  # the same grammar, in one C pass (no regex, no groups)
    return _regex_canonical(url)


def _regex_canonical(url: str) -> tuple[str, str] | None:
    """`_simple_canonical` by the regex: any URL (the C path's reference)."""
    m = _SIMPLE_URL.fullmatch(url)
    if m is None:
        return None
    scheme, host, port, path, query = m.groups()
    scheme = scheme.lower()
    host = host.lower()
    if not _plain_host(host) or (path and not _plain_absolute_path(path)):
        return None
    netloc = host
    if port is not None:
        number = int(port)
        if number > 65535:
            return None  # the slow path refuses it the same way
        if number != _DEFAULT_PORTS[scheme]:
            netloc = f"{host}:{number}"
    tail = path or "/"
    if query:
        tail = f"{tail}?{query}"
    return f"{scheme}://{netloc}{tail}", host


# A host the WHATWG parser would read as an IPv4 address (its last label starts with a digit:
# "0x7f.1", "1.2.3.4.5", "256.0.0.1", "010.1.1.1") is simple only as a canonical dotted quad.
_DOTTED_QUAD = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.|$)){4}")


def _plain_host(host: str) -> bool:
    """The lowered host needs no WHATWG host parsing: not an IPv4 form other than a dotted
    quad, and no "xn--" label (punycode, which the parser checks)."""
    if host.rpartition(".")[2][:1].isdigit() and _DOTTED_QUAD.fullmatch(host) is None:
        return False
    return "xn--" not in host


def _plain_absolute_path(path: str) -> bool:
    """No dot segment to remove: no "/." and no "%2e" (a dot to the WHATWG parser)."""
    return "/." not in path and "%2e" not in path and "%2E" not in path


class Resolver:
    """Resolves the hrefs of one page against its base: `resolve` semantics, faster.

    Simple hrefs (the vast majority) are joined with plain string operations; the rest go
    through `resolve`. Results are memoized per instance, since pages repeat their links.
    The C walk (crawler.extract._fastlinks) reads `memo` and, when `scheme` is not "" (a
    simple base), `origin`, `path` and `directory`: its join of simple hrefs is the same.
    """

    def __init__(self, base: str) -> None:
        self.base = base
        self.memo: dict[str, tuple[str, str] | None] = {}
        simple = _simple_canonical(base)
        self.scheme = ""
        if simple is not None and simple[0] == base:
            path_start = base.index("/", base.index("//") + 2)
            path = base[path_start:].partition("?")[0]
            if "//" not in path and "/." not in path and ";" not in path:
                self.scheme = base[: base.index(":")]
                self.origin = base[:path_start]
                self.path = path
                self.directory = path[: path.rfind("/") + 1]

    def resolve(self, href: str) -> tuple[str, str] | None:
        """(canonical URL, host) of `href`, or None when it is not a link."""
        memo = self.memo
        if href in memo:
            return memo[href]
        found = None
        if self.scheme:
            if _JOIN is not None:
                found = _JOIN(href, self.scheme, self.origin, self.path, self.directory)
            else:
                found = self._fast(href)
        if found is None:
            url = resolve(self.base, href)
            found = None if url is None else (url, host_of(url))
        memo[href] = found
        return found

    def _fast(self, href: str) -> tuple[str, str] | None:
        """The joined URL for hrefs whose join is plain concatenation, else None."""
        href = href.strip(_C0_SPACE)
        if not href or href[0] == "#":
            return None
        if href[0] == "/":
            if href[:2] == "//":
                return _simple_canonical(f"{self.scheme}:{href}") if _no_params(href) else None
            if not _no_params(href):
                return None
            if not _plain_path(href):
                # An empty segment among dot segments ("/..//"): urljoin gives "/", the
                # WHATWG standard "//": the slow path (ada) answers.
                return None if "//" in href.partition("?")[0] else self._dotted(href)
            return _simple_canonical(self.origin + href)
        if href[0] == "?":
            if href[1:2] in ("", "#"):
                return None  # urljoin keeps the base's query for an empty one
            return _simple_canonical(self.origin + self.path + href)
        head = _RELATIVE_HEAD.match(href)
        if head is not None and ":" in head.group():
            if href[:4].lower() != "http" or not _no_params(href):
                return None
            return _simple_canonical(href)
        if not _no_params(href) or "//" in href.partition("?")[0]:
            return None
        if href[0] == "." or not _plain_path(href):
            return self._dotted(href)
        return _simple_canonical(self.origin + self.directory + href)

    def _dotted(self, href: str) -> tuple[str, str] | None:
        """An href whose path has dot segments: urljoin merges it. Plain characters only:
        urlsplit removes tabs and newlines (which could make a dot segment) before joining."""
        head = href.partition("#")[0]
        if _SAFE_PATH.fullmatch(head.partition("?")[0]) is None or not head.isprintable():
            return None
        return _simple_canonical(urljoin(self.origin + self.path, href))


def _plain_path(href: str) -> bool:
    """The path part has no dot segment, so joining it is concatenation (params are ruled out
    before, by `_no_params`)."""
    return "/." not in href.partition("?")[0].partition("#")[0]


def _no_params(href: str) -> bool:
    """The path part has no `;`: urljoin (urlparse) drops an empty `;params` of a URL with
    a host, which canonicalize (urlsplit) keeps."""
    return ";" not in href.partition("?")[0].partition("#")[0]


def host_of(url: str) -> str:
    """The lowercased host name of a URL, without port."""
    return (urlsplit(url).hostname or "").rstrip(".")


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """The registrable domain (eTLD+1) of a host; an IP address or bare name stays as it is."""
    if _C_REGISTRABLE is not None:
        found = _C_REGISTRABLE(host, _suffixes())
        if found is not None:
            return found
    if _PLAIN_HOST.fullmatch(host) is None or "xn--" in host:
        if not host or ".." in host or host[0] == ".":  # an empty label: no domain name
            return host
        ext = _extractor()(host)
        if ext.suffix and ext.domain:
            return f"{ext.domain}.{ext.suffix}"
        return host if ext.suffix else _default_rule(host)
    labels = host.split(".")
    start = _public_suffix_start(labels)
    if start is None:
        return _default_rule(host)
    if not start:  # the host is a public suffix: it has no registrable domain
        return host
    return ".".join(labels[start - 1 :])


def _default_rule(host: str) -> str:
    """The public suffix list's implicit "*" rule for a host under no listed suffix: its last
    label is the suffix (`b.example.example` is in `example.example`). A host whose last label
    is all digits (an IPv4 address) or with an empty label stays as it is."""
    labels = host.split(".")
    if len(labels) < 2 or labels[-1].isdigit() or "" in labels:
        return host
    return ".".join(labels[-2:])


# A plain lower-case host name: tldextract's parsing leaves it as it is and its labels need no
# IDNA decoding, so its public suffix trie can be walked directly (~4x faster than a call).
_PLAIN_HOST = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*")


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    """Offline: the bundled public suffix list only (a fetch would hang without internet), its
    private section included (github.io, blogspot.com, uk.com: each site its own domain, as
    browsers scope cookies); the snapshot's version is in docs/LINKS.md. Made on first use
    (an IDNA or odd host), not at import: tldextract brings requests, ~0.2 s of start-up."""
    import tldextract  # imported here: the CLI's start-up

    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


class SuffixNode:
    """One label of the public suffix trie, shaped as tldextract's `Trie` (`.matches` by
    label, `.end` where a rule ends), which `_public_suffix_start` and the C walk read."""

    __slots__ = ("end", "matches")

    def __init__(self) -> None:
        self.matches: dict[str, SuffixNode] = {}
        self.end = False


# tldextract's rule pattern (suffix_list.PUBLIC_SUFFIX_RE): a line's first word, comments
# ("//") and blank lines skipped.
_SUFFIX_RULE = re.compile(r"^(?P<suffix>[.*!]*\w[\S]*)", re.UNICODE | re.MULTILINE)


@lru_cache(maxsize=1)
def _suffixes() -> SuffixNode:
    """The trie of tldextract's bundled list (ICANN and private rules, as `_extractor` reads
    it), built from the same file without importing tldextract: a query command resolves its
    DOMAIN with it at every start (tests/unit/test_startup.py checks the tries are equal)."""
    spec = importlib.util.find_spec("tldextract")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("tldextract is not installed: no public suffix list")
    path = Path(next(iter(spec.submodule_search_locations))) / ".tld_set_snapshot"
    root = SuffixNode()
    for rule in _SUFFIX_RULE.finditer(path.read_text(encoding="utf-8")):
        node = root
        for label in reversed(rule["suffix"].split(".")):
            node = node.matches.get(label) or node.matches.setdefault(label, SuffixNode())
        node.end = True
    return root


def _public_suffix_start(labels: list[str]) -> int | None:
    """Index of the first label of the public suffix (tldextract's suffix_index, ICANN and
    private rules), or None when no rule matches."""
    node = _suffixes()
    found = position = len(labels)
    for label in reversed(labels):
        child = node.matches.get(label)
        if child is not None:
            position -= 1
            node = child
            if node.end:
                found = position
            continue
        if "*" in node.matches:
            return position if "!" + label in node.matches else position - 1
        break
    return None if found == len(labels) else found


def domain_of(url: str) -> str:
    return registrable_domain(host_of(url))


def fingerprint(url: str) -> int:
    """A 64-bit fingerprint of a canonical URL (the frontier's seen-set key)."""
    return int.from_bytes(hashlib.blake2b(url.encode(), digest_size=8).digest(), "big")


def _use(fast: ModuleType | None) -> None:
    global _JOIN, _CANONICAL, _CANONICAL_MAX, _C_REGISTRABLE
    _JOIN = None if fast is None else fast.join
    _CANONICAL = None if fast is None else fast.canonical
    _CANONICAL_MAX = 0 if fast is None else fast.CANONICAL_MAX
    _C_REGISTRABLE = None if fast is None else fast.registrable
    registrable_domain.cache_clear()  # its answers came from the other path


speedups.load("crawler.urls._fasturls", "urls", _use)
