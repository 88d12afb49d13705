"""Crawled text shown to a person: control and bidi characters made visible, never obeyed.

Anchors, titles, URLs and host names come from pages anyone can write. Printed raw, an
``ESC ] 0 ;`` sequence retitles the terminal, ``ESC ] 8 ;;`` plants a hyperlink, a colour code
paints the rest of the screen, and a bidi override (U+202E) makes ``exe.txt`` read as
``txt.exe``. Human output (tables, `status`, progress) passes every such text through `visible`;
machine formats (CSV, JSON lines, XLSX) keep the data as stored.

    >>> visible("a\\x1b]0;owned\\x07b")
    'a\\\\x1b]0;owned\\\\x07b'
    >>> visible("abc\\u202etxt.exe")
    'abc\\\\u202etxt.exe'
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# C0 and C1 controls and DEL, but tab; the bidi embeddings, overrides and isolates (and the
# Arabic letter mark), which reorder what follows them.
_HIDDEN = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every control and bidi character written as an escape (``\\x1b``)."""
    return _HIDDEN.sub(_escape, text)


def redacted(url: str) -> str:
    """`url` with its password replaced by ``***``: summary lines end up in logs and tickets.

    >>> redacted("clickhouse://linkgraph:s3cret@ch1:9000/lg")
    'clickhouse://linkgraph:***@ch1:9000/lg'
    >>> redacted("/var/lib/linkgraph/store")
    '/var/lib/linkgraph/store'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    name = user.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{name}:***@{host}"))
