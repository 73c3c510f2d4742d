# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patch list's query string: parsed once into a frozen, validated value.

Pure: a mapping of strings in, a :class:`PatchListQuery` out; invalid values
fall back to defaults rather than erroring, as a list page should.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlencode

__all__ = [
    "ACTION_REQUIRED",
    "ACTIVITY_CHOICES",
    "ALL_STATES",
    "ORDERINGS",
    "PatchListQuery",
    "parse_list_query",
]

ACTION_REQUIRED = ""  # the default view: open states, not archived
ALL_STATES = "*"
ARCHIVED_CHOICES = ("false", "true", "both")
# Whose turn (reviews.turns); "" is anyone's.
TURN_CHOICES = ("maintainer", "submitter", "nobody")
REPLIED_CHOICES = ("no", "yes")  # by someone other than the submitter
TRAILER_CHOICES = ("none", "reviewed")  # no Acked-by/Reviewed-by; at least one
# Last activity: "7d" within a week ... "90d+" quiet for ninety days or more.
ACTIVITY_CHOICES = {"7d": 7, "30d": 30, "90d+": -90, "365d+": -365}

# Public sort key -> model fields (the id breaks ties for stable pages). A
# field marked "+" keeps its direction when the order is reversed: a series'
# patches read 1..n whichever way the series are sorted.
ORDERINGS: dict[str, tuple[str, ...]] = {
    "date": ("series_date", "series_id", "+number", "id"),
    "name": ("name", "id"),
    "submitter": ("submitter__name", "submitter__email", "id"),
    "delegate": ("delegate__username", "id"),
    "state": ("state__ordering", "id"),
    "series": ("series__name", "series_id", "+number", "id"),
    "activity": ("last_activity", "id"),
    "waiting": ("waiting_since", "id"),
    "replies": ("replies", "id"),
}
DEFAULT_ORDER = "-date"


@dataclass(frozen=True)
class PatchListQuery:
    state: str = ACTION_REQUIRED
    submitter: int | None = None
    delegate: int | None = None
    series: int | None = None
    archived: str = "false"
    since: dt.date | None = None
    until: dt.date | None = None
    q: str = ""
    turn: str = ""
    replied: str = ""
    trailers: str = ""
    waiting: int | None = None  # more than this many days
    activity: str = ""
    order: str = DEFAULT_ORDER
    page: int = 1

    @property
    def order_fields(self) -> tuple[str, ...]:
        descending = self.order.startswith("-")
        fields = ORDERINGS[self.order.lstrip("-")]
        return tuple(f[1:] if f.startswith("+") else f"-{f}" if descending else f for f in fields)

    def params(self, **changes: object) -> str:
        """The query string for this view with ``changes`` applied (page reset)."""
        changes.setdefault("page", 1)
        query = replace(self, **changes)  # type: ignore[arg-type]
        defaults = PatchListQuery()
        pairs = [
            (name, "" if value is None else str(value))
            for name, value in vars(query).items()
            if value != getattr(defaults, name)
        ]
        return urlencode(pairs)

    def sort_params(self, column: str) -> str:
        """Sort by ``column``; a second click on the current column reverses it."""
        order = f"-{column}" if self.order == column else column
        return self.params(order=order)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _text(value: str | None, limit: int) -> str:
    # PostgreSQL text cannot hold NUL, and no state or patch name contains one.
    text = (value or "").strip()[:limit]
    return "" if "\x00" in text else text


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _choice(value: str | None, choices: tuple[str, ...]) -> str:
    return value if value in choices else ""


def _days(value: str | None) -> int | None:
    days = _int(value)
    # beyond a century is a typo, and would overflow the date arithmetic
    return days if days is not None and 0 < days <= 36500 else None


def parse_list_query(params: Mapping[str, str]) -> PatchListQuery:
    order = params.get("order") or DEFAULT_ORDER
    if order.lstrip("-") not in ORDERINGS:
        order = DEFAULT_ORDER
    archived = params.get("archived") or "false"
    return PatchListQuery(
        state=_text(params.get("state"), 100) or ACTION_REQUIRED,
        submitter=_int(params.get("submitter")),
        delegate=_int(params.get("delegate")),
        series=_int(params.get("series")),
        archived=archived if archived in ARCHIVED_CHOICES else "false",
        since=_date(params.get("since")),
        until=_date(params.get("until")),
        q=_text(params.get("q"), 200),
        turn=_choice(params.get("turn"), TURN_CHOICES),
        replied=_choice(params.get("replied"), REPLIED_CHOICES),
        trailers=_choice(params.get("trailers"), TRAILER_CHOICES),
        waiting=_days(params.get("waiting")),
        activity=_choice(params.get("activity"), tuple(ACTIVITY_CHOICES)),
        order=order,
        page=max(_int(params.get("page")) or 1, 1),
    )
