# SPDX-License-Identifier: AGPL-3.0-or-later
"""How raw mail is packed for storage, and unpacked again, byte for byte.

PostgreSQL compresses large values itself only with pglz (slow enough to be
the largest cost of ingest) or lz4 (not in every build, and not in the
embedded one), so Threadwork stores raw mail uncompressed in the database
(archive/migrations/0004_fast_toast.py) and compresses it here instead.

Measured on linux-rtc's 17,232 mails (154 MB; docs/performance.md, "Disk"):
zstd level 3 keeps 44% of the bytes (2.28:1) at 59 µs a mail to compress
and 18 µs to decompress; zlib level 6 keeps 43% at 140 and 42 µs, zlib
level 1 45% at 113 and 37 µs. zstd is as small and two to three times
faster both ways, so ingest and ``/raw`` pay least.

Each stored row says which codec it holds, so rows written before
compression (codec NONE) are read as they are and packed later by
``manage.py compact``. Pure: no Django.
"""

from __future__ import annotations

import enum
import threading

import zstandard

__all__ = ["Codec", "pack", "unpack"]


class Codec(enum.IntEnum):
    """The stored form of one raw mail; values are stored, never renumber them."""

    NONE = 0
    ZSTD = 1


LEVEL = 3  # zstd's default: levels above it cost more time than they save bytes here

# Compressor and decompressor objects are not safe to share between threads
# (ingest writes from a thread, the web server may run several), so each
# thread keeps its own; creating them per call costs more than small mails.
_local = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    found = getattr(_local, "compressor", None)
    if found is None:
        # The content size in the frame lets decompress() size its output exactly.
        found = _local.compressor = zstandard.ZstdCompressor(level=LEVEL, write_content_size=True)
    return found


def _decompressor() -> zstandard.ZstdDecompressor:
    found = getattr(_local, "decompressor", None)
    if found is None:
        found = _local.decompressor = zstandard.ZstdDecompressor()
    return found


def pack(raw: bytes) -> tuple[Codec, bytes]:
    """The codec and bytes to store for ``raw``: zstd, unless that is no smaller."""
    packed = _compressor().compress(raw)
    if len(packed) >= len(raw):  # tiny or already compressed mail: keep it as it is
        return Codec.NONE, raw
    return Codec.ZSTD, packed


def unpack(codec: int, stored: bytes | memoryview) -> bytes:
    """The raw mail from what :func:`pack` stored under ``codec``."""
    if codec == Codec.NONE:
        return bytes(stored)
    if codec == Codec.ZSTD:
        return _decompressor().decompress(stored)
    raise ValueError(f"unknown raw mail codec {codec}")
