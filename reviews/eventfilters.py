# SPDX-License-Identifier: AGPL-3.0-or-later
"""The events page's query string: parsed once into a frozen, validated value.

Pure: a mapping of strings in, an :class:`EventQuery` out. Values that do not
parse fall back to "any", as a list page should, rather than erroring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlencode

__all__ = ["ANY_PERSON", "NO_PERSON", "EventQuery", "parse_event_query"]

# ``person=``: a user id, or one of these.
ANY_PERSON = "people"  # changes made by someone (not by mail or by Threadwork)
NO_PERSON = "threadwork"  # what the mail said and what Threadwork derived from it


@dataclass(frozen=True)
class EventQuery:
    project: str = ""  # a link name; the per-project page fixes it
    category: str = ""
    person: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    change: int | None = None  # the Events of one change set
    page: int = 1

    @property
    def person_id(self) -> int | None:
        return int(self.person) if self.person.isdecimal() else None

    @property
    def filtered(self) -> bool:
        """Whether anything but the project narrows the list."""
        return bool(self.category or self.person or self.since or self.until or self.change)

    def params(self, **changes: object) -> str:
        """The query string for this view with ``changes`` applied (page reset)."""
        changes.setdefault("page", 1)
        query = replace(self, **changes)  # type: ignore[arg-type]
        defaults = EventQuery()
        return urlencode(
            [
                (name, "" if value is None else str(value))
                for name, value in vars(query).items()
                if value != getattr(defaults, name)
            ]
        )

    def page_params(self, page: int) -> str:
        return self.params(page=page)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _positive(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdecimal() and 0 < len(value) < 19 else None


def parse_event_query(
    params: Mapping[str, str], categories: Collection[str], project: str = ""
) -> EventQuery:
    """The filters in ``params``; ``project`` (the page's own) wins over the query's.

    ``categories``: the category names there are (``EventCategory``).
    """
    person = (params.get("person") or "").strip()
    if person not in (ANY_PERSON, NO_PERSON) and _positive(person) is None:
        person = ""
    link = project or (params.get("project") or "").strip()
    category = (params.get("category") or "").strip()
    return EventQuery(
        project=link if link.replace("-", "").replace("_", "").isalnum() else "",
        category=category if category in categories else "",
        person=person,
        since=_date(params.get("since")),
        until=_date(params.get("until")),
        change=_positive(params.get("change")),
        page=_positive(params.get("page")) or 1,
    )
