# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patch page's answers inside the diff: each reply anchored to the lines it quotes."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from django.core.cache import cache

from reviews.anchors import Anchor, DiffIndex, anchor_reply, index_diff
from reviews.pages.common import CommentView
from reviews.rendering.answers import InlineAnswer, LineKey, answer_rows

__all__ = ["inline_answer_rows"]

# Bump when reviews.anchors places answers differently.
ANCHORS_VERSION = 1
ANCHORS_TIMEOUT = 7 * 24 * 3600


def inline_answers(diff: str, comments: Sequence[CommentView]) -> dict[LineKey, list[InlineAnswer]]:
    """Answers by the diff line they answer, lines in diff order, answers in date order."""
    if not diff or not comments:
        return {}
    by_message = _anchors(diff, comments)
    found: dict[LineKey, tuple[int, list[InlineAnswer]]] = {}
    for comment in comments:
        message = comment.message
        author = message.author.display_name if message.author else ""
        for anchor in by_message[message.id]:
            key = (anchor.path, anchor.old_line, anchor.new_line)
            answer = InlineAnswer(author or "(unknown)", message.date, comment.url, anchor.text)
            found.setdefault(key, (anchor.position, []))[1].append(answer)
    ordered = sorted(found.items(), key=lambda item: item[1][0])
    return {key: answers for key, (_, answers) in ordered}


def _anchors(diff: str, comments: Sequence[CommentView]) -> dict[int, tuple[Anchor, ...]]:
    """Each reply's anchors, cached per reply and diff: a new reply in the thread
    (which moves the page's change stamp) costs only its own anchoring."""
    digest = f"{zlib.crc32(diff.encode()):08x}"
    keys = {c.message.id: f"tw:anchors:{ANCHORS_VERSION}:{c.message.id}:{digest}" for c in comments}
    cached = cache.get_many(keys.values())
    index: DiffIndex | None = None
    out: dict[int, tuple[Anchor, ...]] = {}
    missing: dict[str, tuple[Anchor, ...]] = {}
    for comment in comments:
        message, key = comment.message, keys[comment.message.id]
        if key in cached:
            out[message.id] = cached[key]
            continue
        index = index or index_diff(diff)
        author = message.author.display_name if message.author else ""
        out[message.id] = missing[key] = anchor_reply(index, message.body, author).anchors
    if missing:
        cache.set_many(missing, ANCHORS_TIMEOUT)
    return out


def inline_answer_rows(diff: str, comments: Sequence[CommentView]) -> dict[LineKey, str]:
    """The HTML rows to show under answered lines (see ``reviews.rendering.answers``)."""
    return answer_rows(inline_answers(diff, comments))
