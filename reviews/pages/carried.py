# SPDX-License-Identifier: AGPL-3.0-or-later
"""Review carried forward: what the previous revision of a patch was told.

On a patch of vN+1, the answers anchored on the matching patch of vN, each
marked *addressed*, *still open* or *gone* (``reviews.carry``), and the
trailers given in replies to it: carried (they go into the patch's mbox,
as b4 adds them) when the patch-id is unchanged, shown but not applied
when the patch changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from reviews.carry import AnsweredLine, AnswerStatus, line_fates
from reviews.models import Comment, Patch, Trailer
from reviews.pages.answers import answered_replies, inline_answers
from reviews.pages.common import TrailerView, collected_trailers
from reviews.pages.revisions import RevisionLink
from reviews.rendering.answers import InlineAnswer, LineKey

__all__ = ["CarriedAnswer", "CarriedReview", "carried_mbox_note", "carried_review"]


@dataclass(frozen=True)
class CarriedAnswer:
    status: AnswerStatus
    path: str
    line_number: int | None
    line: str  # the answered diff line, sign included
    answers: tuple[InlineAnswer, ...]

    @property
    def css(self) -> str:
        return self.status.name.lower()


@dataclass(frozen=True)
class CarriedReview:
    name: str  # the previous revision's name, "v11"
    patch_url: str
    interdiff_url: str
    applied: bool  # same patch-id: its trailers count for this patch too
    answers: tuple[CarriedAnswer, ...]
    trailers: tuple[TrailerView, ...]


def _earlier(revision_links: Sequence[RevisionLink]) -> list[RevisionLink]:
    """Earlier revisions with a matching patch, the latest first."""
    at = next((i for i, r in enumerate(revision_links) if r.current), 0)
    return [r for r in reversed(revision_links[:at]) if r.patch_msgid]


def _reviewed(patch: Patch, links: Sequence[RevisionLink]) -> tuple[RevisionLink, Patch] | None:
    """The latest earlier revision whose matching patch was answered or given
    trailers in replies, else the one right before (one query).

    A RESEND, or a revision nobody replied to, carries nothing of its own:
    the review a reader wants to check against is the last one given.
    """
    if not links:
        return None
    replies = Comment.objects.filter(patch_id=OuterRef("id"))
    found = {
        p.message.msgid: p
        for p in Patch.objects.filter(
            project_id=patch.project_id, message__msgid__in=[r.patch_msgid for r in links]
        )
        .select_related("message")
        .only("id", "diff", "patchid", "message_id", "message__msgid")
        .annotate(
            has_review=Exists(replies.exclude(anchors=[]))
            | Exists(Trailer.objects.filter(message_id__in=replies.values("message_id")))
        )
    }
    present = [(r, found[r.patch_msgid]) for r in links if r.patch_msgid in found]
    return next((lp for lp in present if lp[1].has_review), present[0] if present else None)


def carried_review(
    patch: Patch, revision_links: Sequence[RevisionLink], list_name: str
) -> CarriedReview | None:
    """The last review given to an earlier revision of this patch (three queries; none
    without an earlier revision)."""
    chosen = _reviewed(patch, _earlier(revision_links))
    if chosen is None:
        return None
    link, previous = chosen
    trailers = collected_trailers(None, list_name, patch_id=previous.id)
    return CarriedReview(
        name=link.name,
        patch_url=link.url,
        interdiff_url=link.interdiff_url,
        applied=bool(patch.patchid) and previous.patchid == patch.patchid,
        answers=_answers(
            previous.diff, patch.diff, inline_answers(answered_replies(previous.id, list_name))
        ),
        trailers=tuple(trailers),
    )


def _answers(
    old_diff: str,
    new_diff: str,
    found: dict[LineKey, list[InlineAnswer]],
) -> tuple[CarriedAnswer, ...]:
    lines = [AnsweredLine(*key) for key in found]
    fates = line_fates(old_diff, new_diff, lines)
    out = []
    for line, answers in zip(lines, found.values(), strict=True):
        fate = fates.get(line)
        if fate is None:
            continue
        number = line.new_line if line.new_line is not None else line.old_line
        out.append(CarriedAnswer(fate.status, line.path, number, fate.line, tuple(answers)))
    return tuple(out)


def carried_mbox_note(review: CarriedReview | None) -> str:
    """Why carried trailers are or are not in the mbox, for the page."""
    if review is None or not review.trailers:
        return ""
    if review.applied:
        return f"carried from {review.name}: the patch is unchanged, so they are in the mbox"
    return f"given on {review.name}, not applied: the patch changed since"
