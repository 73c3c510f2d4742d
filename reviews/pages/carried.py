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

from archive.dbrouting import read_connection
from archive.models import Message
from archive.prepared import execute_prepared
from archive.prepared_models import loaded
from reviews.carry import AnsweredLine, AnswerStatus, line_fates
from reviews.models import Comment, Patch, Trailer
from reviews.pages.answers import answered_replies, inline_answers
from reviews.pages.common import TrailerView, collected_trailers
from reviews.pages.revisions import RevisionLink
from reviews.patchtext import DIFF_COLUMNS, diff_of
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
    db = read_connection(Patch)
    with db.cursor() as cursor:
        params = {"msgids": [r.patch_msgid for r in links], "project": patch.project_id}
        # A lookup by a few keys: left to choose, PostgreSQL planned it for its values
        # on every patch page (0.6 ms of planning, 0.08 of running, at 17k).
        execute_prepared(cursor, "threadwork_carried_from", _REVIEWED_SQL, params, generic=True)
        row = cursor.fetchone()
    if row is None:
        return None
    pid, diff, patchid, msgid = row[0], diff_of(*row[1:5]), row[5], row[6]
    previous = loaded(Patch, db.alias, ("id", "diff_text", "patchid"), (pid, diff, patchid))
    return next(r for r in links if r.patch_msgid == msgid), previous


# Written out and prepared: each candidate is asked through its own indexes.
# (The ORM's version nested two subqueries, and its inner OuterRef bound to
# the trailer subquery, not the patch: PostgreSQL hashed every comment and
# trailer of the archive on each view, 40-70 ms at ten times linux-rtc, and
# trailers given in replies never counted.) Only the chosen patch's diff is read.
_REVIEWED_SQL = f"""
SELECT p.id, {DIFF_COLUMNS}, p.patchid, chosen.msgid
FROM (
    SELECT p.id, w.msgid
    FROM unnest(%(msgids)s::text[]) WITH ORDINALITY AS w(msgid, at)
    JOIN {Message._meta.db_table} m ON m.msgid = w.msgid
    JOIN {Patch._meta.db_table} p ON p.message_id = m.id AND p.project_id = %(project)s
    ORDER BY NOT (
        EXISTS (SELECT 1 FROM {Comment._meta.db_table} c
                WHERE c.patch_id = p.id AND c.anchors <> '[]'::jsonb)
        OR EXISTS (SELECT 1 FROM {Comment._meta.db_table} c
                   JOIN {Trailer._meta.db_table} t ON t.message_id = c.message_id
                   WHERE c.patch_id = p.id)
    ), w.at, p.id
    LIMIT 1
) chosen
JOIN {Patch._meta.db_table} p ON p.id = chosen.id
JOIN {Message._meta.db_table} m ON m.id = p.message_id
"""


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
