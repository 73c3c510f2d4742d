# SPDX-License-Identifier: AGPL-3.0-or-later
"""Packing raw mail stored before compression, or before a dictionary, or whole where its
body could be left out (``manage.py compact``).

Rows keep the codec they were written with, so upgrading needs no rewrite of
a large archive; this packs the old rows afterwards, a batch per transaction,
while the archive stays in use. Interrupted, it loses at most one batch of
work, and running it again resumes: only rows still unpacked are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction

from archive.bodycodec import unpack_body_bytes
from archive.rawcodec import Codec, cut_body, pack, splice_body, unpack

__all__ = ["CompactBatch", "compact_raw", "cut_bodies"]

# Walks the primary key, so each batch starts where the last one stopped
# (no index on codec is needed; the filter reads only the small heap rows).
_NEXT_SQL = """
SELECT message_id, codec, data FROM archive_rawmail
WHERE message_id > %s AND codec = ANY(%s)
ORDER BY message_id LIMIT %s
"""
# Only rows still as read: a row another run packed meanwhile is left alone.
_UPDATE_SQL = """
UPDATE archive_rawmail r SET data = v.data, codec = v.codec
FROM unnest(%s::bigint[], %s::bytea[], %s::smallint[], %s::smallint[])
    AS v(id, data, codec, old)
WHERE r.message_id = v.id AND r.codec = v.old
"""

# Whole rows, locked first: a body's change locks its raw mail row in the
# trigger (archive 0037), so it waits for this batch, or this batch for it, and
# the bodies are read after the lock, by a statement of their own (a new
# snapshot). Locking the message rows instead (FOR SHARE) wrote a new locker
# into every row of archive_message, its largest table: each page written and
# logged again, and its hint bits set once more by the next reads, for nothing.
_LOCK_WHOLE_SQL = """
SELECT message_id FROM archive_rawmail
WHERE message_id > %s AND body_at IS NULL
ORDER BY message_id LIMIT %s
FOR UPDATE
"""
_WHOLE_SQL = """
SELECT r.message_id, r.codec, r.data, m.body
FROM archive_rawmail r JOIN archive_message m ON m.id = r.message_id
WHERE r.message_id = ANY(%s)
ORDER BY r.message_id
"""
_CUT_SQL = """
UPDATE archive_rawmail r SET data = v.data, codec = v.codec, body_at = v.at
FROM unnest(%s::bigint[], %s::bytea[], %s::smallint[], %s::integer[]) AS v(id, data, codec, at)
WHERE r.message_id = v.id AND r.body_at IS NULL
"""


@dataclass(frozen=True)
class CompactBatch:
    """One committed batch: rows read, rows packed, and their bytes before and after."""

    read: int
    packed: int
    bytes_before: int
    bytes_after: int
    last_id: int


@dataclass
class _Rewrites:
    """A batch's rows to write again: ids, new bytes and codecs, one more column
    (the old codec, or where the body goes), and the bytes before and after."""

    ids: list[int] = field(default_factory=list)
    blobs: list[bytes] = field(default_factory=list)
    codecs: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    before: int = 0
    after: int = 0

    def add(self, message_id: int, stored: bytes, codec: Codec, extra: int, old_size: int) -> None:
        self.ids.append(message_id)
        self.blobs.append(stored)
        self.codecs.append(int(codec))
        self.extra.append(extra)
        self.before += old_size
        self.after += len(stored)

    def params(self) -> list[list]:
        return [self.ids, self.blobs, self.codecs, self.extra]

    def batch(self, read: int, last_id: int) -> CompactBatch:
        return CompactBatch(read, len(self.ids), self.before, self.after, last_id)


def compact_raw(
    batch: int = 500, after_id: int = 0, repack: bool = False
) -> Iterator[CompactBatch]:
    """Pack every unpacked raw mail above ``after_id``; yields each committed batch.

    With ``repack``, rows in plain zstd are packed again with the dictionary
    set for packing (archive.rawdicts.from_archive; the caller sets it).
    Rows zstd does not shrink (tiny mail) stay as they are. Each packed row is
    unpacked again and compared before it is written: not a byte is lost.
    """
    last = after_id
    todo = [int(Codec.NONE), int(Codec.ZSTD)] if repack else [int(Codec.NONE)]
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_NEXT_SQL, [last, todo, batch])
            rows = cursor.fetchall()
            if not rows:
                return
            last = rows[-1][0]
            rewrites = _Rewrites()
            for message_id, old, data in rows:
                raw = unpack(old, data)
                codec, stored = pack(raw)
                if codec == Codec.NONE or (old != Codec.NONE and len(stored) >= len(data)):
                    continue
                if unpack(codec, stored) != raw:  # never store what does not read back
                    raise RuntimeError(f"raw mail of message {message_id} did not read back")
                rewrites.add(message_id, stored, codec, old, len(data))
            if rewrites.ids:
                cursor.execute(_UPDATE_SQL, rewrites.params())
        yield rewrites.batch(len(rows), last)


def cut_bodies(batch: int = 500, after_id: int = 0) -> Iterator[CompactBatch]:
    """Store raw mail archived whole without its body's bytes where it holds them
    (rawcodec.cut_body, as ingest does since archive 0036), packed with the
    dictionary set for packing; yields each committed batch. Every cut row is
    read back and compared with the mail before it is written."""
    last = after_id
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_LOCK_WHOLE_SQL, [last, batch])
            locked = [row[0] for row in cursor.fetchall()]
            if not locked:
                return
            last = locked[-1]
            cursor.execute(_WHOLE_SQL, [locked])
            rows = cursor.fetchall()
            rewrites = _Rewrites()
            for message_id, old, data, body in rows:
                raw = unpack(old, data)
                text = unpack_body_bytes(body)
                rest, at = cut_body(raw, text)
                if at is None:
                    continue
                codec, stored = pack(rest)
                if len(stored) >= len(data):
                    continue
                if splice_body(unpack(codec, stored), at, text) != raw:
                    raise RuntimeError(f"raw mail of message {message_id} did not read back")
                rewrites.add(message_id, stored, codec, at, len(data))
            if rewrites.ids:
                cursor.execute(_CUT_SQL, rewrites.params())
        yield rewrites.batch(len(rows), last)
