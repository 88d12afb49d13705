"""The compression bombs the guard tests serve are what they claim (tests/helpers/bombs.py); the
guard refusing them in a real crawl is tests/e2e/test_guard_crawl.py."""

from __future__ import annotations

import gzip
import io
import zlib

import brotli
from backports import zstd

from tests.helpers.bombs import MiB, bombs


def test_bombs_are_what_they_claim() -> None:
    """Each bomb is about 1 MiB and expands far past the cap; the construction is valid gzip."""
    for name, body in bombs().items():
        assert len(body) < 1.1 * MiB, (name, len(body))
        assert _expand(name, body, 64 * MiB) == bytes(64 * MiB), name
    # The same construction at 8 MiB, through gzip's own CRC and length checks.
    assert gzip.decompress(bombs(8 * MiB)["gzip"]) == bytes(8 * MiB)
    assert zlib.decompress(bombs(8 * MiB)["deflate"]) == bytes(8 * MiB)


def _expand(name: str, body: bytes, limit: int) -> bytes:
    """The first `limit` bytes `body` expands to, never holding more."""
    if name == "zstd":
        return zstd.ZstdFile(io.BytesIO(body)).read(limit)
    if name == "br":
        decoder, out = brotli.Decompressor(), bytearray()
        out += decoder.process(body, output_buffer_limit=MiB)
        while len(out) < limit and not decoder.is_finished():
            out += decoder.process(b"", output_buffer_limit=MiB)
        return bytes(out[:limit])
    return zlib.decompressobj(31 if name == "gzip" else 15).decompress(body, limit)
