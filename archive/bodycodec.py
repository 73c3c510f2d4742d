# SPDX-License-Identifier: AGPL-3.0-or-later
"""How a message's body is packed for ``archive_message.body``, and read back.

PostgreSQL compressed bodies itself, with pglz (this build has no lz4): at
17k linux-rtc messages 63 MB of text took 29.3 MB, and every page, search
snippet and ingest statement reading a body paid pglz's decompression in the
server. Packed here with zstd and the archive's raw-mail dictionary
(archive.rawdicts) they take 18.6 MB, cross the socket smaller and unpack
in Python at about 8 us a body (docs/performance.md, "Bodies packed by the
application"). The column is ``STORAGE EXTERNAL``: PostgreSQL does not try
pglz again on packed bytes.

The stored form: nothing for an empty body; else one byte naming the codec
(archive.rawcodec.Codec: NONE is the UTF-8 text as is, for bodies zstd
would not shrink), the text's length in UTF-8 bytes (4 bytes, big-endian:
SQL reads it as ``threadwork_body_octets(body)``, the ``octet_length`` the
text column had, from the first TOAST chunk alone), then the bytes.
Pure: no Django.
"""

from __future__ import annotations

from archive import rawcodec

__all__ = ["HEADER", "LEVEL", "pack_body", "unpack_body", "unpack_body_bytes"]

# Level 3 with the raw-mail dictionary: 18.6 MB at 17k for 27 us a body, against
# 19.5 MB at level 2 for the same CPU and 22.4 MB plain (docs/performance.md).
LEVEL = 3
HEADER = 5  # codec byte, then the UTF-8 length


def pack_body(text: str) -> bytes:
    """The stored form of ``text`` (which holds no NUL: ``clean_text``).

    Raises UnicodeEncodeError for text UTF-8 cannot hold (lone surrogates),
    which the text column refused alike.
    """
    if not text:
        return b""
    raw = text.encode()
    codec, packed = rawcodec.pack(raw, LEVEL)
    return bytes((codec,)) + len(raw).to_bytes(4, "big") + packed


def unpack_body(stored: bytes | memoryview) -> str:
    """The text :func:`pack_body` stored.

    Raises ValueError naming the message body when its dictionary is missing.
    """
    return unpack_body_bytes(stored).decode()


def unpack_body_bytes(stored: bytes | memoryview) -> bytes:
    """The UTF-8 bytes of the text :func:`pack_body` stored."""
    if not stored:
        return b""
    view = memoryview(stored)
    return rawcodec.unpack(view[0], view[HEADER:], "message body")
