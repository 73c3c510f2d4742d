# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patch page's answers inside the diff: each reply's stored anchors, by line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from archive.dbrouting import read_connection
from archive.models import Message, Person
from archive.prepared import execute_prepared, jsonb
from reviews import links
from reviews.anchors import Anchor
from reviews.comment_anchors import anchors_of
from reviews.models import Comment
from reviews.pages.common import CommentView
from reviews.rendering.answers import InlineAnswer, LineKey, answer_rows

__all__ = ["AnsweredReply", "answered_replies", "inline_answer_rows", "inline_answers"]


@dataclass(frozen=True)
class AnsweredReply:
    """What the answers of one reply need: who, when, where, and its anchors."""

    author: str
    date: datetime | None
    url: str
    anchors: tuple[Anchor, ...]

    @classmethod
    def of(cls, comment: CommentView) -> AnsweredReply:
        author = comment.message.author
        name = author.display_name if author else ""
        return cls(name, comment.message.date, comment.url, comment.anchors)


def answered_replies(patch_id: int, list_name: str) -> list[AnsweredReply]:
    """The replies to a patch that anchored answers, in date order (one query).

    Neither their bodies nor their HTML: what carried review needs, and only that.
    Written out and prepared: on a first view the ORM took longer to compile it
    than PostgreSQL to run it.
    """
    with read_connection(Comment).cursor() as cursor:
        execute_prepared(cursor, "threadwork_answered_replies", _ANSWERED_SQL, [patch_id])
        rows = cursor.fetchall()
    return [
        AnsweredReply(
            name or email or "",
            date,
            links.message_url(list_name, msgid),
            anchors_of(jsonb(a)),
        )
        for a, msgid, date, name, email in rows
    ]


_ANSWERED_SQL = f"""
SELECT c.anchors, m.msgid, m.date, a.name, a.email
FROM {Comment._meta.db_table} c
JOIN {Message._meta.db_table} m ON m.id = c.message_id
LEFT JOIN {Person._meta.db_table} a ON a.id = m.author_id
WHERE c.patch_id = %s AND NOT m.is_ghost AND c.anchors <> '[]'::jsonb
ORDER BY m.date, m.id
"""


def inline_answers(replies: Sequence[AnsweredReply]) -> dict[LineKey, list[InlineAnswer]]:
    """Answers by the diff line they answer, lines in diff order, answers in date order.

    The anchors were found when each reply was stored (``reviews.comment_anchors``):
    a page anchors nothing itself.
    """
    found: dict[LineKey, tuple[int, list[InlineAnswer]]] = {}
    for reply in replies:
        for anchor in reply.anchors:
            key = (anchor.path, anchor.old_line, anchor.new_line)
            answer = InlineAnswer(reply.author or "(unknown)", reply.date, reply.url, anchor.text)
            found.setdefault(key, (anchor.position, []))[1].append(answer)
    ordered = sorted(found.items(), key=lambda item: item[1][0])
    return {key: answers for key, (_, answers) in ordered}


def inline_answer_rows(comments: Sequence[CommentView]) -> dict[LineKey, str]:
    """The HTML rows to show under answered lines (see ``reviews.rendering.answers``)."""
    return answer_rows(inline_answers([AnsweredReply.of(c) for c in comments]))
