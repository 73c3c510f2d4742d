# SPDX-License-Identifier: AGPL-3.0-or-later
"""Whose turn it is on a patch, and why: the rules, from facts to a verdict.

Pure: :class:`PatchFacts` in (state, replies with their cues, trailer
counts), a :class:`Turn` out; :func:`describe` puts a turn in words. Who is
the maintainer is not decided here: "the maintainer's turn" means the
project's maintainers (or the delegate) have the next move. The rules are
written out for people in ``docs/review-turns.md``; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from reviews.replies import Cue

__all__ = [
    "OPEN_BY_MAIL", "PatchFacts", "Reason", "Reply", "Turn", "Whose", "decide", "describe",
    "describe_turn",
]  # fmt: skip


class Whose(StrEnum):
    MAINTAINER = "maintainer"
    SUBMITTER = "submitter"
    NOBODY = "nobody"


class Reason(StrEnum):
    # the maintainer's
    NO_REPLY = "no-reply"
    REVIEWED = "reviewed"
    ANSWERED = "answered"
    DISCUSSED = "discussed"
    # the submitter's
    CHANGES_ASKED = "changes-asked"
    QUESTION = "question"
    CHANGES_REQUESTED = "changes-requested"
    REVISION_EXPECTED = "revision-expected"
    # nobody's
    CLOSED = "closed"
    ARCHIVED = "archived"
    APPLIED = "applied"
    REPLACED = "replaced"


_MAINTAINERS = (Reason.NO_REPLY, Reason.REVIEWED, Reason.ANSWERED, Reason.DISCUSSED)
_SUBMITTERS = (
    Reason.CHANGES_ASKED, Reason.QUESTION, Reason.CHANGES_REQUESTED, Reason.REVISION_EXPECTED
)  # fmt: skip
_NOBODYS = (Reason.CLOSED, Reason.ARCHIVED, Reason.APPLIED, Reason.REPLACED)
WHOSE_OF: dict[Reason, Whose] = {
    **dict.fromkeys(_MAINTAINERS, Whose.MAINTAINER),
    **dict.fromkeys(_SUBMITTERS, Whose.SUBMITTER),
    **dict.fromkeys(_NOBODYS, Whose.NOBODY),
}

# States in which the mail decides whose turn it is; every other state that
# needs no action (Accepted, Rejected, Superseded, Not Applicable, Deferred,
# Awaiting Upstream...) is nobody's turn, and Changes Requested the submitter's.
OPEN_BY_MAIL = frozenset({"new", "under-review", "rfc"})
CHANGES_REQUESTED = "changes-requested"


@dataclass(frozen=True)
class Reply:
    """One reply under the patch (or under its series' cover letter)."""

    date: dt.datetime | None
    by_submitter: bool
    cues: Cue
    # The patch numbers it says were applied ("[5/7] ..."); empty: not listed.
    applied_to: frozenset[int] = frozenset()


@dataclass(frozen=True)
class PatchFacts:
    date: dt.datetime | None  # when the patch was posted
    state: str  # slug
    action_required: bool  # the state's flag: an open state someone may have added
    archived: bool
    replaced: bool  # a later revision of its series exists
    state_changed: dt.datetime | None  # the last state change's date, if any
    replies: Sequence[Reply] = ()  # in date order
    approvals: int = 0  # Acked-by + Reviewed-by the patch carries (A/R counts)
    number: int | None = None  # its place in the series ("3" of [PATCH 3/7])


@dataclass(frozen=True)
class Turn:
    whose: Whose
    reason: Reason
    since: dt.datetime | None  # when this turn began


def decide(facts: PatchFacts) -> Turn:
    """Whose move it is on one patch, and why (the rules of docs/review-turns.md)."""
    settled = _by_state(facts)
    if settled is not None:
        return settled
    turn = Turn(Whose.MAINTAINER, Reason.NO_REPLY, facts.date)
    for reply in facts.replies:
        turn = _after(turn, _for_this_patch(reply, facts.number))
        if turn.reason is Reason.APPLIED:
            return turn  # applied stays applied, whatever thanks follow
    if turn.reason in (Reason.NO_REPLY, Reason.DISCUSSED) and facts.approvals:
        # e.g. a later revision that carries the review of the one before
        turn = replace(turn, reason=Reason.REVIEWED)
    return turn


def _by_state(facts: PatchFacts) -> Turn | None:
    since = facts.state_changed or facts.date
    if facts.archived:
        return Turn(Whose.NOBODY, Reason.ARCHIVED, since)
    if facts.state == CHANGES_REQUESTED:
        return Turn(Whose.SUBMITTER, Reason.CHANGES_REQUESTED, since)
    if facts.state not in OPEN_BY_MAIL and not facts.action_required:
        return Turn(Whose.NOBODY, Reason.CLOSED, since)
    if facts.replaced:
        return Turn(Whose.NOBODY, Reason.REPLACED, since)
    return None


def _for_this_patch(reply: Reply, number: int | None) -> Reply:
    """A thank-you listing other patches as applied says nothing of this one."""
    # a patch without a number is "[1/1]" to b4
    if reply.cues & Cue.APPLIED and reply.applied_to and (number or 1) not in reply.applied_to:
        return replace(reply, cues=reply.cues & ~Cue.APPLIED)
    return reply


def _after(turn: Turn, reply: Reply) -> Turn:
    """The turn once ``reply`` is read; an unchanged turn keeps its start date."""
    if reply.by_submitter:
        reason = _submitter_says(turn, reply.cues)
    else:
        reason = _reviewer_says(turn, reply.cues)
    if reason is None or reason is turn.reason:
        return turn
    return Turn(WHOSE_OF[reason], reason, reply.date)


def _submitter_says(turn: Turn, cues: Cue) -> Reason | None:
    if cues & Cue.APPLIED:
        return Reason.APPLIED  # a maintainer applying their own patch
    if cues & Cue.PROMISE:
        return Reason.REVISION_EXPECTED
    if turn.whose is Whose.SUBMITTER and turn.reason is not Reason.REVISION_EXPECTED:
        return Reason.ANSWERED
    return None  # a ping or a note of their own: still the same turn


def _reviewer_says(turn: Turn, cues: Cue) -> Reason | None:
    if cues & Cue.NAK:
        return Reason.CHANGES_ASKED
    if cues & Cue.APPLIED:
        return Reason.APPLIED
    if cues & Cue.APPROVAL:
        return Reason.REVIEWED
    if cues & Cue.QUESTION:
        return Reason.QUESTION
    if cues & (Cue.REQUEST | Cue.ANSWER):
        return Reason.CHANGES_ASKED
    if turn.reason is Reason.NO_REPLY:
        return Reason.DISCUSSED  # a thanks or a +1: someone looked, nothing asked
    return None


_WORDS: dict[Reason, str] = {
    Reason.NO_REPLY: "Nobody has replied yet",
    Reason.REVIEWED: "Reviewed, waits to be applied",
    Reason.ANSWERED: "The submitter answered",
    Reason.DISCUSSED: "Replied to, nothing asked",
    Reason.CHANGES_ASKED: "A reviewer asked for changes",
    Reason.QUESTION: "A reviewer asked a question",
    Reason.CHANGES_REQUESTED: "Marked Changes Requested",
    Reason.REVISION_EXPECTED: "A new revision is expected",
    Reason.CLOSED: "Decided",
    Reason.ARCHIVED: "Archived",
    Reason.APPLIED: "A reply says it was applied",
    Reason.REPLACED: "A later revision replaced it",
}


def describe(
    reason: str,
    *,
    acked: int = 0,
    reviewed: int = 0,
    days: int | None = None,
    viewer_is: Whose | None = None,
) -> str:
    """A turn in words: "2 Reviewed-by, 1 Acked-by, waiting for you 12 days".

    ``viewer_is``: whose side the reader is on, to say "for you" rather than
    "for the maintainer"; ``days``: how long the turn has lasted.
    """
    key = Reason(reason)
    whose = WHOSE_OF[key]
    if key is Reason.REVIEWED and (acked or reviewed):
        counts = [
            f"{n} {kind}" for n, kind in ((reviewed, "Reviewed-by"), (acked, "Acked-by")) if n
        ]
        text = ", ".join(counts)
    else:
        text = _WORDS[key]
    if whose is Whose.NOBODY or days is None:
        return text
    who = "you" if viewer_is is whose else f"the {whose.value}"
    return f"{text}, waiting for {who} {_days(days)}"


def _days(days: int) -> str:
    if days <= 0:
        return "since today"
    return "1 day" if days == 1 else f"{days} days"


class Turned(Protocol):
    """A patch or series with its stored turn (``reviews.turnstore``)."""

    turn_reason: str
    acked: int
    reviewed: int


def describe_turn(item: Turned, days: int | None, viewer_is: Whose | None = None) -> str:
    """``describe`` of an item's stored turn, ``days`` into its wait."""
    return describe(
        item.turn_reason, acked=item.acked, reviewed=item.reviewed, days=days, viewer_is=viewer_is
    )
