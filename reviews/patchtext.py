# SPDX-License-Identifier: AGPL-3.0-or-later
"""A patch's commit message and diff, kept as spans of its mail's stored body.

A patch's commit message is its body's text before the diff, and its diff
is, nearly always, the body's next characters (6,422 of 6,424 diffs at
linux-rtc): stored in the patch row as well, they were 14 MB of 322 at 17k
messages. So a row keeps where each text lies in ``Message.body`` and a copy
of its own only where the text is not that span: diffs joined from
attachments, or a body that no longer holds them. The row's text columns are
NULL exactly when the span is the truth (a check constraint says so), so no
text is ever both missing and unlocated.

Offsets count characters (Python ``str`` indexes, as PostgreSQL's ``substr``
counted them in a UTF-8 database). The body is stored packed
(archive.bodycodec), so SQL reads the columns here and Python cuts the span:
readers go through ``Patch.diff``/``Patch.commit_message``, or
``DIFF_COLUMNS``/``MESSAGE_COLUMNS`` with ``diff_of``/``message_of``; nothing
reads the columns directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archive.bodycodec import unpack_body

__all__ = [
    "DIFF_COLUMNS",
    "MESSAGE_COLUMNS",
    "TEXT_FIELDS",
    "PatchTexts",
    "diff_of",
    "message_of",
    "patch_texts",
]

# The Patch fields that hold or locate the two texts (``only()`` needs them all).
TEXT_FIELDS = ("commit_message_text", "message_len", "diff_text", "diff_start", "diff_len")

# What a text is read from in SQL, for a patch aliased ``p`` joined to its message
# ``m``: its copy, else the packed body (only then) and the span; ``diff_of(*row)``
# and ``message_of(*row)`` make the text of these columns.
DIFF_COLUMNS = "p.diff, CASE WHEN p.diff IS NULL THEN m.body END, p.diff_start, p.diff_len"
MESSAGE_COLUMNS = (
    "p.commit_message, CASE WHEN p.commit_message IS NULL THEN m.body END, p.message_len"
)


@dataclass(frozen=True)
class PatchTexts:
    """How one patch stores its texts: a span of the body, else the text itself."""

    commit_message_text: str | None
    message_len: int | None
    diff_text: str | None
    diff_start: int | None
    diff_len: int | None

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in TEXT_FIELDS}


def patch_texts(body: str | None, message: str, diff: str) -> PatchTexts:
    """Where ``message`` and ``diff`` lie in ``body`` (the body as stored), or their copies.

    The message is looked for at the body's start, the diff right after it,
    then anywhere; a text found nowhere is kept whole. ``body`` None: kept whole.
    """
    if body is None:
        return PatchTexts(message, None, diff, None, None)
    prefix = body.startswith(message)
    start = len(message) if prefix and body.startswith(diff, len(message)) else body.find(diff)
    return PatchTexts(
        None if prefix else message,
        len(message) if prefix else None,
        diff if start < 0 else None,
        start if start >= 0 else None,
        len(diff) if start >= 0 else None,
    )


def span(body: str, start: int | None, length: int | None) -> str:
    """``length`` characters of ``body`` from ``start`` (as PostgreSQL's ``substr``)."""
    assert start is not None and length is not None, "a patch text with neither copy nor span"
    return body[start : start + length]


def diff_of(
    text: str | None, body: bytes | None, start: int | None, length: int | None
) -> str | None:
    """The diff from ``DIFF_COLUMNS``: its copy, else its span of the packed body."""
    if text is not None or body is None:
        return text
    return span(unpack_body(body), start, length)


def message_of(text: str | None, body: bytes | None, length: int | None) -> str | None:
    """The commit message from ``MESSAGE_COLUMNS``: its copy, else the body's start."""
    if text is not None or body is None:
        return text
    return span(unpack_body(body), 0, length)
