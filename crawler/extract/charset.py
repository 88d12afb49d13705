"""The character encoding of an HTML body, in the HTML standard's order, and its decoding.

Order (HTML standard, "determining the character encoding"): a byte order mark, the charset of
the Content-Type header, a `<meta charset>` or `<meta http-equiv="content-type">` in the first
1024 bytes, then a sniff: valid UTF-8 is UTF-8, anything else windows-1252.

    >>> encoding_of(b'<meta charset="latin1"><p>caf\\xe9', "text/html")
    'cp1252'
    >>> decode_html(b'\\xef\\xbb\\xbfcaf\\xc3\\xa9', "text/html; charset=iso-8859-1")
    'café'
"""

from __future__ import annotations

import codecs
import re
import sys
from collections.abc import Callable
from functools import lru_cache
from types import ModuleType

from crawler import speedups

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOM_STARTS = frozenset(bom[:1] for bom, _ in _BOMS)
# The standard maps these labels to other encodings than Python's codecs of the same name.
_WHATWG_ALIASES = {
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "l1": "cp1252",
    "windows-1252": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "x-sjis": "shift_jis",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "x-mac-roman": "mac-roman",
    "macintosh": "mac-roman",
}
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([^\s;"']+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([^\s;"'/>]+)""", re.I)
PRESCAN_BYTES = 1024
_NOT_HTML_CODECS = frozenset(
    ("undefined", "idna", "punycode", "unicode-escape", "raw-unicode-escape", "utf-7", "mbcs")
)


def codec_for(label: str) -> str | None:
    """The Python codec for an encoding label, or None when the label is unknown."""
    label = label.strip().lower()
    if not label:
        return None
    label = _WHATWG_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):  # ValueError: a NUL in the label
        return None
    name = "cp1252" if info.name == "iso8859-1" else info.name
    # Python also has codecs that are not character encodings (rot13, base64, idna...).
    if not getattr(info, "_is_text_encoding", True) or name in _NOT_HTML_CODECS:
        return None
    # A meta or header saying UTF-16 on a body without a BOM means UTF-8 (the standard).
    return "utf-8" if name.startswith("utf-16") or name == "utf-32" else name


def _bom(body: bytes) -> tuple[str, int] | None:
    if body[:1] not in _BOM_STARTS:
        return None
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name, len(bom)
    return None


@lru_cache(maxsize=1024)
def _from_header(content_type: str | None) -> str | None:
    """Memoized: a crawl sees a few Content-Type values, on every page."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return codec_for(match.group(1)) if match else None


def _from_meta(body: bytes) -> str | None:
    if b"charset" not in body[:PRESCAN_BYTES].lower():  # the regex's case-insensitive word
        return None  # most pages say no charset: a byte search, not the regex's scan
    match = _META_CHARSET.search(body, 0, PRESCAN_BYTES)
    if match is None:
        return None
    return codec_for(match.group(1).decode("ascii", "replace"))


# crawler.extract._fastlinks.valid_utf8 (when built): whether the body decodes as UTF-8, without
# decoding it.
_VALID_UTF8: Callable[[bytes], bool] | None = None


def _use(fast: ModuleType | None) -> None:
    global _VALID_UTF8
    _VALID_UTF8 = None if fast is None else fast.valid_utf8


speedups.load("crawler.extract._fastlinks", "extraction", _use)


def sniff(body: bytes, cut: bool = False, valid_utf8: bool | None = None) -> str:
    """The encoding of a body that declares none: UTF-8 when it is valid UTF-8 (`valid_utf8`
    when already known), else windows-1252."""
    if valid_utf8 is None and _VALID_UTF8 is not None:
        valid_utf8 = _VALID_UTF8(body)
    if valid_utf8:
        return "utf-8"  # the common case; the decoding below says why a body is not
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A UTF-8 sequence cut short at the end by a size cap is still UTF-8.
        if not (cut and exc.reason == "unexpected end of data"):
            return "cp1252"
    return "utf-8"


@lru_cache(maxsize=64)
def utf8_table(encoding: str) -> bytes | None:
    """For a single-byte encoding (a charmap codec: windows-125x, iso-8859-x, koi8, mac...):
    each byte's decoding, "replace" errors (U+FFFD), as UTF-8 in 4 bytes a byte, its length
    first, for a transcoder that skips the str round trip; None for any other encoding.

    >>> utf8_table("cp1252")[4 * 0x80 : 4 * 0x81]  # the euro sign
    b'\\x03\\xe2\\x82\\xac'
    """
    info = codecs.lookup(encoding)
    module = getattr(getattr(info.decode, "__self__", None), "__module__", "")
    table = getattr(sys.modules.get(module), "decoding_table", None)
    if not isinstance(table, str) or len(table) != 256:
        return None
    every = bytes(range(256))
    chars = [every[i : i + 1].decode(encoding, "replace") for i in range(256)]
    if every.decode(encoding, "replace") != "".join(chars) or any(len(c) != 1 for c in chars):
        return None  # not one character a byte, whatever came before: not for the table
    out = bytearray()
    for char in chars:
        utf8 = char.encode("utf-8")
        out += bytes((len(utf8),)) + utf8.ljust(3, b"\0")
    return bytes(out)


def detect(body: bytes, content_type: str | None = None, cut: bool = False) -> tuple[str, int]:
    """(Python codec name, length of the byte order mark to skip) for `body`;
    `cut` says the body was cut at a size cap, maybe inside a character."""
    return declared(body, content_type) or (sniff(body, cut), 0)


def declared(body: bytes, content_type: str | None = None) -> tuple[str, int] | None:
    """(codec, byte order mark length) when the body or its header says the encoding: a
    byte order mark, the header's charset, a meta in the first 1024 bytes; else None."""
    bom = _bom(body)
    if bom is not None:
        return bom
    found = _from_header(content_type) or _from_meta(body)
    return None if found is None else (found, 0)


def encoding_of(body: bytes, content_type: str | None = None) -> str:
    """The Python codec name to decode `body` with."""
    return detect(body, content_type)[0]


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """`body` as text: decoded with `encoding_of`, a BOM dropped, bad bytes replaced."""
    encoding, skip = detect(body, content_type)
    return body[skip:].decode(encoding, "replace")
