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

A zstd dictionary trained on an archive's own mail (the headers and
boilerplate every mail repeats) keeps a fifth less again for the same CPU
(linux-rtc: 67.3 -> 54.6 MB with one trained on the first 2,000 mails).
Rows packed with one are ``ZSTD_DICT``; the dictionary's id is in each zstd
frame, and the dictionary is looked up by it (``set_loader``: archive.rawdicts reads them from the
database, which keeps every dictionary for as long as mail uses it).
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Sequence

import zstandard

__all__ = [
    "Codec",
    "cut_body",
    "pack",
    "ready_to_unpack",
    "set_loader",
    "splice_body",
    "train",
    "unpack",
    "use_dictionary",
]


class Codec(enum.IntEnum):
    """The stored form of one raw mail; values are stored, never renumber them."""

    NONE = 0
    ZSTD = 1
    ZSTD_DICT = 2  # zstd with a trained dictionary, named by the id in the frame


LEVEL = 3  # zstd's default: levels above it cost more time than they save bytes here
# With a dictionary, level 2 costs what plain level 3 does (34 µs a linux-rtc
# mail of CPU, against 45 µs at level 3) and keeps 54.6 MB instead of 53.1.
DICTIONARY_LEVEL = 2

# Compressor and decompressor objects are not safe to share between threads
# (ingest writes from a thread, the web server may run several), so each
# thread keeps its own; creating them per call costs more than small mails.
_local = threading.local()


# Dictionaries by id, kept for the life of the process (about 110 KB each;
# an archive has one or a few). Ids are chosen by whoever stores them.
_dictionaries: dict[int, zstandard.ZstdCompressionDict] = {}
_packing: zstandard.ZstdCompressionDict | None = None  # what pack() uses, if any
_loader: Callable[[int], bytes | None] | None = None
DICTIONARY_BYTES = 110 * 1024  # zstd's default size; 256 KB saved 1.3% more


def train(samples: Sequence[bytes], dict_id: int) -> bytes | None:
    """A dictionary with id ``dict_id`` trained on ``samples``, or None if they are too few."""
    try:
        trained = zstandard.train_dictionary(DICTIONARY_BYTES, list(samples), dict_id=dict_id)
    except zstandard.ZstdError:  # too few or too small samples to learn from
        return None
    return trained.as_bytes()


def use_dictionary(data: bytes | None) -> None:
    """Pack with this dictionary from now on (None: plain zstd); it is also known for reading.

    Set before ingest forks its parse workers, which inherit it.
    """
    global _packing
    _packing = _register(data) if data is not None else None


def set_loader(loader: Callable[[int], bytes | None]) -> None:
    """How a dictionary not yet known to this process is found by its id."""
    global _loader
    _loader = loader


def _register(data: bytes) -> zstandard.ZstdCompressionDict:
    found = zstandard.ZstdCompressionDict(data, dict_type=zstandard.DICT_TYPE_FULLDICT)
    return _dictionaries.setdefault(found.dict_id(), found)


def _dictionary(dict_id: int, what: str) -> zstandard.ZstdCompressionDict:
    found = _dictionaries.get(dict_id)
    if found is None:
        data = _loader(dict_id) if _loader is not None and dict_id else None
        if data is None:
            raise ValueError(f"{what} packed with zstd dictionary {dict_id}, which is missing")
        found = _register(data)
    return found


def _compressor(level: int | None = None) -> zstandard.ZstdCompressor:
    # One per thread, dictionary and level: ingest may switch dictionaries between imports.
    if level is None:
        level = LEVEL if _packing is None else DICTIONARY_LEVEL
    key = (_packing.dict_id() if _packing is not None else 0, level)
    found: dict[tuple[int, int], zstandard.ZstdCompressor] | None = getattr(
        _local, "compressors", None
    )
    if found is None:
        found = _local.compressors = {}
    if key not in found:
        # The content size in the frame lets decompress() size its output exactly.
        # With a dictionary, a checksum too: mail is never read back wrong,
        # even if some process held another dictionary under the same id.
        found[key] = zstandard.ZstdCompressor(
            level=level, write_content_size=True, dict_data=_packing,
            write_checksum=_packing is not None,
        )  # fmt: skip
    return found[key]


def ready_to_unpack(data: bytes) -> None:
    """Know this dictionary, and this thread's decompressor for it, before the first
    frame that needs it (a worker's warm-up; ``rawdicts.ready_to_unpack``)."""
    _decompressor(_register(data).dict_id())


def _decompressor(dict_id: int = 0, what: str = "raw mail") -> zstandard.ZstdDecompressor:
    found: dict[int, zstandard.ZstdDecompressor] | None = getattr(_local, "decompressors", None)
    if found is None:
        found = _local.decompressors = {}
    if dict_id not in found:
        found[dict_id] = zstandard.ZstdDecompressor(
            dict_data=_dictionary(dict_id, what) if dict_id else None
        )
    return found[dict_id]


def pack(raw: bytes, level: int | None = None) -> tuple[Codec, bytes]:
    """The codec and bytes to store for ``raw``: zstd (with the dictionary in use), if smaller.

    ``level``: zstd's level, else LEVEL (DICTIONARY_LEVEL with a dictionary).
    """
    packed = _compressor(level).compress(raw)
    if len(packed) >= len(raw):  # tiny or already compressed mail: keep it as it is
        return Codec.NONE, raw
    return (Codec.ZSTD_DICT if _packing is not None else Codec.ZSTD), packed


def unpack(codec: int, stored: bytes | memoryview, what: str = "raw mail") -> bytes:
    """The raw mail from what :func:`pack` stored under ``codec``.

    ``what`` names the bytes in errors (message bodies are packed here too).
    """
    if codec == Codec.NONE:
        return bytes(stored)
    if codec == Codec.ZSTD:
        return _decompressor().decompress(stored)
    if codec == Codec.ZSTD_DICT:
        stored = bytes(stored)
        dict_id = zstandard.get_frame_parameters(stored).dict_id
        return _decompressor(dict_id, what).decompress(stored)
    raise ValueError(f"unknown {what} codec {codec}")


# A body shorter than this stays in its raw mail: what it would save is less
# than the offset and the reader's second value cost to keep.
CUT_AT_LEAST = 64


def cut_body(raw: bytes, body: bytes) -> tuple[bytes, int | None]:
    """``raw`` without the bytes of ``body`` and the offset they go back at, when
    ``raw`` holds them verbatim after its first empty line; else ``(raw, None)``.

    Most list mail is plain text sent as it is, so the body a message stores
    (its UTF-8 text) is also a run of its raw mail's bytes: stored twice, it
    was 15 of the 54.5 MB of linux-rtc's packed raw mail. What is cut is the
    run ``find`` matched, so :func:`splice_body` puts back the mail byte for byte
    by construction (tests/archive/test_raw_without_body.py checks every reader).
    """
    if len(body) < CUT_AT_LEAST:
        return raw, None
    # Cut only after the first empty line: what is stored then starts with the
    # whole header block (archive.parsing.mail_headers reads it without the body).
    head = raw.find(b"\n\n")
    at = raw.find(body, head + 2) if head >= 0 else -1
    if at < 0:
        return raw, None
    return raw[:at] + raw[at + len(body) :], at


def splice_body(rest: bytes, at: int | None, body: bytes) -> bytes:
    """The raw mail :func:`cut_body` cut ``body`` out of at ``at`` (None: ``rest`` is all of it)."""
    if at is None:
        return rest
    return b"".join((rest[:at], body, rest[at:]))
