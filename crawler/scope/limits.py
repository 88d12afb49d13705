"""What no record may carry, whatever a page says: the limits of the record contract.

- a host holding a control, format (bidi, zero-width) or space character, raw or
  percent-encoded (`http://ev%1Bil.com/`): no real host has one, and printed it can rewrite a
  terminal; such a link is dropped and counted, such a seed refused;
- a URL longer than MAX_URL_LENGTH (2,083 characters, the frontier's own limit): dropped and
  counted;
- an anchor or a title longer than MAX_TEXT_CHARS (1,024 characters): cut there, counted;
- more than MAX_PAGE_EMAILS (100) mailto: addresses on one page: the first kept, counted.

    >>> bad_host("ev\\x1bil.com")
    "control character '\\\\x1b' in host 'ev\\\\x1bil.com'"
    >>> bad_host("www.example.com") is None
    True
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote

from crawler.urls.canonical import MAX_URL_LENGTH

__all__ = ["MAX_PAGE_EMAILS", "MAX_TEXT_CHARS", "MAX_URL_LENGTH", "bad_host", "link_refusal"]

# Longer anchors and titles are cut: a 1 MB anchor is a trap or a bug, not a description of
# its target (the longest in ../shared/realweb is far below this).
MAX_TEXT_CHARS = 1024
# A contact page lists a few addresses; thousands are a harvesting trap or a mailing list dump.
MAX_PAGE_EMAILS = 100


def bad_host(host: str) -> str | None:
    """Why `host` cannot be a real host name (see the module docstring), else None."""
    for char in unquote(host):
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Zs", "Zl", "Zp"):
            return f"control character {char!r} in host {host!r}"
    return None


def link_refusal(dst_url: str, dst_host: str) -> str | None:
    """The stats name of why a link cannot be stored ("long_url", "bad_host"), else None."""
    if len(dst_url) > MAX_URL_LENGTH:
        return "long_url"
    if bad_host(dst_host) is not None:
        return "bad_host"
    return None
