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

from django.db.models import Q

from reviews.carry import AnsweredLine, AnswerStatus, line_fates
from reviews.models import Patch
from reviews.pages.answers import inline_answers
from reviews.pages.common import TrailerView, collected_trailers, discussion
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


def _previous(revision_links: Sequence[RevisionLink]) -> RevisionLink | None:
    """The revision right before the current one, when it has a matching patch."""
    at = next((i for i, r in enumerate(revision_links) if r.current), 0)
    before = revision_links[at - 1] if at > 0 else None
    return before if before is not None and before.patch_msgid else None


def carried_review(
    patch: Patch, revision_links: Sequence[RevisionLink], list_name: str
) -> CarriedReview | None:
    """The previous revision's review of this patch (three queries; none without one)."""
    link = _previous(revision_links)
    if link is None:
        return None
    previous = (
        Patch.objects.filter(project_id=patch.project_id, message__msgid=link.patch_msgid)
        .only("id", "diff", "patchid", "message_id")
        .first()
    )
    if previous is None:
        return None
    comments = discussion(Q(patch_id=previous.id), list_name, patch_id=previous.id)
    trailers = collected_trailers(None, [Q(patch_id=previous.id)], list_name)
    return CarriedReview(
        name=link.name,
        patch_url=link.url,
        interdiff_url=link.interdiff_url,
        applied=bool(patch.patchid) and previous.patchid == patch.patchid,
        answers=_answers(previous.diff, patch.diff, inline_answers(comments)),
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
