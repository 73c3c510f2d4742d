# SPDX-License-Identifier: AGPL-3.0-or-later
"""A project's event log, newest first: who changed what, from what to what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from reviews import links
from reviews.models import Check, Event, EventCategory, Project, State

__all__ = ["EventRow", "event_rows", "events"]

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

    @property
    def label(self) -> str:
        return _LABELS.get(self.category, self.category)

    @property
    def summary(self) -> str:
        """One line of plain text, for the Atom feed's titles."""
        change = f": {self.before} → {self.after}" if self.before or self.after else ""
        note = f" ({self.note})" if self.note else ""
        return f"{self.label}{change}{note} · {self.target}"


def _queryset(project: Project):
    return (
        Event.objects.filter(project=project)
        .select_related("actor", "patch", "series", "cover")
        .only("category", "date", "payload", "actor__username", "patch__name", "series__name",
              "series__version", "cover__name")
        .annotate(patch_msgid=F("patch__message__msgid"), cover_msgid=F("cover__message__msgid"))
        .order_by("-date", "-id")
    )  # fmt: skip


def event_rows(project: Project, events: list[Event]) -> list[EventRow]:
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
    return [_row(project, e, names, found, states) for e in events]


def _row(project: Project, event: Event, users: dict, checks: dict, states: dict) -> EventRow:
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
    elif event.category == EventCategory.CHECK_CREATED:
        check = checks.get(payload.get("check"))
        note = f"{check.context}: {check.state}" if check else ""
    target, url = _target(project, event)
    return EventRow(
        id=event.id, date=event.date, category=event.category,
        actor=event.actor.username if event.actor else "", target=target, url=url,
        before=before, after=after, note=note,
    )  # fmt: skip


def _target(project: Project, event: Event) -> tuple[str, str]:
    link = project.link_name
    if event.patch is not None:
        return event.patch.name, links.patch_url(link, event.patch_msgid)
    if event.cover is not None:
        return event.cover.name, links.cover_url(link, event.cover_msgid)
    if event.series is not None:
        name = event.series.name or f"series {event.series_id}"
        return f"{name} (v{event.series.version})", links.series_url(link, event.series_id)
    return "", ""


@dataclass
class EventsPage:
    project: Project
    page: Page
    rows: list[EventRow]


def recent_events(project: Project, limit: int) -> list[EventRow]:
    return event_rows(project, list(_queryset(project)[:limit]))


def events(request: HttpRequest, link_name: str) -> HttpResponse:
    project = get_object_or_404(Project, link_name=link_name)
    page = Paginator(_queryset(project), PER_PAGE).get_page(request.GET.get("page"))
    view = EventsPage(project, page, event_rows(project, list(page.object_list)))
    return render(request, "reviews/events.html", {"view": view})
