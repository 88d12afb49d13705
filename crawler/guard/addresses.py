"""Which IP addresses a crawler may connect to, and what a URL's host means as an address.

Two pure functions hold the policy the SSRF guard (crawler/guard/middlewares.py) enforces:

- `is_public(address)`: a globally routable unicast address, looking through IPv6 forms that embed
  an IPv4 address (mapped, compatible, 6to4, Teredo, NAT64) at the address they really reach;
- `literal_address(host)`: the address a URL host denotes when it is an IP literal in any
  spelling a resolver, proxy or browser accepts (WHATWG URL and inet_aton rules), else None;
- `internal_name(host)`: why a name is one only a private network resolves (single-label,
  or under a reserved suffix), for proxy mode, where the proxy resolves names we cannot check.

    >>> literal_address("0x7f.1")
    IPv4Address('127.0.0.1')
    >>> is_public(literal_address("[::ffff:7f00:1]"))
    False
    >>> literal_address("example.com") is None
    True
"""

from __future__ import annotations

import ipaddress
import unicodedata
from urllib.parse import unquote

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Well-known NAT64 prefix (RFC 6052): the last 32 bits are the IPv4 address reached.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# IPv4-compatible IPv6 addresses (deprecated, RFC 4291 2.5.5.1): ::a.b.c.d.
_COMPATIBLE = ipaddress.IPv6Network("::/96")
# Dots that IDNA (UTS 46) maps to "." : a resolver or proxy may see them as separators.
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
# Names that only a private network resolves: mDNS, the loopback name, cloud metadata and
# Kubernetes services (RFC 6762, 6761, 8375; ICANN's .internal, 2024).
INTERNAL_SUFFIXES = ("internal", "local", "localhost", "svc", "home.arpa", "localdomain")
_DECIMAL_DIGITS = frozenset("0123456789")
_OCTAL_DIGITS = frozenset("01234567")
_HEX_DIGITS = frozenset("0123456789abcdef")


def is_public(address: IPAddress) -> bool:
    """True when `address` is a global unicast address that is safe to fetch from."""
    embedded = _embedded_ipv4(address) if address.version == 6 else None
    if embedded is not None:
        return is_public(embedded)
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or (address.version == 6 and address.is_site_local)
    )


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address reaches through a translation or tunnel, if any."""
    assert isinstance(address, ipaddress.IPv6Address)
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        server, client = address.teredo
        # Either end being private is enough to reach inside; report the worse one.
        return client if not is_public(client) else server
    if address in _NAT64 or (address in _COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def literal_address(host: str) -> IPAddress | None:
    """The IP address `host` spells, or None for a name; ValueError for a malformed number.

    Accepts "[::1]", "::1", "127.0.0.1.", "2130706433", "0x7f000001", "0177.0.0.1", "127.1",
    percent-encoded and full-width forms. A host whose last label is numeric but that is not a
    valid IPv4 address raises ValueError: browsers and proxies disagree on such hosts.
    """
    host = unicodedata.normalize("NFKC", unquote(host)).translate(_DOTS).strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        return ipaddress.IPv6Address(host.split("%", 1)[0])
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    if not labels or not _is_number(labels[-1]):
        return None
    return _parse_ipv4(labels)


def _is_number(label: str) -> bool:
    if label[:2] == "0x":
        return all(c in _HEX_DIGITS for c in label[2:])
    return bool(label) and set(label) <= _DECIMAL_DIGITS


def _parse_ipv4(labels: list[str]) -> ipaddress.IPv4Address:
    """The WHATWG URL standard's IPv4 parser (the inet_aton spellings, minus trailing junk)."""
    if len(labels) > 4:
        raise ValueError(f"too many parts for an IPv4 address: {'.'.join(labels)!r}")
    numbers = [_parse_ipv4_number(label) for label in labels]
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        raise ValueError(f"IPv4 address out of range: {'.'.join(labels)!r}")
    value = last
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _parse_ipv4_number(label: str) -> int:
    # int() alone would take "1_0", " 1", "+1" and non-ASCII digits; no resolver does.
    if label[:2] == "0x":
        digits, base, allowed = label[2:], 16, _HEX_DIGITS
    elif len(label) > 1 and label[0] == "0":
        digits, base, allowed = label[1:], 8, _OCTAL_DIGITS
    else:
        digits, base, allowed = label, 10, _DECIMAL_DIGITS
    if not set(digits) <= allowed or (base != 16 and not digits):
        raise ValueError(f"not an IPv4 number: {label!r}")
    return int(digits or "0", base)


def internal_name(host: str) -> str | None:
    """Why `host` names a private-network service, else None: a proxy would resolve it on its
    side (`intranet`, `metadata.google.internal`), where the guard cannot check the address.

    >>> internal_name("metadata.google.internal")
    'metadata.google.internal is under .internal, a private-network name'
    >>> internal_name("example.com") is None
    True
    """
    name = host.lower().translate(_DOTS).rstrip(".")
    if "." not in name:
        return f"{host} is a single-label name, resolved only on a private network"
    for suffix in INTERNAL_SUFFIXES:
        if name == suffix or name.endswith("." + suffix):
            return f"{host} is under .{suffix}, a private-network name"
    return None
