# SPDX-License-Identifier: AGPL-3.0-or-later
"""What ingest reads from a reply in its parse workers, so the writer only stores it.

Pure: a parsed mail and its trailer kinds in, a frozen dataclass out. A reply's
quote blocks (for its anchors, ``reviews.anchors``) and its cues (for whose
turn it is, ``reviews.replies``) depend on its body alone, plus the sender's
name and the trailers ingest stores for it; reading them is the costliest
per-reply work of ingest, and the writer, which stores batches one at a
time, is what limits its speed. The writer uses a reading only when what it
assumed still holds (``author``: the name the archive shows for the sender);
otherwise it reads the stored body as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archive.parsing import ParsedMessage
from reviews.anchors import PreparedReply, prepare_reply
from reviews.replies import read_reply

__all__ = ["ReplyReading", "read_at_ingest", "stored_body"]


@dataclass(frozen=True)
class ReplyReading:
    # The author name the anchors were read with: the sender's Person's name,
    # else address, as ``reviews.comment_anchors`` reads it from the archive.
    author: str
    quotes: PreparedReply | None  # None: the body quotes nothing (no ">")
    cues: int  # ``read_reply`` of the body, with the trailer kinds ingest stores


def stored_body(parsed: ParsedMessage) -> str:
    """The body as ``archive.services`` stores it (PostgreSQL text holds no NUL)."""
    body = parsed.body
    return body.replace("\x00", "\ufffd") if "\x00" in body else body


def read_at_ingest(parsed: ParsedMessage, trailer_kinds: Sequence[str]) -> ReplyReading:
    """A mail's reading as a reply; ``trailer_kinds``: those of the trailers ingest stores."""
    body = stored_body(parsed)
    author = (parsed.from_name[:255] or parsed.from_email) if parsed.from_email else ""
    return ReplyReading(
        author=author,
        quotes=prepare_reply(body, author) if ">" in body else None,
        cues=int(read_reply(body, trailer_kinds)),
    )
