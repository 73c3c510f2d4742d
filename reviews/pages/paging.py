# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pages of long lists counted only as far as a reader needs.

A project's events (190,000 at ten times linux-rtc) or its patches matching a
filter (180,000 at thirty times) cost a walk of every matching index entry to
count exactly, on every first view; "more than 1,000" says as much to a reader
at a thousandth of the cost. Short lists are counted exactly.
"""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import QuerySet

__all__ = ["COUNT_BOUND", "BoundedPaginator", "count_bound", "count_label"]

COUNT_BOUND = 1000


def count_bound(page: int, per_page: int) -> int:
    """How far to count for page ``page``: enough to reach it and to know whether one
    follows it. A page past any history counts it all (and shows the last page),
    rather than pass PostgreSQL a LIMIT beyond its integers."""
    return max(COUNT_BOUND, min(page, 10**7) * per_page)


def count_label(count: int, bound: int) -> str:
    """A count made to one past ``bound``: "1,260", or "1,000+" past the bound."""
    return f"{bound:,}+" if count > bound else f"{count:,}"


class BoundedPaginator(Paginator):
    """A paginator that counts at most ``bound`` rows, then knows only that there are more."""

    def __init__(self, object_list: QuerySet, per_page: int, page: int) -> None:
        super().__init__(object_list, per_page)
        self.bound = count_bound(page, per_page)

    @cached_property
    def count(self) -> int:
        # one past the bound: the pager then offers the page after the last one counted
        return self.object_list.order_by()[: self.bound + 1].count()

    @property
    def more(self) -> bool:
        """Whether more rows match than were counted."""
        return self.count > self.bound

    @property
    def bound_label(self) -> str:
        return f"{self.bound:,}"  # "more than 1,000"

    @property
    def count_label(self) -> str:
        """How many rows match: "1,260", or "1,000+" past what was counted."""
        return count_label(self.count, self.bound)
