# SPDX-License-Identifier: AGPL-3.0-or-later
"""Review-health measures shaped from query rows: weeks, months, buckets, people.

Pure: rows in (as ``reviews.health.queries`` returns them), frozen dataclasses
out, and :func:`to_json`, the one shape both the JSON and the page's tables
are read from. Definitions: ``docs/review-health.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

__all__ = [
    "AGE_BUCKETS",
    "UNANSWERED_DAYS",
    "AgeBucket",
    "AppliedMonth",
    "Health",
    "ReplyMonth",
    "Reviewer",
    "Reviewers",
    "Week",
    "applied_by_month",
    "reply_months",
    "reviewers_from",
    "to_json",
    "weekly",
]

# A patch nobody else answered within this many days counts as unanswered.
UNANSWERED_DAYS = 14


@dataclass(frozen=True)
class AgeBucket:
    label: str
    short: str  # for a chart's axis
    upto_days: int | None  # younger than this; None: the open-ended last bucket


AGE_BUCKETS = (
    AgeBucket("under 1 week", "<1w", 7),
    AgeBucket("1–2 weeks", "1–2w", 14),
    AgeBucket("2–4 weeks", "2–4w", 28),
    AgeBucket("1–3 months", "1–3m", 91),
    AgeBucket("3–6 months", "3–6m", 182),
    AgeBucket("6–12 months", "6–12m", 365),
    AgeBucket("1–2 years", "1–2y", 730),
    AgeBucket("over 2 years", ">2y", None),
)


@dataclass(frozen=True)
class Week:
    """One week (from its Monday, UTC): what arrived, what was decided, what stayed open."""

    week: date
    arrived: int
    accepted: int
    rejected: int
    superseded: int
    other: int
    open: int


@dataclass(frozen=True)
class AppliedMonth:
    month: str  # "2024-03", the month the patch was accepted, or a reply said applied
    applied: int
    by_mail: int  # of those, applied only by a reply's word (state still open)
    with_review: int

    @property
    def share(self) -> float | None:
        return _percent(self.with_review, self.applied)


@dataclass(frozen=True)
class ReplyMonth:
    month: str  # the month the patches arrived
    patches: int
    answered: int
    median_hours: float | None
    p90_hours: float | None
    old_enough: int  # patches at least UNANSWERED_DAYS old
    unanswered: int  # of those, nobody else answered within UNANSWERED_DAYS

    @property
    def unanswered_share(self) -> float | None:
        return _percent(self.unanswered, self.old_enough)


@dataclass(frozen=True)
class Reviewer:
    person_id: int
    name: str
    replies: int
    reviewed: int
    acked: int
    tested: int


@dataclass(frozen=True)
class Reviewers:
    people: tuple[Reviewer, ...]
    reviewers: int  # people who replied to someone else's patch
    submitters: int
    submitters_reviewing: int

    @property
    def share(self) -> float | None:
        return _percent(self.submitters_reviewing, self.submitters)


@dataclass(frozen=True)
class Health:
    generated: datetime
    weeks: tuple[Week, ...]
    ages: tuple[tuple[str, int], ...]
    replies: tuple[ReplyMonth, ...]
    applied: tuple[AppliedMonth, ...]
    reviewers: Reviewers

    @property
    def open_now(self) -> int:
        return sum(n for _, n in self.ages)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(days: Sequence[tuple]) -> tuple[Week, ...]:
    """Daily rows (day, arrived, accepted, rejected, superseded, other, applied by
    mail, applied with a review, open after the day), sorted by day, as every week from the first
    to the last, weeks without a move included (open carried over)."""
    if not days:
        return ()
    # Weeks keyed by their Monday's ordinal (day 1, 1 January of year 1, was a
    # Monday): integer arithmetic, not a date and a timedelta per row (1,400
    # rows at linux-rtc, a sixth of the health page's time).
    sums: dict[int, list[int]] = {}
    open_at: dict[int, int] = {}
    for day, arrived, accepted, rejected, superseded, other, _mail, _reviewed, open_after in days:
        ordinal = day.toordinal()
        week = ordinal - (ordinal - 1) % 7
        row = sums.get(week)
        if row is None:
            sums[week] = [arrived, accepted, rejected, superseded, other]
        else:
            row[0] += arrived
            row[1] += accepted
            row[2] += rejected
            row[3] += superseded
            row[4] += other
        open_at[week] = int(open_after)  # rows are sorted: the week's last day wins
    weeks, still_open = [], 0
    first, last = _monday(days[0][0]).toordinal(), _monday(days[-1][0]).toordinal()
    for week in range(first, last + 1, 7):
        arrived, accepted, rejected, superseded, other = sums.get(week, (0, 0, 0, 0, 0))
        still_open = open_at.get(week, still_open)
        weeks.append(
            Week(date.fromordinal(week), arrived, accepted, rejected, superseded, other, still_open)
        )
    return tuple(weeks)


def applied_by_month(days: Sequence[tuple]) -> tuple[AppliedMonth, ...]:
    """Applied patches (Accepted, or a reply says applied) and those of them with a
    Reviewed-by or Acked-by, by the month of the decision."""
    months: dict[str, list[int]] = {}
    for day, _arrived, accepted, _rej, _sup, _other, by_mail, reviewed, _open in days:
        if accepted or by_mail:
            row = months.setdefault(f"{day:%Y-%m}", [0, 0, 0])
            row[0] += accepted + by_mail
            row[1] += by_mail
            row[2] += reviewed
    return tuple(AppliedMonth(m, *counts) for m, counts in sorted(months.items()))


def reply_months(rows: Sequence[tuple]) -> tuple[ReplyMonth, ...]:
    """Rows (month, patches, answered, median h, p90 h, old enough, unanswered)."""
    return tuple(
        ReplyMonth(month, patches, answered, _hours(median), _hours(p90), old_enough, unanswered)
        for month, patches, answered, median, p90, old_enough, unanswered in rows
    )


def _hours(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def reviewers_from(rows: Sequence[tuple]) -> Reviewers:
    """Rows (reviewers, submitters, reviewing, then a person's id, name, replies,
    Reviewed-by, Acked-by, Tested-by, or None when nobody replied)."""
    reviewers, submitters, reviewing = rows[0][:3] if rows else (0, 0, 0)
    people = tuple(
        Reviewer(pid, name, replies, reviewed, acked, tested)
        for _, _, _, pid, name, replies, reviewed, acked, tested in rows
        if pid is not None
    )
    return Reviewers(people, reviewers, submitters, reviewing)


def ages(counts: dict[str, int]) -> tuple[tuple[str, int], ...]:
    """Every bucket, youngest first, zero where nothing is that old."""
    return tuple((b.label, counts.get(b.label, 0)) for b in AGE_BUCKETS)


def recent(months: Sequence[ReplyMonth], now: datetime, count: int = 12) -> list[ReplyMonth]:
    """The months among ``months`` within the last ``count`` calendar months of ``now``."""
    first = now.year * 12 + now.month - count
    return [m for m in months if int(m.month[:4]) * 12 + int(m.month[5:7]) > first]


def to_json(health: Health) -> dict[str, Any]:
    """Everything the page shows, as numbers: the JSON answer and the tables' source."""
    people = health.reviewers
    return {
        "generated": health.generated.isoformat(timespec="seconds"),
        "open_now": health.open_now,
        "weekly": [
            {
                "week": w.week.isoformat(),
                "arrived": w.arrived,
                "accepted": w.accepted,
                "rejected": w.rejected,
                "superseded": w.superseded,
                "other": w.other,
                "open": w.open,
            }
            for w in health.weeks
        ],
        "open_age": [{"age": label, "patches": n} for label, n in health.ages],
        "first_reply": [
            {
                "month": m.month,
                "patches": m.patches,
                "answered": m.answered,
                "median_hours": m.median_hours,
                "p90_hours": m.p90_hours,
            }
            for m in health.replies
        ],
        "applied_reviewed": [
            {
                "month": m.month,
                "applied": m.applied,
                "by_reply_only": m.by_mail,
                "with_review": m.with_review,
                "share_percent": m.share,
            }
            for m in health.applied
        ],
        "unanswered": {
            "days": UNANSWERED_DAYS,
            "months": [
                {
                    "month": m.month,
                    "patches": m.old_enough,
                    "unanswered": m.unanswered,
                    "share_percent": m.unanswered_share,
                }
                for m in health.replies
                if m.old_enough
            ],
        },
        "reviewers": {
            "people": [
                {
                    "person": p.person_id,
                    "name": p.name,
                    "replies": p.replies,
                    "reviewed_by": p.reviewed,
                    "acked_by": p.acked,
                    "tested_by": p.tested,
                }
                for p in people.people
            ],
            "people_replying_to_others": people.reviewers,
            "submitters": people.submitters,
            "submitters_reviewing_others": people.submitters_reviewing,
            "share_percent": people.share,
        },
    }
