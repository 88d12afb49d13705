"""URL identity: canonical form, host, registrable domain, fingerprint.

The canonical form is what every table stores and what the frontier deduplicates on:
scheme and host lowercased, default port removed, an empty path made "/", the fragment
dropped, unsafe characters percent-encoded (w3lib), the query kept as written.

    >>> canonicalize("HTTP://WWW.Example.CO.UK:80/a b?x=1#top")
    'http://www.example.co.uk/a%20b?x=1'
    >>> registrable_domain("www.example.co.uk")
    'example.co.uk'
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

import tldextract
from w3lib.url import safe_url_string

# Offline: the bundled public suffix list only (a fetch would hang without internet).
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NOT_LINKS = ("javascript:", "mailto:", "tel:", "data:", "about:", "vbscript:")
MAX_URL_LENGTH = 2083


def canonicalize(url: str) -> str:
    """The canonical form of an absolute http(s) URL; raises ValueError when it is not one."""
    parts = urlsplit(safe_url_string(url.strip()))
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    netloc = parts.hostname.rstrip(".")
    if ":" in netloc:  # IPv6 literal
        netloc = f"[{netloc}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def resolve(base: str, href: str) -> str | None:
    """`href` resolved against `base` and canonicalized; None when it is not a link."""
    href = href.strip()
    if not href or href.startswith("#") or href.lower().startswith(_NOT_LINKS):
        return None
    try:
        return canonicalize(urljoin(base, href))
    except ValueError:
        return None


def host_of(url: str) -> str:
    """The lowercased host name of a URL, without port."""
    return (urlsplit(url).hostname or "").rstrip(".")


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """The registrable domain (eTLD+1) of a host; an IP address or bare name stays as it is."""
    ext = _EXTRACT(host)
    if ext.suffix and ext.domain:
        return f"{ext.domain}.{ext.suffix}"
    return host


def domain_of(url: str) -> str:
    return registrable_domain(host_of(url))


def fingerprint(url: str) -> int:
    """A 64-bit fingerprint of a canonical URL (the frontier's seen-set key)."""
    return int.from_bytes(hashlib.blake2b(url.encode(), digest_size=8).digest(), "big")
