# SPDX-License-Identifier: AGPL-3.0-or-later
"""What ingest reads from a reply in its parse workers, so the writer only stores it.

Pure: a parsed mail and its analysis in, a frozen dataclass out. A reply's
quote blocks (for its anchors, ``reviews.anchors``) and its cues (for whose
turn it is, ``reviews.replies``) depend on its body alone, plus the sender's
name and the trailers ingest stores for it; reading them is the costliest
per-reply work of ingest, and the writer, which stores batches one at a
time, is what limits its speed. The writer uses a reading only when what it
assumed still holds (``author``: the name the archive shows for the sender);
otherwise it reads the stored body as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.parsing import ParsedMessage
from reviews.analysis import MailAnalysis
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


def read_at_ingest(parsed: ParsedMessage, analysis: MailAnalysis) -> ReplyReading | None:
    """A mail's reading as a reply; None for a patch or cover letter, never a reply."""
    if analysis.is_tracked:
        return None
    body = stored_body(parsed)
    # As reviews.ingest stores trailers: none for a cover or a mail asking to be ignored.
    stored_trailers = not analysis.is_cover and not analysis.patchwork.ignore
    kinds = [t.kind[:100] for t in analysis.trailers] if stored_trailers else []
    author = (parsed.from_name[:255] or parsed.from_email) if parsed.from_email else ""
    return ReplyReading(
        author=author,
        quotes=prepare_reply(body, author) if ">" in body else None,
        cues=int(read_reply(body, kinds)),
    )
