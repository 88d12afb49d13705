"""E-mail addresses of `mailto:` hrefs: the contacts a page offers (docs/LINKS.md, "mailto").

A `mailto:` href is not a link (nothing to fetch, no backlink to count): its addresses are a
fact of the page (`PageFacts.emails`, stored as `page_fetches.emails`). The rules, RFC 6068
read for outreach: the part before `?` only (`?subject=`, `?cc=`, `?body=` are dropped),
percent-decoded, split at `,` (and `;`, which mail clients accept), spaces around each
address trimmed, its domain lower-cased (IDNA for a non-ASCII one) with a trailing dot
dropped, its local part kept as written; an address that is not a plain `local@domain`
(RFC 5322 dot-atom, a domain of two or more labels, 254 characters at most) is not an
address. That refuses control characters, spaces, markup and quotes: what a hostile page
puts in an href never reaches the store unless it is a valid address, and a valid one that
looks like a formula (`=x@a.com`) is written as every other crawled text is
(crawler/cli/output.py).

    >>> mailto_addresses("MAILTO:Info@Example.COM,%20sales@example.com?subject=Hi")
    ('Info@example.com', 'sales@example.com')
    >>> mailto_addresses("mailto:<script>@x.com"), mailto_addresses("http://a.com/")
    ((), ())
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from crawler.urls.canonical import NOT_LINK_SCHEMES

MAX_ADDRESS = 254  # RFC 5321's path limit, less the angle brackets
MAX_LOCAL = 64
_C0_SPACE = "".join(map(chr, range(0x21)))
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")
_SEPARATORS = re.compile(r"[,;]")
_SCHEME = "mailto:"
assert _SCHEME in NOT_LINK_SCHEMES  # an href is a mailto or a link, never both


def mailto_addresses(href: str | None) -> tuple[str, ...]:
    """The addresses of a `mailto:` href, in order, without repeats; () for any other href
    or when no address in it is valid."""
    if not href:
        return ()
    value = href.strip(_C0_SPACE)
    if value[:7].lower() != _SCHEME:
        return ()
    value = unquote(value[7:].split("?", 1)[0], errors="replace")
    found = (_address(part) for part in _SEPARATORS.split(value))
    return tuple(dict.fromkeys(a for a in found if a))


def _address(text: str) -> str:
    """`text` as a normalised address, '' when it is not one."""
    # Spaces only: a decoded control character (%00, %0A) is a refused address, not trimmed.
    local, at, domain = text.strip(" ").rpartition("@")
    if not at or len(local) > MAX_LOCAL or not _LOCAL.fullmatch(local):
        return ""
    domain = domain.lower().removesuffix(".")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return ""
    if not _DOMAIN.fullmatch(domain):
        return ""
    address = f"{local}@{domain}"
    return address if len(address) <= MAX_ADDRESS else ""
