# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patch page's answers inside the diff: each reply's stored anchors, by line."""

from __future__ import annotations

from collections.abc import Sequence

from reviews.pages.common import CommentView
from reviews.rendering.answers import InlineAnswer, LineKey, answer_rows

__all__ = ["inline_answer_rows", "inline_answers"]


def inline_answers(comments: Sequence[CommentView]) -> dict[LineKey, list[InlineAnswer]]:
    """Answers by the diff line they answer, lines in diff order, answers in date order.

    The anchors were found when each reply was stored (``reviews.comment_anchors``):
    a page anchors nothing itself.
    """
    found: dict[LineKey, tuple[int, list[InlineAnswer]]] = {}
    for comment in comments:
        message = comment.message
        author = message.author.display_name if message.author else ""
        for anchor in comment.anchors:
            key = (anchor.path, anchor.old_line, anchor.new_line)
            answer = InlineAnswer(author or "(unknown)", message.date, comment.url, anchor.text)
            found.setdefault(key, (anchor.position, []))[1].append(answer)
    ordered = sorted(found.items(), key=lambda item: item[1][0])
    return {key: answers for key, (_, answers) in ordered}


def inline_answer_rows(comments: Sequence[CommentView]) -> dict[LineKey, str]:
    """The HTML rows to show under answered lines (see ``reviews.rendering.answers``)."""
    return answer_rows(inline_answers(comments))
