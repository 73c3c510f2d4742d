# SPDX-License-Identifier: AGPL-3.0-or-later
"""The event log, newest first: who changed what, from what to what.

Per project or across projects, filtered by category, person and dates in
the query string (``reviews.eventfilters``); a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString

from archive.dbrouting import read_connection
from archive.prepared_models import PreparedQuery
from reviews import links, services
from reviews.eventfilters import EventQuery, parse_event_query
from reviews.models import ChangeSet, Check, Event, EventCategory, Project, State
from reviews.pages.eventpage import page_parts
from reviews.pages.eventrows import render_event_rows
from reviews.pages.paging import BoundedPaginator

__all__ = ["EventRow", "event_rows", "events", "events_queryset", "recent_events"]

PER_PAGE = 50
_LABELS = {
    EventCategory.PATCH_CREATED: "patch created",
    EventCategory.PATCH_COMPLETED: "patch completed",
    EventCategory.PATCH_STATE_CHANGED: "state changed",
    EventCategory.PATCH_DELEGATED: "delegated",
    EventCategory.PATCH_ARCHIVED: "archived",
    EventCategory.PATCH_COMMIT_REF_CHANGED: "commit ref",
    EventCategory.PATCH_RELATION_CHANGED: "relation changed",
    EventCategory.CHECK_CREATED: "check reported",
    EventCategory.SERIES_CREATED: "series created",
    EventCategory.SERIES_COMPLETED: "series completed",
    EventCategory.COVER_CREATED: "cover letter",
    EventCategory.SERIES_RENAMED: "series renamed",
}


@dataclass(frozen=True)
class EventRow:
    id: int
    date: datetime
    category: str
    actor: str
    target: str
    url: str
    before: str
    after: str
    note: str
    change_set_id: int | None = None
    project: str = ""  # its link name

    @property
    def label(self) -> str:
        return _LABELS.get(self.category, self.category)

    @property
    def summary(self) -> str:
        """One line of plain text, for the Atom feed's titles."""
        change = f": {self.before} → {self.after}" if self.before or self.after else ""
        note = f" ({self.note})" if self.note else ""
        return f"{self.label}{change}{note} · {self.target}"


def events_queryset(events: QuerySet[Event]) -> QuerySet[Event]:
    """``events`` with what their rows show, in one query, newest first."""
    return (
        events.select_related("actor", "patch", "series", "cover", "project")
        .only("category", "date", "payload", "change_set_id", "actor__username", "patch__name",
              "series__name", "series__version", "cover__name", "project__link_name")
        .annotate(patch_msgid=F("patch__message__msgid"), cover_msgid=F("cover__message__msgid"))
        .order_by("-date", "-id")
    )  # fmt: skip


def event_rows(events: list[Event]) -> list[EventRow]:
    """Rows for ``events``; three queries at most, whatever their number."""
    users: set[int | None] = set()
    checks: set[int | None] = set()
    for event in events:
        payload = event.payload or {}
        users.update(payload.get(k) for k in ("previous_delegate", "current_delegate"))
        checks.add(payload.get("check"))
    users.discard(None)
    checks.discard(None)
    names = dict(get_user_model().objects.filter(id__in=users).values_list("id", "username"))
    found = Check.objects.only("context", "state").in_bulk(checks) if checks else {}
    states = dict(State.objects.values_list("slug", "name"))
    return [_row(e, names, found, states) for e in events]


def rows_with(events: list[Event], users: dict, checks: dict, states: dict) -> list[EventRow]:
    """``event_rows(events)`` with its lookups already read: delegates' usernames and
    checks by id, state names by slug (``reviews.pages.eventpage`` reads them
    with the rows)."""
    return [_row(e, users, checks, states) for e in events]


def _row(event: Event, users: dict, checks: dict, states: dict) -> EventRow:
    payload = event.payload or {}
    before = after = note = ""
    if event.category == EventCategory.PATCH_STATE_CHANGED:
        before = states.get(payload.get("previous_state"), payload.get("previous_state") or "")
        after = states.get(payload.get("current_state"), payload.get("current_state") or "")
        note = payload.get("reason") or ""
    elif event.category == EventCategory.PATCH_DELEGATED:
        before = users.get(payload.get("previous_delegate"), "nobody")
        after = users.get(payload.get("current_delegate"), "nobody")
        note = payload.get("reason") or ""  # a trusted X-Patchwork-Delegate header
    elif event.category == EventCategory.PATCH_ARCHIVED:
        before = "archived" if payload.get("previous_archived") else "not archived"
        after = "archived" if payload.get("current_archived") else "not archived"
    elif event.category == EventCategory.PATCH_COMMIT_REF_CHANGED:
        before = payload.get("previous_commit_ref") or "none"
        after = payload.get("current_commit_ref") or "none"
    elif event.category == EventCategory.SERIES_RENAMED:
        before, after = payload.get("previous_name") or "", payload.get("current_name") or ""
    elif event.category == EventCategory.CHECK_CREATED:
        check = checks.get(payload.get("check"))
        note = f"{check.context}: {check.state}" if check else ""
    target, url = _target(event)
    return EventRow(
        id=event.id, date=event.date, category=event.category,
        actor=event.actor.username if event.actor else "", target=target, url=url,
        before=before, after=after, note=note, change_set_id=event.change_set_id,
        project=event.project.link_name,
    )  # fmt: skip


