# SPDX-License-Identifier: AGPL-3.0-or-later
"""Each reply's anchors, found once when it becomes a comment of a patch, and stored.

The matching itself is pure (``reviews.anchors``); this module reads the
reply bodies and patch diffs it needs and writes ``Comment.anchors``. A
reply's body and its patch's diff never change once stored, so the anchors
are computed when the comment is made (``reviews.derived.refresh_comments``)
and again only by a rebuild (``reviews.rebuild``), which may parse diffs
differently. Pages and the API read the stored rows and anchor nothing;
after a change to how ``reviews.anchors`` places answers, ``manage.py
reparse`` stores every reply's anchors again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection

from archive.bodycodec import unpack_body
from reviews.anchors import (
    Anchor,
    DiffIndex,
    PreparedReply,
    anchor_prepared,
    index_diff,
    prepare_reply,
)
from reviews.patchtext import DIFF_COLUMNS, diff_of

if TYPE_CHECKING:
    from reviews.replyreading import ReplyReading

__all__ = ["StoredAnchor", "anchors_of", "as_stored", "find_anchors", "restore_anchors"]

# What one stored anchor holds (``Comment.anchors`` is a list of these).
StoredAnchor = dict[str, Any]


def as_stored(anchor: Anchor) -> StoredAnchor:
    return {
        "path": anchor.path,
        "old_line": anchor.old_line,
        "new_line": anchor.new_line,
        "text": anchor.text,
        "position": anchor.position,
    }


def anchors_of(stored: Iterable[StoredAnchor] | None) -> tuple[Anchor, ...]:
    """Stored anchors back as ``Anchor`` values (a row written by hand may lack a key)."""
    return tuple(
        Anchor(a["path"], a.get("old_line"), a.get("new_line"), a["text"], a.get("position", 0))
        for a in stored or ()
    )


def find_anchors(
    pairs: Iterable[tuple[int, int]], read: Mapping[int, ReplyReading] | None = None
) -> dict[tuple[int, int], list[StoredAnchor]]:
    """Anchors of each (reply message id, patch id), two or three queries for all.

    Each diff is indexed once however many of its replies are anchored.
    ``read``: replies ingest's workers already cut into quote blocks
    (``reviews.replyreading``); their bodies are not read again unless the
    archive shows their sender under another name than the one assumed.
    """
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    with connection.cursor() as cursor:
        replies = _replies(cursor, sorted({mid for mid, _ in wanted}), read or {})
        cursor.execute(
            f"SELECT p.id, {DIFF_COLUMNS} FROM reviews_patch p "
            "JOIN archive_message m ON m.id = p.message_id WHERE p.id = ANY(%s)",
            [sorted({pid for _, pid in wanted})],
        )
        diffs = {row[0]: diff_of(*row[1:]) for row in cursor.fetchall()}
    indexes: dict[int, DiffIndex] = {}
    found: dict[tuple[int, int], list[StoredAnchor]] = {}
    for mid, pid in wanted:
        reply = replies.get(mid)
        diff = diffs.get(pid) or ""
        if reply is None or not diff:
            found[(mid, pid)] = []  # quotes nothing, or a patch without a diff
            continue
        if pid not in indexes:
            indexes[pid] = index_diff(diff)
        found[(mid, pid)] = [as_stored(a) for a in anchor_prepared(indexes[pid], reply).anchors]
    return found


def _replies(cursor, ids: list[int], read: Mapping[int, ReplyReading]) -> dict[int, PreparedReply]:
    """Each reply that quotes something, cut into blocks with its sender's name.

    A reply read by a worker is taken as read unless the archive shows its
    sender under another name than the one assumed; only the other bodies
    are fetched.
    """
    cursor.execute(
        "SELECT m.id, coalesce(nullif(p.name, ''), p.email, '') FROM archive_message m"
        " LEFT JOIN archive_person p ON p.id = m.author_id WHERE m.id = ANY(%s)",
        [ids],
    )
    authors = dict(cursor.fetchall())
    replies: dict[int, PreparedReply] = {}
    again = []
    for mid, author in authors.items():
        reading = read.get(mid)
        if reading is None or reading.author != author:
            again.append(mid)
        elif reading.quotes is not None:
            replies[mid] = reading.quotes
    if again:
        cursor.execute("SELECT id, body FROM archive_message WHERE id = ANY(%s)", [again])
        for mid, stored in cursor.fetchall():
            body = unpack_body(stored)  # packed (archive.bodycodec)
            if ">" in body:
                replies[mid] = prepare_reply(body, authors[mid])
    return replies


def restore_anchors(thread_ids: Sequence[int]) -> None:
    """Anchor again every patch comment in these threads; write only what changed."""
    if not thread_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, c.message_id, c.patch_id FROM reviews_comment c"
            " JOIN archive_message m ON m.id = c.message_id"
            " WHERE m.thread_id = ANY(%s) AND c.patch_id IS NOT NULL",
            [list(thread_ids)],
        )
        rows = cursor.fetchall()
        found = find_anchors((mid, pid) for _, mid, pid in rows)
        ids = [row_id for row_id, _, _ in rows]
        values = [json.dumps(found[(mid, pid)]) for _, mid, pid in rows]
        cursor.execute(
            "UPDATE reviews_comment c SET anchors = u.anchors::jsonb"
            " FROM unnest(%s::bigint[], %s::text[]) u(id, anchors)"
            " WHERE c.id = u.id AND c.anchors IS DISTINCT FROM u.anchors::jsonb",
            [ids, values],
        )
