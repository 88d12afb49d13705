"""Compression bombs: about 1 MiB on the wire each (gzip, deflate, br, zstd), expanding to
1 GiB of zeros, built fast from one compressed MiB repeated; the guard must refuse them.

    body = bombs()["gzip"]  # valid gzip of 1 GiB of zeros, CRC and length included
"""

from __future__ import annotations

import zlib
from functools import cache

import brotli
from backports import zstd

MiB = 1024 * 1024
BOMB_SIZE = 1024 * MiB  # decompressed; the cap is LINKGRAPH_MAX_PAGE_BYTES' default, 10 MiB


def _deflate_zeros(size: int) -> bytes:
    """Raw deflate of `size` zero bytes, built from one independently compressed MiB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * (size // MiB) + compressor.flush(zlib.Z_FINISH)


def _checksums(size: int) -> tuple[int, int]:
    crc, adler, zeros = 0, 1, bytes(MiB)
    for _ in range(size // MiB):
        crc, adler = zlib.crc32(zeros, crc), zlib.adler32(zeros, adler)
    return crc, adler


@cache
def bombs(size: int = BOMB_SIZE) -> dict[str, bytes]:
    raw = _deflate_zeros(size)
    crc, adler = _checksums(size)
    gzip_header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    br, zs = brotli.Compressor(quality=5), zstd.ZstdCompressor(level=3)
    zeros = bytes(MiB)
    br_body = b"".join(br.process(zeros) for _ in range(size // MiB)) + br.finish()
    zs_body = b"".join(zs.compress(zeros) for _ in range(size // MiB)) + zs.flush()
    return {
        "gzip": gzip_header
        + raw
        + crc.to_bytes(4, "little")
        + (size % 2**32).to_bytes(4, "little"),
        "deflate": b"\x78\xda" + raw + adler.to_bytes(4, "big"),
        "br": br_body,
        "zstd": zs_body,
    }
