# SPDX-License-Identifier: AGPL-3.0-or-later
"""What one mbox download of search results holds: capped in messages and bytes.

``POST /<list>/?x=m&q=...`` answers with the newest matches (or whole
threads of them), but never more than a number of messages and of bytes of
raw mail: one anonymous request must not cost the server seconds. Which
messages fit is decided up front from stored sizes (no mail is read twice),
so the response can say in its headers what it holds and whether the limit
cut it; the mail itself is then streamed.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.browse import matching
from archive.dbrouting import read_connection
from archive.models import MailingList, Message
from archive.search import Compiled

__all__ = ["Download", "select"]

# Messages of the threads of the newest matches, threads ranked by their
# newest match; at most %s rows, so a huge thread costs no more than the cap.
_THREAD_ROWS = """
WITH hits AS (
    SELECT m.thread_id, h.rank
    FROM unnest(%s::bigint[]) WITH ORDINALITY AS h(id, rank)
    JOIN archive_message m ON m.id = h.id
), threads AS (
    SELECT thread_id, min(rank) AS rank FROM hits GROUP BY thread_id
)
SELECT m.id, r.size, m.thread_id, m.date
FROM threads t
JOIN archive_message m ON m.thread_id = t.thread_id AND NOT m.is_ghost
JOIN archive_rawmail r ON r.message_id = m.id
ORDER BY t.rank, m.date, m.id
LIMIT %s
"""
_MATCH_ROWS = """
SELECT h.id, r.size, 0, NULL
FROM unnest(%s::bigint[]) WITH ORDINALITY AS h(id, rank)
JOIN archive_rawmail r ON r.message_id = h.id
ORDER BY h.rank
"""


@dataclass(frozen=True)
class Download:
    """The message ids of one download, in mbox order, and what the limits did."""

    ids: list[int]
    size: int  # bytes of raw mail
    cut: bool  # more matched than this download holds
    max_messages: int
    max_bytes: int

    def note(self) -> str:
        """One sentence for the response: what it holds, and how to get the rest if cut."""
        held = f"{len(self.ids)} messages, {self.size} bytes of mail"
        limit = f"{self.max_messages} messages or {self.max_bytes} bytes per download"
        if self.cut:
            return (
                f"{held}: cut at the limit of {limit}, newest matches first; "
                "narrow the query (for example with d:) for the rest"
            )
        return f"{held}: everything that matched (the limit is {limit})"


def select(
    compiled: Compiled,
    mlist: MailingList | None,
    whole_threads: bool,
    max_messages: int,
    max_bytes: int,
) -> Download:
    """The newest matches (or their whole threads) that fit within both limits."""
    newest = matching(compiled, mlist).order_by("-date", "-id").values_list("id", flat=True)
    hits = list(newest[: max_messages + 1])
    with read_connection(Message).cursor() as cursor:
        if whole_threads:
            cursor.execute(_THREAD_ROWS, [hits[:max_messages], max_messages + 1])
        else:
            cursor.execute(_MATCH_ROWS, [hits[:max_messages]])
        rows = cursor.fetchall()
    kept, size = _fit(rows, max_messages, max_bytes)
    cut = len(kept) < len(rows) or len(hits) > max_messages
    if whole_threads:  # the order of old: by thread, then date (PostgreSQL puts NULL last)
        kept.sort(key=lambda row: (row[2], row[3] is None, row[3], row[0]))
    return Download([row[0] for row in kept], size, cut, max_messages, max_bytes)


def _fit(rows: list[tuple], max_messages: int, max_bytes: int) -> tuple[list[tuple], int]:
    """The leading rows within both limits; the first one always (a download is never empty)."""
    kept: list[tuple] = []
    size = 0
    for row in rows:
        if kept and (len(kept) >= max_messages or size + row[1] > max_bytes):
            break
        kept.append(row)
        size += row[1]
    return kept, size