def _target(event: Event) -> tuple[str, str]:
    link = event.project.link_name
    if event.patch is not None:
        return event.patch.name, links.patch_url(link, event.patch_msgid)
    if event.cover is not None:
        return event.cover.name, links.cover_url(link, event.cover_msgid)
    if event.series is not None:
        name = event.series.name or f"series {event.series_id}"
        return f"{name} (v{event.series.version})", links.series_url(link, event.series_id)
    return "", ""


def recent_events(project: Project, limit: int) -> list[EventRow]:
    return event_rows(list(events_queryset(Event.objects.filter(project=project))[:limit]))


@dataclass
class EventsPage:
    project: Project | None  # None: every project
    query: EventQuery
    page: Page
    rows: list[EventRow]
    projects: list[Project]
    people: list[Any]
    categories: list[tuple[str, str]]
    last_change: ChangeSet | None  # the newest change set the viewer may undo
    in_path: bool = False  # the project's own page: /project/<p>/events/

    def _params(self, **changes: object) -> str:
        # The project's own page has the project in its path, not in its links.
        if self.in_path:
            changes.setdefault("project", "")
        return self.query.params(**changes)

    @property
    def rows_html(self) -> SafeString:
        """The rows' markup (a column for the project on the page of every project)."""
        return render_event_rows(self.rows, show_project=self.project is None)

    @property
    def previous_params(self) -> str:
        return self._params(page=self.page.number - 1)

    @property
    def next_params(self) -> str:
        return self._params(page=self.page.number + 1)

    @property
    def change_cleared(self) -> str:
        return self._params(change=None)


def events(request: HttpRequest, link_name: str = "") -> HttpResponse:
    """A project's events (or every project's), filtered by the query string."""
    query = parse_event_query(request.GET, EventCategory.values, link_name)
    project = find_project(query.project) if query.project else None
    scope = Event.objects.filter(project=project) if project else Event.objects.public()
    matching = scope.matching(query)
    # Counted without the joins the rows need, and only so far (BoundedPaginator).
    page = BoundedPaginator(matching.only("id"), PER_PAGE, query.page).get_page(query.page)
    first = (page.number - 1) * PER_PAGE
    # The page's ids first, from an index; then only those rows are joined to
    # what they show. In one query, a deep page joined every row it skipped, and
    # with the ids as a subquery PostgreSQL joined every event before choosing.
    ids = list(matching.values_list("id", flat=True)[first : first + PER_PAGE])
    # the rows and the form's projects and people, in one prepared statement
    parts = page_parts(read_connection(Event), ids, project)
    rows = rows_with(parts.events, parts.users, parts.checks, parts.states)
    view = EventsPage(
        project=project, query=query, page=page, rows=rows,
        projects=parts.projects, people=parts.people,
        categories=[(c, _LABELS.get(c, c)) for c in EventCategory.values if c in _LABELS],
        last_change=_last_change(request, project), in_path=bool(link_name),
    )  # fmt: skip
    return render(request, "reviews/events.html", {"view": view})


# The page's project by its link name, planned once per connection.
_PROJECT: PreparedQuery[Project] = PreparedQuery(
    "threadwork_events_project", lambda link_name: Project.objects.filter(link_name=link_name)
)


def find_project(link_name: str) -> Project:
    """The project by its link name (404 if none), by a statement prepared per connection."""
    return _PROJECT.get_or_404(Project, link_name=link_name)


def _last_change(request: HttpRequest, project: Project | None) -> ChangeSet | None:
    """The project's newest change set, if not undone and the viewer may undo it."""
    if project is None or not request.user.is_authenticated:
        return None
    last = (
        ChangeSet.objects.filter(project=project).select_related("project", "actor")
        .order_by("-date", "-id").first()
    )  # fmt: skip
    if last is None or last.undone_by_id is not None:
        return None
    try:
        services.check_undo(request.user, last)
    except PermissionDenied:
        return None
    return last
