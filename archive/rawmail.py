# SPDX-License-Identifier: AGPL-3.0-or-later
"""Raw mail read back whole from its stored row and, where it needs it, its message's body.

Most list mail is plain text sent as it is: the body a message stores is a
run of its raw mail's bytes. Such a row stores the mail without them and says
where they go back (``archive_rawmail.body_at``; archive.rawcodec.cut_body).
Every reader of raw mail goes through :func:`whole`: the ORM through
``RawMailQuerySet.mail_by_message`` and ``RawMail.mail``, SQL by selecting
``COLUMNS``. Pure: no Django.
"""

from __future__ import annotations

from archive.bodycodec import unpack_body_bytes
from archive.rawcodec import splice_body, unpack

__all__ = ["COLUMNS", "whole"]


# What a statement selects for :func:`whole`, from the raw mail row ``r`` joined to
# its message ``m``: the body only where the mail needs it.
COLUMNS = "r.codec, r.data, r.body_at, CASE WHEN r.body_at IS NOT NULL THEN m.body END"


def whole(
    codec: int, stored: bytes | memoryview, body_at: int | None, body: bytes | memoryview | None
) -> bytes:
    """The mail exactly as received, from its row's columns and its message's stored body."""
    rest = unpack(codec, stored)
    if body_at is None:
        return rest
    if body is None:
        raise ValueError("raw mail stored without its body, and the body was not read")
    return splice_body(rest, body_at, unpack_body_bytes(body))
