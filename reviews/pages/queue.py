# SPDX-License-Identifier: AGPL-3.0-or-later
"""My queue (``/user/queue/``): the series that wait on me, and why, oldest wait first.

Three tabs: waiting on me (the maintainer's move in my projects, or
delegated to me), waiting on others (the submitter's move there, or another
maintainer's it was delegated to) and mine as a submitter (posted from my
account's address). Whose turn and its reason
are stored (``reviews.turnstore``), so each tab is a count and one page of
rows, whatever the size of the archive; the rendered tabs and rows are kept
under the change stamp, so a queue read again before anything changes costs
one query for the stamp.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString

from archive.dbrouting import read_connection
from archive.prepared import execute_prepared
from reviews.models import Series
from reviews.pages.paging import count_bound, count_label
from reviews.pages.queuerows import QueueItem, render_items
from reviews.pages.queuesql import tab_counts, tab_page
from reviews.pages.stamp import STAMP_SQL
from reviews.templatetags.turns import waited_days
from reviews.turns import Whose, describe_turn

__all__ = ["PER_PAGE", "TABS", "queue", "queue_key"]

PER_PAGE = 50


@dataclass(frozen=True)
class Tab:
    slug: str
    label: str
    # Whose side the reader is on, per turn, to say "waiting for you".
    viewer: dict[str, str]
    empty: str


TABS = (
    Tab("", "Waiting on me", {"maintainer": "maintainer"},
        "Nothing waits on you: no open series in your projects, or delegated to you, "
        "has the next move with you."),
    Tab("others", "Waiting on others", {},
        "No series of yours waits on its submitter, or on another maintainer."),
    Tab("submitted", "Mine as a submitter", {"submitter": "submitter"},
        "No open series was posted from your account's address."),
)  # fmt: skip
_BY_SLUG = {tab.slug: tab for tab in TABS}


class QueuePage:
    """One tab of one user's queue; counts and rows are read only when rendered
    (the template keeps them under ``key`` and reads none on a hit)."""

    def __init__(self, user, tab: Tab, page: str | None, key: str) -> None:  # type: ignore[no-untyped-def]
        self.user, self.tab, self.key, self._page = user, tab, key, page

    @cached_property
    def bound(self) -> int:
        """How far the tabs are counted (``reviews.pages.paging``, as the patch list)."""
        asked = int(self._page) if self._page and self._page.isdigit() else 1
        return count_bound(asked, PER_PAGE)

    @cached_property
    def _numbers(self) -> dict[str, int]:
        return tab_counts(read_connection(Series), self.user, [t.slug for t in TABS], self.bound)

    @property
    def counts(self) -> list[tuple[Tab, str]]:
        """Each tab with its number of series: "1,000+" past what was counted."""
        return [(t, count_label(self._numbers[t.slug], self.bound)) for t in TABS]

    @property
    def more(self) -> bool:
        """Whether this tab holds more series than were counted (no last page)."""
        return self._numbers[self.tab.slug] > self.bound

    @cached_property
    def page(self) -> Page:
        paginator = Paginator(_TabRows(self.user, self.tab), PER_PAGE)
        # the count is known: the paginator need not ask again; past the bound, one
        # more than it, so that the page after the last one counted is offered
        paginator.count = min(self._numbers[self.tab.slug], self.bound + 1)  # type: ignore[misc]
        return paginator.get_page(self._page)

    @cached_property
    def items(self) -> list[QueueItem]:
        now = timezone.now()
        return [_item(series, self.tab, now) for series in self.page.object_list]

    @property
    def items_html(self) -> SafeString:
        return render_items(self.items)


class _TabRows:
    """A tab's series for the paginator: a page's slice is one written-out statement."""

    def __init__(self, user, tab: Tab) -> None:  # type: ignore[no-untyped-def]
        self.user, self.tab = user, tab

    def __getitem__(self, window: slice) -> list[Series]:
        start, stop = window.start or 0, window.stop
        if stop <= start:  # an empty tab: nothing to read
            return []
        return tab_page(read_connection(Series), self.user, self.tab.slug, start, stop - start)


# Prepared per connection: its eight subqueries took longer to plan than to run.
_KEY_SQL = (
    f"SELECT {STAMP_SQL}, (SELECT string_agg(project_id::text, ',' ORDER BY project_id) "
    "FROM reviews_project_maintainers WHERE user_id = %s)"
)


def queue_key(user, tab: Tab, page: str | None) -> str:  # type: ignore[no-untyped-def]
    """What the rendered queue depends on: the review data (the change stamp),
    the projects the user maintains, their address, the tab, the page and the
    day (rows say how many days each series has waited)."""
    db = read_connection(Series)  # where the rows will be read
    with db.cursor() as cursor:
        execute_prepared(cursor, "threadwork_queue_key", _KEY_SQL, [user.pk])
        stamp, projects = cursor.fetchone()
    parts = (db.alias, user.pk, user.email, projects, stamp, tab.slug, page, timezone.localdate())
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _item(series: Series, tab: Tab, now: dt.datetime) -> QueueItem:
    viewer = tab.viewer.get(series.turn)
    why = describe_turn(
        series, waited_days(series.waiting_since, now), Whose(viewer) if viewer else None
    )
    return QueueItem(series, why, waited_days(series.date, now))


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    tab = _BY_SLUG.get(request.GET.get("tab", ""), TABS[0])
    page = request.GET.get("page")
    view = QueuePage(user, tab, page, queue_key(user, tab, page))
    return render(request, "reviews/queue.html", {"view": view})
