# SPDX-License-Identifier: AGPL-3.0-or-later
"""Long replies to patches rendered once, at ingest, for the patch page's discussion.

A patch page's first view in a worker rendered every reply's body to HTML
(quotes folded with their context, links, invisible characters marked):
on a long review thread the costliest Python of the page. A reply whose body
is longer than ``STORE_BYTES`` is rendered when it is stored (``prerender``:
in ingest's parse workers, as they read the mail; else by the writer) and
kept zstd-packed (``RenderedMail``) with what it was made for: the renderers'
version and the body's length in bytes. The HTML is mostly the body itself,
escaped and marked up, so it is packed with that body as zstd's dictionary:
only the markup costs bytes (8.0 MB at 17k packed alone, 3.2 MB so; reading
it back needs the body, about 30 us a reply). The page reads it in its discussion
statement and uses it only while both still match, else renders live; the
page is the same either way. Shorter bodies render in a fraction of a
millisecond: storing them would cost more disk than it saves time.

A message's body is never rewritten once stored (a ghost filled in had no
body, so no entry), so its length is enough to tell an entry made for
another body: one that is not matched is simply not used, and ``reparse``
makes it again (``store_threads`` replaces what does not match).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import zstandard
from django.db import connection

from archive import rawcodec
from archive.bodycodec import unpack_body_bytes
from archive.incoming import clean_text
from reviews.models import Comment, RenderedMail
from reviews.rendering.cache import RENDER_VERSION
from reviews.rendering.mail import render_mail

__all__ = [
    "STORE_BYTES",
    "Prerendered",
    "made_for",
    "prerender",
    "store_threads",
    "unpack",
    "usable_sql",
]

# Bodies above this many bytes: 40% of linux-rtc's replies to patches, three
# quarters of their rendering time, 8.4 MB packed (measured at 17k).
STORE_BYTES = 2000
# Level 3: higher levels saved 7% of the bytes for five times the CPU.
_LEVEL = 3
# The stored form: this byte, then a zstd frame (with its checksum) of the HTML
# packed with the body's UTF-8 as the dictionary. Entries stored before are a
# plain zstd frame, which starts with zstd's magic number instead; both are read.
_WITH_BODY = b"\x01"

# What ``prerender`` tells the writer: what it is made for, and the packed HTML.
Prerendered = tuple[str, bytes]


def made_for(body_bytes: int) -> str:
    """The renderers' version and the body's length: what an entry is good for."""
    return f"{RENDER_VERSION}:{body_bytes}"


def _body_dictionary(data: bytes) -> zstandard.ZstdCompressionDict:
    """The body's UTF-8 as a zstd dictionary."""
    return zstandard.ZstdCompressionDict(data, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def _pack(body: str, data: bytes) -> bytes:
    """The stored form of ``body``'s HTML (``body`` as the archive stores it, ``data``
    its UTF-8, which both callers have already)."""
    packer = zstandard.ZstdCompressor(
        level=_LEVEL, dict_data=_body_dictionary(data), write_checksum=True, write_dict_id=False
    )
    return _WITH_BODY + packer.compress(render_mail(body).encode())


def unpack(data: bytes | memoryview, body: str | bytes) -> str | None:
    """The HTML of a stored entry made for ``body`` (the reply's body as stored, text
    or its UTF-8 bytes), or None when it was packed with another body (its checksum
    fails): the caller then renders the body itself."""
    data = bytes(data)
    if data[:1] != _WITH_BODY:  # stored before: a plain zstd frame
        return rawcodec.unpack(rawcodec.Codec.ZSTD, data).decode()
    data_of_body = body if isinstance(body, bytes) else body.encode()
    unpacker = zstandard.ZstdDecompressor(dict_data=_body_dictionary(data_of_body))
    try:
        return unpacker.decompress(data[1:]).decode()
    except zstandard.ZstdError:
        return None


def prerender(body: str) -> Prerendered | None:
    """The packed HTML of a long body as the archive will store it, with what it is
    made for; run in ingest's parse workers (``reviews.processor``) on replies."""
    body = clean_text(body)
    try:
        data = body.encode()
    except UnicodeEncodeError:  # not storable as is: the writer renders what was stored
        return None
    if len(data) <= STORE_BYTES:
        return None
    return made_for(len(data)), _pack(body, data)


def usable_sql(message: str, entry: str) -> str:
    """SQL true when ``entry`` (a RenderedMail alias) was made for ``message``'s body.

    ``threadwork_body_octets`` (archive migration 0030) reads the body's length in
    UTF-8 bytes from the packed body's header (archive.bodycodec): its first TOAST
    chunk at most, not the body.
    """
    return f"{entry}.made_for = '{RENDER_VERSION}:' || threadwork_body_octets({message}.body)"


_WANTED_SQL = f"""
SELECT m.id, threadwork_body_octets(m.body) FROM archive_message m
WHERE m.thread_id = ANY(%(threads)s) AND NOT m.is_ghost
  AND threadwork_body_octets(m.body) > %(size)s
  AND EXISTS (SELECT 1 FROM {Comment._meta.db_table} c WHERE c.message_id = m.id)
  AND NOT EXISTS (
    SELECT 1 FROM {RenderedMail._meta.db_table} r
    WHERE r.message_id = m.id AND {usable_sql("m", "r")})
"""

_STORE_SQL = f"""
INSERT INTO {RenderedMail._meta.db_table} (message_id, made_for, html)
SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::bytea[])
ON CONFLICT (message_id) DO UPDATE SET made_for = EXCLUDED.made_for, html = EXCLUDED.html
"""


def store_threads(
    thread_ids: Sequence[int], prerendered: Mapping[int, Prerendered] | None = None
) -> int:
    """Store the long replies to patches in these threads that have no usable entry;
    how many. ``prerendered``: ``prerender``'s answers by message id, used where made
    for the body as stored; the others are rendered here.

    By thread, not by new message: a reply that came before its patch becomes a
    comment only when the patch arrives.
    """
    if not thread_ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_WANTED_SQL, {"threads": list(thread_ids), "size": STORE_BYTES})
        wanted = dict(cursor.fetchall())
        made = {
            mid: found
            for mid, size in wanted.items()
            if (found := (prerendered or {}).get(mid)) is not None and found[0] == made_for(size)
        }
        rest = [mid for mid in wanted if mid not in made]
        if rest:
            cursor.execute("SELECT id, body FROM archive_message WHERE id = ANY(%s)", [rest])
            for mid, body in cursor.fetchall():
                data = unpack_body_bytes(body)
                made[mid] = (made_for(wanted[mid]), _pack(data.decode(), data))
        if made:
            ids = sorted(made)
            cursor.execute(_STORE_SQL, [ids, [made[i][0] for i in ids], [made[i][1] for i in ids]])
    return len(made)
